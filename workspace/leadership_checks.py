"""The semantic checks of the leadership lists (decision reviews, tech wins, user interviews): what
the JSON Schema cannot say — references to syncs, sections, people, features, deployments,
escalations and conflicts, and the order of dates. Pure Python, like the validator that calls it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

Loc = tuple[str | int, ...]
TECH_KINDS = ("tech_debt", "platform")


def _records(container: object, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = container.get(name) if isinstance(container, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _keys(doc: dict[str, Any], name: str, field: str = "key") -> dict[str, dict[str, Any]]:
    return {r[field]: r for _i, r in _records(doc, name) if isinstance(r.get(field), str)}


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def check_leadership(checks: Any) -> None:
    """`checks` is the validator's semantic checker: its indexes (people, teams, features, syncs,
    deployments, conflicts) and its `ref`/`person`/`not_before` helpers, `out` for the errors."""
    _check_reviews(checks, checks.doc)
    _check_tech_wins(checks, checks.doc)
    _check_interviews(checks, checks.doc)


def _check_reviews(checks: Any, doc: dict[str, Any]) -> None:
    syncs = _keys(doc, "syncs")
    escalations = frozenset(_keys(doc, "escalations"))
    seen: set[str] = set()
    for index, review in _records(doc, "decision_reviews"):
        loc: Loc = ("decision_reviews", index)
        key = review.get("sync")
        checks.ref((*loc, "sync"), key, checks.syncs, "sync")
        sync = syncs.get(key) if isinstance(key, str) else None
        if isinstance(key, str):
            if key in seen:
                checks.out.add((*loc, "sync"), f"duplicate sync {json.dumps(key)}")
            seen.add(key)
        if sync is not None and sync.get("ritual") != "decision_review":
            checks.out.add((*loc, "sync"), "must be a sync of ritual decision_review")
        codes = (
            frozenset(s["code"] for _i, s in _records(sync, "sections") if isinstance(s.get("code"), str))
            if sync
            else None
        )
        presented: set[str] = set()
        for position, item in _records(review, "decisions"):
            here: Loc = (*loc, "decisions", position)
            checks.ref((*here, "section"), item.get("section"), codes, "section")
            section = item.get("section")
            if isinstance(section, str):
                if section in presented:
                    checks.out.add((*here, "section"), "another decision of this review is in that section")
                presented.add(section)
            checks.person(here, item, "product_presenter")
            checks.person(here, item, "tech_presenter")
            _check_source(checks, here, item, syncs, escalations)
        running = 0
        for position, turn in _records(review, "turns"):
            here = (*loc, "turns", position)
            if turn.get("ended_at") is None:
                running += 1
                if running > 1:
                    checks.out.add((*here, "ended_at"), "only one turn of a review may still be running")
            checks.ref((*here, "section"), turn.get("section"), codes, "section")
            checks.not_before(here, turn, "ended_at", "started_at")


def _check_tech_wins(checks: Any, doc: dict[str, Any]) -> None:
    features = _keys(doc, "features")
    for index, win in _records(doc, "tech_wins"):
        loc = ("tech_wins", index)
        checks.team(loc, win)
        checks.ref_field(loc, win, "feature", checks.features, "feature")
        checks.ref_field(loc, win, "deployment", checks.deployments, "deployment")
        feature = features.get(win.get("feature") or "")
        if feature is not None and feature.get("kind") not in TECH_KINDS:
            checks.out.add((*loc, "feature"), "must be a feature of kind tech_debt or platform")
        start, end = _date(win.get("period_start")), _date(win.get("period_end"))
        if start is not None and end is not None and end < start:
            checks.out.add((*loc, "period_end"), "must not be before period_start")
        for field in ("author", "reviewed_by"):
            checks.person(loc, win, field)
    checks.unique("tech_wins")


def _check_interviews(checks: Any, doc: dict[str, Any]) -> None:
    for index, interview in _records(doc, "user_interviews"):
        loc = ("user_interviews", index)
        checks.team(loc, interview)
        checks.person(loc, interview, "created_by")
        checks.ref_list(loc, interview, "features", checks.features, "feature")
        for position, attendee in _records(interview, "attendees"):
            checks.person((*loc, "attendees", position), attendee, "person")


def _check_source(
    checks: Any, loc: Loc, item: dict[str, Any], syncs: dict[str, dict[str, Any]], escalations: frozenset[str]
) -> None:
    source = item.get("source")
    if source == "decision":
        key, place = item.get("source_sync"), item.get("source_decision")
        checks.ref((*loc, "source_sync"), key, checks.syncs, "sync")
        sync = syncs.get(key) if isinstance(key, str) else None
        if sync is not None and isinstance(place, int):
            count = len(sync.get("decisions") or []) if isinstance(sync.get("decisions"), list) else 0
            if not 0 <= place < count:
                checks.out.add((*loc, "source_decision"), f"that sync has {count} decision(s)")
    elif source == "escalation":
        checks.ref((*loc, "source_key"), item.get("source_key"), escalations, "escalation")
    elif source == "conflict":
        checks.ref((*loc, "source_key"), item.get("source_key"), checks.conflicts, "conflict")
