"""Checks the JSON Schema and the semantic validator cannot make: what the database would refuse.

They run after ``validate_workspace`` and before anything is written, so a document the database
would reject part-way (an existing slug, a title longer than its column, a NUL character, a
rejected review without its reason) is refused whole, with the JSON path of every problem.
They read defensively: on a document the schema rejected they skip what has the wrong shape.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from django.db import models

from collab.models import (
    Feature,
    GlossaryTerm,
    KeyResult,
    Objective,
    Organisation,
    Spec,
    Team,
    User,
)
from collab.weeks import org_zone
from delivery.models import Deployment, Incident
from rituals.models import ActionItem, Conflict, Escalation, Obstacle, Sync, SyncItem, SyncSection
from workspace.common import UTC, path
from workspace.validation import WorkspaceError

Loc = tuple[str | int, ...]

# Document field → the model field that stores it, for its max_length.
_LENGTHS: dict[str, dict[str, tuple[type[models.Model], str]]] = {
    "organisation": {
        "slug": (Organisation, "slug"),
        "name": (Organisation, "name"),
        "time_zone": (Organisation, "time_zone"),
    },
    "people": {"email": (User, "email"), "name": (User, "name")},
    "teams": {"slug": (Team, "slug"), "name": (Team, "name")},
    "objectives": {"key": (Objective, "key"), "title": (Objective, "title")},
    "objectives.key_results": {
        "key": (KeyResult, "key"),
        "title": (KeyResult, "title"),
        "unit": (KeyResult, "unit"),
    },
    "features": {"key": (Feature, "key"), "title": (Feature, "title")},
    "features.spec.business_driver": {"expected_impact": (Spec, "expected_impact")},
    "syncs": {"key": (Sync, "key")},
    "syncs.sections": {"code": (SyncSection, "code"), "title": (SyncSection, "title")},
    "syncs.items": {"title": (SyncItem, "title")},
    "syncs.action_items": {"title": (ActionItem, "title")},
    "conflicts": {"key": (Conflict, "key"), "title": (Conflict, "title")},
    "escalations": {"key": (Escalation, "key"), "title": (Escalation, "title")},
    "obstacles": {"key": (Obstacle, "key"), "title": (Obstacle, "title")},
    "deployments": {"key": (Deployment, "key")},
    "incidents": {"key": (Incident, "key"), "title": (Incident, "title")},
    "glossary": {"term": (GlossaryTerm, "term"), "business_term": (GlossaryTerm, "business_term")},
}

_TIMESTAMP_FIELDS = frozenset(
    {
        "held_at",
        "at",
        "delivered_at",
        "scheduled_at",
        "started_at",
        "ended_at",
        "done_at",
        "opened_at",
        "resolved_at",
        "decided_at",
        "finished_at",
        "authored_at",
        "merged_at",
        "first_commit_at",
    }
)
_MAX_INTEGER = 2**31 - 1  # PostgreSQL integer: duration_minutes
_MAX_NUMBER = 1e300  # beyond this a float column overflows or loses the value


def database_errors(doc: object) -> list[WorkspaceError]:
    """Every problem the database would raise, in document order; [] when the document would load."""
    if not isinstance(doc, dict):
        return []
    errors: list[WorkspaceError] = []
    errors += _slug_taken(doc)
    errors += _scalars(doc)
    errors += _lengths(doc)
    errors += _people_case(doc)
    errors += _reviews(doc)
    errors += _durations(doc)
    return errors


def _slug_taken(doc: dict[str, Any]) -> list[WorkspaceError]:
    organisation = doc.get("organisation")
    slug = organisation.get("slug") if isinstance(organisation, dict) else None
    if isinstance(slug, str) and slug and Organisation.objects.filter(slug=slug).exists():
        return [WorkspaceError("organisation.slug", f'organisation "{slug}" already exists')]
    return []


def _walk(node: object, loc: Loc = ()) -> Iterator[tuple[Loc, object]]:
    yield loc, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*loc, index))


def _scalars(doc: dict[str, Any]) -> list[WorkspaceError]:
    """NUL characters (PostgreSQL text refuses them), numbers out of range, instants out of range."""
    organisation = doc.get("organisation")
    zone_name = organisation.get("time_zone") if isinstance(organisation, dict) else None
    zone = org_zone(zone_name) if isinstance(zone_name, str) else UTC
    errors = []
    for loc, value in _walk(doc):
        if isinstance(value, str):
            if "\x00" in value:
                errors.append(WorkspaceError(path(*loc), "must not contain the NUL character (\\u0000)"))
            elif loc and loc[-1] in _TIMESTAMP_FIELDS and not _instant_in_range(value, zone):
                errors.append(WorkspaceError(path(*loc), "is out of the supported range of dates"))
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and "\x00" in key:
                    errors.append(
                        WorkspaceError(path(*loc), "a field name must not contain the NUL character")
                    )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                errors.append(WorkspaceError(path(*loc), "must be a finite number"))
            elif abs(value) > _MAX_NUMBER:
                errors.append(WorkspaceError(path(*loc), "is too large"))
    return errors


def _instant_in_range(value: str, zone: dt.tzinfo) -> bool:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return True  # not a timestamp: the validator reports it
    if parsed.tzinfo is None:
        return True
    try:
        parsed.astimezone(UTC)
        parsed.astimezone(zone)
    except OverflowError:
        return False
    return True


def _records(doc: object, dotted: str) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """The objects at a dotted place of the document (``features.spec.business_driver``)."""
    nodes: list[tuple[Loc, object]] = [((), doc)]
    for name in dotted.split("."):
        following: list[tuple[Loc, object]] = []
        for loc, node in nodes:
            value = node.get(name) if isinstance(node, dict) else None
            if isinstance(value, list):
                following += [((*loc, name, index), item) for index, item in enumerate(value)]
            elif isinstance(value, dict):
                following.append(((*loc, name), value))
        nodes = following
    return ((loc, node) for loc, node in nodes if isinstance(node, dict))


def _lengths(doc: dict[str, Any]) -> list[WorkspaceError]:
    errors = []
    for dotted, fields in _LENGTHS.items():
        for loc, record in _records(doc, dotted):
            for name, (model, field_name) in fields.items():
                value = record.get(name)
                limit = getattr(model._meta.get_field(field_name), "max_length", None)
                if isinstance(value, str) and limit is not None and len(value) > limit:
                    errors.append(
                        WorkspaceError(path(*loc, name), f"must be at most {limit} characters long")
                    )
    errors.sort(key=lambda error: document_order(doc, error.path))
    return errors


def document_order(doc: object, text: str) -> tuple[int, ...]:
    """Where an error path points in the document, as a sort key: errors read top to bottom."""
    order: list[int] = []
    node: object = doc
    for name, index in _split(text):
        if isinstance(node, dict) and name in node:
            order.append(list(node).index(name))
            node = node[name]
        elif name:
            order.append(len(node) if isinstance(node, dict) else 0)  # a missing field: after the others
            node = None
        if index is not None:
            order.append(index)
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return tuple(order)


def _split(text: str) -> Iterator[tuple[str, int | None]]:
    if text == "$":
        return
    for part in text.split("."):
        name, _, rest = part.partition("[")
        try:
            index = int(rest.rstrip("]")) if rest else None
        except ValueError:  # a quoted field name: keep the order of its parent
            index = None
        yield name, index


def _people_case(doc: dict[str, Any]) -> list[WorkspaceError]:
    """Emails are stored lower-case and unique: two people differing only in case are one account."""
    errors = []
    seen: dict[str, str] = {}
    for loc, person in _records(doc, "people"):
        email = person.get("email")
        if not isinstance(email, str):
            continue
        folded = email.strip().lower()
        if folded in seen and seen[folded] != email:
            errors.append(
                WorkspaceError(
                    path(*loc, "email"),
                    f'"{email}" is the same address as "{seen[folded]}" (case is ignored)',
                )
            )
        seen.setdefault(folded, email)
    return errors


def _reviews(doc: dict[str, Any]) -> list[WorkspaceError]:
    errors = []
    for loc, review in _records(doc, "features.acceptance_reviews"):
        if review.get("outcome") == "rejected" and not review.get("reason"):
            errors.append(WorkspaceError(path(*loc, "reason"), "is required when the outcome is rejected"))
    return errors


def _durations(doc: dict[str, Any]) -> list[WorkspaceError]:
    errors = []
    for loc, session in _records(doc, "features.alignment_sessions"):
        minutes = session.get("duration_minutes")
        if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > _MAX_INTEGER:
            errors.append(WorkspaceError(path(*loc, "duration_minutes"), f"must be at most {_MAX_INTEGER}"))
    return errors
