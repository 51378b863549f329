"""The features' history: framing sessions, alignment, revisions, delivery and acceptance.

Each squad's features start one after the other over the six months; what happened to a feature
is decided by the seeded random generator, then cut at the end of the history (last week), which
gives every status: the oldest are accepted, the newest still framed or ideas."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any, NamedTuple

from workspace.demo.base import DemoFeature
from workspace.demo.clock import WEEKS, Clock, iso_week, quarter_of
from workspace.demo.people import Squad, member, members
from workspace.demo.stories import REJECTIONS

DROPPED_INDEX = 9  # one feature per squad is dropped after framing
IDEAS = 2  # the last features of each squad are still ideas
# The newest framed features of each squad, counted from the last one: where they stand at the end.
FATES = {1: "framing", 2: "aligned", 3: "in_progress", 4: "delivered"}

REWORK_FIELDS = [["success_criteria"], ["solution", "options"], ["user_journey"], ["technical_constraints"]]
REWORK_REASONS = [
    "Legal asked for a second confirmation step.",
    "The data team showed the metric we chose cannot be measured per workspace.",
    "The chosen option failed the load test; we switch to the second one.",
    "Support found a journey we had not covered: customers with two accounts.",
]
CLARIFICATION_FIELDS = [["business_driver_description"], ["business_value"], ["invest"]]


class Delivery(NamedTuple):
    team: str
    key: str
    title: str
    at: dt.datetime
    points: int


class Planned(NamedTuple):
    team: str
    key: str
    title: str
    week: str
    delivered: bool


class FeatureHistory(NamedTuple):
    features: list[dict[str, Any]]
    deliveries: list[Delivery]
    planned: list[Planned]
    titles: dict[str, list[tuple[str, str]]]  # squad → [(key, title)] of framed features


def _attendees(rng: random.Random, squad: str, number: int) -> list[str]:
    people = [member(squad, "pm").email, member(squad, "tech_lead").email]
    others = [p.email for p in members(squad) if p.role in ("designer", "engineer")]
    if rng.random() < 0.5:
        people.append(rng.choice(others))
    if number == 3:
        people.append("em@acme.test" if rng.random() < 0.5 else "vp@acme.test")
    return people


def _rice(rng: random.Random, squad: Squad, feature: DemoFeature) -> dict[str, Any]:
    effort = {1: 0.5, 2: 0.5, 3: 1, 5: 1, 8: 2, 13: 3}.get(feature.points, 1)
    return {
        "reach": rng.randrange(*squad.reach, 100),
        "impact": rng.choice([0.5, 1, 1, 2, 2, 3]),
        "confidence": rng.choice([0.5, 0.8, 0.8, 1.0]),
        "effort": effort,
    }


def _spec(feature: DemoFeature, *, aligned: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "business_driver": {
            "kind": feature.driver,
            "description": feature.why,
            "expected_impact": feature.impact,
        },
        "technical_constraints": [{"kind": feature.constraint[0], "description": feature.constraint[1]}],
        "success_criteria": [
            {"kind": "business", "metric": feature.business[0], "target": feature.business[1]},
            {"kind": "technical", "metric": feature.technical[0], "target": feature.technical[1]},
        ],
    }
    if feature.journey:
        spec["user_journey"] = feature.journey
    spec["business_value"] = f"{feature.impact}. {feature.why}"
    spec["options"] = [
        {"title": title, "tradeoffs": tradeoffs, "chosen": aligned and index == feature.chosen}
        for index, (title, tradeoffs) in enumerate(feature.options)
    ]
    if aligned:
        spec["solution"] = feature.solution
        spec["invest"] = {
            "independent": True,
            "negotiable": True,
            "valuable": True,
            "estimable": True,
            "small": feature.points <= 8,
            "testable": True,
        }
    return spec


class _Builder:
    def __init__(
        self, clock: Clock, rng: random.Random, key_results: dict[tuple[str, str], list[tuple[str, str]]]
    ):
        self.clock, self.rng, self.key_results = clock, rng, key_results
        self.deliveries: list[Delivery] = []
        self.planned: list[Planned] = []

    def session_time(self, day: dt.date) -> dt.datetime:
        moment = self.clock.workday(
            self.clock.at(day, self.rng.choice([9, 10, 11, 14, 15, 16]), self.rng.choice([0, 30]))
        )
        return moment

    def krs(self, squad: Squad, feature: DemoFeature, day: dt.date) -> list[str]:
        earlier, current = self.clock.quarters()
        quarter = min(max(quarter_of(day), earlier), current)  # "YYYY-Qn" sorts as text
        candidates = self.key_results.get((squad.slug, quarter), [])
        wanted = "business" if feature.kind == "product" else "technical"
        keys = [key for key, kind in candidates if kind == wanted][:1] or [key for key, _ in candidates][:1]
        if feature.kind in ("platform", "tech_debt") and squad.slug != "platform":
            keys += [
                key for key, kind in self.key_results.get(("platform", quarter), []) if kind == "technical"
            ][:1]
        return keys

    def schedule(
        self, fate: str, start_day: dt.date, points: int
    ) -> tuple[list[dt.datetime], dt.datetime, int]:
        """When the sessions are held, when the feature is delivered, days until its first review."""
        rng, clock = self.rng, self.clock
        last_friday = clock.end_day - dt.timedelta(days=3)
        if fate == "organic":
            count = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
            moments = [self.session_time(start_day)]
            for _ in range(count - 1):
                moments.append(
                    self.session_time((moments[-1] + dt.timedelta(days=rng.randrange(2, 7))).date())
                )
            days = points * rng.uniform(0.8, 1.9) * 7 / 5
            delivered = clock.workday(moments[-1] + dt.timedelta(days=days, hours=rng.randrange(-3, 4)))
            return moments, delivered, rng.randrange(1, 4)
        # The newest features, placed so that every status shows at the end of the history.
        aligned_day = {
            "framing": last_friday + dt.timedelta(days=7),  # the second session is next week
            "aligned": last_friday,
            "in_progress": last_friday - dt.timedelta(days=9),
            "delivered": last_friday - dt.timedelta(days=16),
        }[fate]
        moments = [clock.at(aligned_day, 15)]
        if fate == "framing" or rng.random() < 0.5:
            moments.insert(0, clock.at(aligned_day - dt.timedelta(days=8), 10))
        delivered = {
            "delivered": clock.at(last_friday - dt.timedelta(days=1), 16, 20),
        }.get(fate, clock.at(clock.end_day + dt.timedelta(days=7), 12))
        return moments, delivered, 5

    def feature(self, squad: Squad, index: int, feature: DemoFeature) -> dict[str, Any]:
        rng, clock = self.rng, self.clock
        key = f"{squad.prefix}-{101 + index}"
        framed = len(squad.features) - IDEAS
        fate = FATES.get(framed - index, "organic")
        if index >= framed:
            start_week = WEEKS + 1  # not framed yet
        elif fate == "organic":
            start_week = int(index * (WEEKS - 3) / (framed - len(FATES)))
        else:
            start_week = WEEKS - 3
        start_day = clock.day(start_week, rng.randrange(0, 4))
        data: dict[str, Any] = {
            "key": key,
            "team": squad.slug,
            "title": feature.title,
            "description": feature.why,
            "kind": feature.kind,
            "status": "idea",
            "effort_points": feature.points,
            "rice": _rice(rng, squad, feature),
            "key_results": self.krs(squad, feature, start_day),
        }
        history: dict[str, Any] = {"alignment_sessions": [], "revisions": [], "acceptance_reviews": []}
        if start_week > WEEKS:
            return {**data, **history}  # still an idea: no spec yet
        moments, delivered_at, review_delay = self.schedule(fate, start_day, feature.points)
        count = len(moments)
        dropped = index == DROPPED_INDEX
        sessions = []
        for number, moment in enumerate(moments, start=1):
            if not clock.past(moment):
                break
            first_of_two = number == 1 and count > 1
            sessions.append(
                {
                    "held_at": clock.stamp(moment),
                    "phase": "context_setting" if first_of_two else "solution_design",
                    "outcome": "aligned" if number == count and not dropped else "continue",
                    "attendees": _attendees(rng, squad.slug, number),
                    "duration_minutes": rng.choice([15, 20, 25])
                    if first_of_two
                    else rng.choice([30, 40, 45, 50]),
                }
            )
        history["alignment_sessions"] = sessions
        aligned_at = moments[-1]
        aligned = len(sessions) == count and not dropped
        data["spec"] = _spec(feature, aligned=aligned)
        data["status"] = "framing"
        planned_day = (aligned_at + dt.timedelta(days=math.ceil(feature.points * 1.1) * 7 / 5)).date()
        if dropped:
            data["planned_week"] = iso_week(planned_day)
            data["status"] = "dropped"
            self.planned.append(Planned(squad.slug, key, feature.title, data["planned_week"], False))
            return {**data, **history}
        if not aligned:
            return {**data, **history}
        data["status"] = "in_progress" if clock.past(aligned_at + dt.timedelta(days=3)) else "aligned"
        data["planned_week"] = iso_week(planned_day)
        history["revisions"] = self.revisions(squad, aligned_at, delivered_at)
        delivered = clock.past(delivered_at)
        self.planned.append(Planned(squad.slug, key, feature.title, data["planned_week"], delivered))
        if not delivered:
            return {**data, **history}
        data["delivered_at"] = clock.stamp(delivered_at)
        self.deliveries.append(Delivery(squad.slug, key, feature.title, delivered_at, feature.points))
        history["acceptance_reviews"], data["status"] = self.reviews(squad, delivered_at, review_delay)
        return {**data, **history}

    def revisions(self, squad: Squad, aligned_at: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
        rng, revisions = self.rng, []
        moment = aligned_at
        for _ in range(2):
            if rng.random() > 0.3:
                break
            moment = self.clock.workday(
                moment + dt.timedelta(days=rng.randrange(1, 6), hours=rng.randrange(1, 5))
            )
            if moment >= until or not self.clock.past(moment):
                break
            rework = rng.random() < 0.4
            revision: dict[str, Any] = {
                "at": self.clock.stamp(moment),
                "by": member(squad.slug, rng.choice(["pm", "tech_lead"])).email,
                "kind": "rework" if rework else "clarification",
                "fields": rng.choice(REWORK_FIELDS if rework else CLARIFICATION_FIELDS),
            }
            if rework:
                revision["reason"] = rng.choice(REWORK_REASONS)
            revisions.append(revision)
        return revisions

    def reviews(
        self, squad: Squad, delivered_at: dt.datetime, delay: int
    ) -> tuple[list[dict[str, Any]], str]:
        rng, clock = self.rng, self.clock
        first = clock.workday(delivered_at + dt.timedelta(days=delay, hours=rng.randrange(0, 3)))
        if not clock.past(first):
            return [], "delivered"
        pm = member(squad.slug, "pm").email
        if rng.random() < 0.88:
            return [{"at": clock.stamp(first), "by": pm, "outcome": "accepted"}], "accepted"
        rejected = {
            "at": clock.stamp(first),
            "by": pm,
            "outcome": "rejected",
            "reason": rng.choice(REJECTIONS),
        }
        second = clock.workday(first + dt.timedelta(days=rng.randrange(2, 7)))
        if not clock.past(second):
            return [rejected], "in_progress"
        return [rejected, {"at": clock.stamp(second), "by": pm, "outcome": "accepted"}], "accepted"


def build_features(
    clock: Clock,
    rng: random.Random,
    squads: list[Squad],
    key_results: dict[tuple[str, str], list[tuple[str, str]]],
) -> FeatureHistory:
    builder = _Builder(clock, rng, key_results)
    features = [
        builder.feature(squad, index, feature)
        for squad in squads
        for index, feature in enumerate(squad.features)
    ]
    titles = {
        squad.slug: [
            (f["key"], f["title"]) for f in features if f["team"] == squad.slug and f["status"] != "idea"
        ]
        for squad in squads
    }
    return FeatureHistory(features, builder.deliveries, builder.planned, titles)
