"""The weekly DRIVE syncs of each squad and the CTO–CPO weeklies, with their sections (and
their overruns), items, decisions and action items."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from rituals.syncs.defaults import CTO_CPO, DRIVE, TemplateDefault
from workspace.demo.clock import WEEKS, Clock, iso_week
from workspace.demo.history import FeatureHistory
from workspace.demo.people import SQUADS, Squad, member, members
from workspace.demo.stories import (
    ACTIONS,
    CONFLICTS,
    DECISIONS,
    LEADERSHIP_ACTIONS,
    LEADERSHIP_DECISIONS,
    LEADERSHIP_ITEMS,
    OBSTACLES,
)

# Minutes a section runs over (or under) its time box: the roadmap section is the usual culprit.
OVERRUN = {
    "delivery": [-2, -1, -1, 0, 0, 1, 2],
    "roadmap": [-3, -2, -2, -1, 0, 0, 1, 2, 5],
    "issues": [-2, -1, -1, 0, 0, 1, 3],
    "velocity": [-2, -1, -1, 0, 0, 1],
    "escalation": [-3, -2, -2, -1, 0, 0, 2],
}
POST_LAUNCH = [
    "First week: conversion up 1.2 pt on the segment.",
    "No error spike after release; support quiet.",
    "Adoption at 34 % of eligible workspaces after five days.",
    "Latency within target; one alert tuned.",
]


class SyncBuilder:
    def __init__(self, clock: Clock, rng: random.Random, history: FeatureHistory, today: dt.date) -> None:
        self.clock, self.rng, self.history, self.today = clock, rng, history, today
        self.delivered_at = {d.key: d.at for d in history.deliveries}
        self.keys: dict[tuple[str, int], str] = {}  # (team, week) → sync key

    def sections(
        self, template: TemplateDefault, start: dt.datetime
    ) -> tuple[list[dict[str, Any]], dt.datetime]:
        sections, moment = [], start
        for section in template.sections:
            delta = self.rng.choice(OVERRUN.get(section.code, [-1, 0, 0, 1, 2]))
            end = moment + dt.timedelta(
                minutes=max(1, section.minutes + delta), seconds=self.rng.randrange(-20, 21)
            )
            sections.append(
                {
                    "code": section.code,
                    "title": section.title,
                    "planned_minutes": section.minutes,
                    "started_at": self.clock.stamp(moment),
                    "ended_at": self.clock.stamp(end),
                }
            )
            moment = end
        return sections, moment

    def actions(
        self,
        day: dt.date,
        owners: list[str],
        titles: list[tuple[str, str]],
        count: int,
        pool: list[str] = ACTIONS,
    ) -> list[dict[str, Any]]:
        actions = []
        for template in self.rng.sample(pool, count):
            if "{title}" in template and not titles:
                continue
            due = day + dt.timedelta(days=self.rng.randrange(2, 8))
            action: dict[str, Any] = {
                "title": template.format(title=self.rng.choice(titles)[1])
                if "{title}" in template
                else template,
                "owner": self.rng.choice(owners),
                "due": due.isoformat(),
            }
            done = self.clock.at(
                due + dt.timedelta(days=self.rng.randrange(-2, 3)), self.rng.randrange(9, 18)
            )
            if self.rng.random() < 0.85 and self.clock.past(done) and done.date() > day:
                action["done_at"] = self.clock.stamp(done)
            actions.append(action)
        return actions

    def drive(self, squad: Squad, week: int) -> dict[str, Any] | None:
        rng, clock = self.rng, self.clock
        day = clock.day(week, squad.sync_weekday)
        scheduled = clock.at(day, *squad.sync_time)
        start = scheduled + dt.timedelta(minutes=rng.choice([0, 0, 0, 1, 2, 4]))
        sections, end = self.sections(DRIVE, start)
        if not clock.past(end):
            return None
        key = f"drive-{squad.slug}-{iso_week(day)}"
        self.keys[(squad.slug, week)] = key
        titles = [t for t in self.history.titles[squad.slug]]
        items, decisions = self.items(squad, week, scheduled), []
        for section in rng.sample(["roadmap", "issues", "velocity", "escalation"], rng.choice([1, 2, 2, 3])):
            template = rng.choice(DECISIONS[section])
            if "{title}" in template and not titles:
                continue
            decision: dict[str, Any] = {"section": section, "text": template}
            if "{title}" in template:
                feature_key, title = rng.choice(titles)
                decision["text"] = template.format(title=title)
                decision["feature"] = feature_key
            decisions.append(decision)
        facilitator = rng.choices(
            [member(squad.slug, "pm").email, "em@acme.test", "ops@acme.test"], weights=[80, 10, 10]
        )[0]
        owners = [p.email for p in members(squad.slug) if p.role != "engineering_manager"]
        return {
            "key": key,
            "team": squad.slug,
            "ritual": "drive",
            "facilitator": facilitator,
            "scheduled_at": clock.stamp(scheduled),
            "started_at": clock.stamp(start),
            "ended_at": clock.stamp(end),
            "sections": sections,
            "items": items,
            "decisions": decisions,
            "action_items": self.actions(day, owners, titles, rng.choice([1, 2, 2, 3])),
        }

    def items(self, squad: Squad, week: int, scheduled: dt.datetime) -> list[dict[str, Any]]:
        rng, items = self.rng, []
        since = scheduled - dt.timedelta(days=7)
        for delivery in self.history.deliveries:
            if delivery.team == squad.slug and since <= delivery.at < scheduled:
                item = {"section": "delivery", "title": f"Shipped: {delivery.title}", "feature": delivery.key}
                if rng.random() < 0.5:
                    item["notes"] = rng.choice(POST_LAUNCH)
                items.append(item)
        this_week = iso_week(scheduled.date())
        for plan in self.history.planned:
            shipped = self.delivered_at.get(plan.key)
            if (
                plan.team == squad.slug
                and plan.week == this_week
                and (shipped is None or shipped >= scheduled)
            ):
                items.append(
                    {
                        "section": "delivery",
                        "title": f"Planned this week, not delivered yet: {plan.title}",
                        "feature": plan.key,
                    }
                )
        if not any(item["section"] == "delivery" for item in items):
            items.append({"section": "delivery", "title": "Nothing shipped since last week"})
        upcoming = [t for t in self.history.titles[squad.slug]][-6:]
        if len(upcoming) >= 2:
            first, second = rng.sample(upcoming, 2)
            items.append(
                {"section": "roadmap", "title": f"Rank {first[1]} against {second[1]}", "feature": first[0]}
            )
        for story in CONFLICTS:
            if story.team == squad.slug and story.week == week:
                items.append({"section": "issues", "title": f"Conflict: {story.title}", "notes": story.facts})
        points = sum(
            d.points for d in self.history.deliveries if d.team == squad.slug and since <= d.at < scheduled
        )
        month = sum(
            d.points
            for d in self.history.deliveries
            if d.team == squad.slug and scheduled - dt.timedelta(days=28) <= d.at < scheduled
        )
        items.append(
            {
                "section": "velocity",
                "title": f"{points} points delivered this week, {month / 4:.1f} a week over four weeks",
            }
        )
        for obstacle in OBSTACLES:
            open_until = obstacle.week + (obstacle.weeks_open if obstacle.weeks_open is not None else WEEKS)
            if obstacle.team == squad.slug and obstacle.week <= week < open_until:
                items.append({"section": "escalation", "title": f"Obstacle: {obstacle.title}"})
        return items

    def leadership(self, week: int) -> dict[str, Any] | None:
        rng, clock = self.rng, self.clock
        day = clock.day(week, 0)
        scheduled = clock.at(day, 17)
        sections, end = self.sections(CTO_CPO, scheduled + dt.timedelta(minutes=rng.choice([0, 2, 5])))
        if not clock.past(end):
            return None
        items = [
            {"section": section.code, "title": rng.choice(LEADERSHIP_ITEMS[section.code])}
            for section in CTO_CPO.sections
            if section.code in LEADERSHIP_ITEMS and rng.random() < 0.8
        ]
        key = f"cto-cpo-{iso_week(day)}"
        self.keys[("leadership", week)] = key
        return {
            "key": key,
            "ritual": "cto_cpo",
            "facilitator": rng.choice(["cpo@acme.test", "cto@acme.test"]),
            "scheduled_at": clock.stamp(scheduled),
            "started_at": sections[0]["started_at"],
            "ended_at": clock.stamp(end),
            "sections": sections,
            "items": items,
            "decisions": [{"section": "key-decisions", "text": rng.choice(LEADERSHIP_DECISIONS)}],
            "action_items": self.actions(
                day,
                ["cpo@acme.test", "cto@acme.test", "vp@acme.test"],
                [],
                rng.choice([1, 2]),
                LEADERSHIP_ACTIONS,
            ),
        }

    def upcoming(self, squad: Squad, today: dt.date) -> dict[str, Any]:
        """The squad's next DRIVE sync, scheduled after today: the one a demo visitor can run."""
        day = self.clock.end_day + dt.timedelta(days=squad.sync_weekday)
        if day <= today:
            day += dt.timedelta(weeks=1)
        return {
            "key": f"drive-{squad.slug}-{iso_week(day)}",
            "team": squad.slug,
            "ritual": "drive",
            "facilitator": member(squad.slug, "pm").email,
            "scheduled_at": self.clock.stamp(self.clock.at(day, *squad.sync_time)),
            "sections": [
                {"code": section.code, "title": section.title, "planned_minutes": section.minutes}
                for section in DRIVE.sections
            ],
            "items": [],
            "decisions": [],
            "action_items": [],
        }

    def build(self) -> list[dict[str, Any]]:
        syncs = []
        for week in range(WEEKS):
            if week % 2 == 1:
                sync = self.leadership(week)
                if sync:
                    syncs.append(sync)
            for squad in SQUADS:
                if self.rng.random() < 0.04:
                    continue  # a public holiday or an off-site: no sync that week
                sync = self.drive(squad, week)
                if sync:
                    syncs.append(sync)
        return syncs + [self.upcoming(squad, self.today) for squad in SQUADS]
