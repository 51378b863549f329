"""PIVOT conflicts, escalations, obstacles and team pulses of the demo organisation."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from rituals.models import ESCALATION_LEVEL, ConflictCategory
from workspace.demo.clock import WEEKS, Clock, iso_week
from workspace.demo.people import SQUADS, members
from workspace.demo.stories import CONFLICTS, OBSTACLES, SYNC_ESCALATIONS


def build_conflicts(clock: Clock, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The conflicts, and the escalations that came out of them (levels 2 and 3, and one level 1)."""
    conflicts, escalations = [], []
    for number, story in enumerate(CONFLICTS, start=1):
        key = f"C-{number:02d}"
        opened = clock.workday(
            clock.at(clock.day(story.week, rng.randrange(0, 5)), rng.choice([10, 11, 14, 15]))
        )
        moments = [opened + dt.timedelta(hours=rng.choice([2, 3, 20, 24]))]
        for _ in range(story.sessions - 1):
            moments.append(clock.workday(moments[-1] + dt.timedelta(days=rng.randrange(2, 6))))
        moments = [moment for moment in moments[: story.sessions] if clock.past(moment)]
        resolved_at = (
            moments[-1] + dt.timedelta(hours=rng.randrange(1, 6)) if story.resolved and moments else None
        )
        if resolved_at is not None and not clock.past(resolved_at):
            resolved_at = None
        conflict: dict[str, Any] = {
            "key": key,
            "team": story.team,
            "title": story.title,
            "category": story.category,
            "opened_at": clock.stamp(opened),
        }
        if resolved_at is not None:
            conflict["resolved_at"] = clock.stamp(resolved_at)
        conflict["sessions"] = [{"held_at": clock.stamp(moment)} for moment in moments]
        conflict["pivot"] = {
            "facts": story.facts,
            "business_needs": story.needs,
            "technical_constraints": story.constraints,
            "options": [
                {
                    "title": title,
                    "impact": impact,
                    "chosen": resolved_at is not None and index == story.chosen,
                }
                for index, (title, impact) in enumerate(story.options)
            ],
            "success_criteria": story.criteria,
        }
        if resolved_at is not None:
            conflict["resolution"] = story.resolution
        conflicts.append(conflict)
        level = ESCALATION_LEVEL[ConflictCategory(story.category)]
        if level >= 2 or story.sessions >= 2:
            escalation: dict[str, Any] = {
                "level": level,
                "title": story.title,
                # Escalated during the first working session, so decided after it was opened.
                "opened_at": clock.stamp(moments[0] + dt.timedelta(minutes=15) if moments else opened),
                "conflict": key,
            }
            if resolved_at is not None:
                escalation["decided_at"] = clock.stamp(resolved_at - dt.timedelta(minutes=30))
                escalation["decision"] = story.decision or story.resolution
            escalations.append(escalation)
    return conflicts, escalations


def sync_escalations(
    clock: Clock, rng: random.Random, sync_keys: dict[tuple[str, int], str], syncs: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    escalations = []
    for story in SYNC_ESCALATIONS:
        week = next((w for w in range(story.week, -1, -1) if (story.team, w) in sync_keys), None)
        if week is None:
            continue
        sync = syncs[sync_keys[(story.team, week)]]
        escalation_section = next(s for s in sync["sections"] if s["code"] == "escalation")
        opened = dt.datetime.fromisoformat(escalation_section["started_at"]) + dt.timedelta(minutes=2)
        escalation: dict[str, Any] = {
            "level": story.level,
            "title": story.title,
            "opened_at": clock.stamp(opened),
        }
        decided = clock.workday(opened + dt.timedelta(days=rng.randrange(1, 5)))
        if story.decision and clock.past(decided):
            escalation["decided_at"] = clock.stamp(decided)
            escalation["decision"] = story.decision
        escalation["sync"] = sync["key"]
        escalations.append(escalation)
    return escalations


def keyed_escalations(escalations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In the order they were opened, keyed E-01, E-02…, fields in the format's order."""
    escalations.sort(key=lambda e: e["opened_at"])
    ordered = []
    for number, escalation in enumerate(escalations, start=1):
        item = {"key": f"E-{number:02d}"}
        for name in ("level", "title", "opened_at", "decided_at", "decision", "conflict", "sync"):
            if name in escalation:
                item[name] = escalation[name]
        ordered.append(item)
    return ordered


def build_obstacles(clock: Clock, rng: random.Random) -> list[dict[str, Any]]:
    obstacles = []
    for number, story in enumerate(OBSTACLES, start=1):
        opened = clock.workday(clock.at(clock.day(story.week, rng.randrange(0, 5)), 9, 30))
        obstacle: dict[str, Any] = {
            "key": f"OB-{number:02d}",
            "team": story.team,
            "kind": story.kind,
            "title": story.title,
            "opened_at": clock.stamp(opened),
        }
        if story.weeks_open is not None:
            resolved = clock.workday(opened + dt.timedelta(weeks=story.weeks_open, hours=rng.randrange(0, 8)))
            if clock.past(resolved):
                obstacle["resolved_at"] = clock.stamp(resolved)
        if story.owner:
            obstacle["owner"] = story.owner
        obstacles.append(obstacle)
    return obstacles


# Mean pulse per squad at the start and at the end of the six months.
PULSE_TREND = {"checkout": (3.6, 4.1), "growth": (4.2, 4.0), "platform": (3.3, 4.0)}


def build_pulses(clock: Clock, rng: random.Random) -> list[dict[str, Any]]:
    pulses = []
    for week in range(WEEKS):
        label = iso_week(clock.day(week, 4))
        for squad in SQUADS:
            start, end = PULSE_TREND[squad.slug]
            mean = start + (end - start) * week / (WEEKS - 1)
            answers = rng.randint(3, len(members(squad.slug)))
            for _ in range(answers):
                score = round(rng.gauss(mean, 0.7))
                pulses.append({"team": squad.slug, "week": label, "score": min(5, max(1, score))})
    return pulses
