"""The rituals part of a workspace export: syncs (sections, items, decisions, action items),
conflicts (sessions, PIVOT), escalations, obstacles and pulses. One query per table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from collab.models import Organisation
from rituals.models import (
    ActionItem,
    Conflict,
    ConflictSession,
    Decision,
    Escalation,
    Obstacle,
    Pulse,
    Sync,
    SyncItem,
    SyncSection,
)
from workspace.common import grouped, put, value_rows

Stamp = Callable[[dt.datetime | None], str | None]


def export_rituals(
    org: Organisation,
    *,
    ts: Stamp,
    emails: dict[int, str],
    team_slugs: dict[int, str],
    feature_keys: dict[int, str],
) -> dict[str, list[dict[str, Any]]]:
    syncs, sync_keys = _syncs(org, ts=ts, emails=emails, team_slugs=team_slugs, feature_keys=feature_keys)
    conflicts, conflict_keys = _conflicts(org, ts=ts, team_slugs=team_slugs)
    escalations = []
    for row in value_rows(
        Escalation.objects.filter(org=org)
        .order_by("id")
        .values("key", "level", "title", "opened_at", "decided_at", "decision", "conflict_id", "sync_id")
    ):
        item: dict[str, Any] = {
            "key": row["key"],
            "level": row["level"],
            "title": row["title"],
            "opened_at": ts(row["opened_at"]),
        }
        put(item, "decided_at", ts(row["decided_at"]))
        put(item, "decision", row["decision"])
        put(item, "conflict", conflict_keys.get(row["conflict_id"]))
        put(item, "sync", sync_keys.get(row["sync_id"]))
        escalations.append(item)
    obstacles = []
    for row in value_rows(
        Obstacle.objects.filter(org=org)
        .order_by("id")
        .values("key", "team_id", "kind", "title", "opened_at", "resolved_at", "owner_id")
    ):
        item = {
            "key": row["key"],
            "team": team_slugs[row["team_id"]],
            "kind": row["kind"],
            "title": row["title"],
            "opened_at": ts(row["opened_at"]),
        }
        put(item, "resolved_at", ts(row["resolved_at"]))
        put(item, "owner", emails.get(row["owner_id"]))
        obstacles.append(item)
    pulses = [
        {"team": team_slugs[row["team_id"]], "week": row["week"], "score": row["score"]}
        for row in Pulse.objects.filter(org=org).order_by("id").values("team_id", "week", "score")
    ]
    return {
        "syncs": syncs,
        "conflicts": conflicts,
        "escalations": escalations,
        "obstacles": obstacles,
        "pulses": pulses,
    }


def _syncs(
    org: Organisation,
    *,
    ts: Stamp,
    emails: dict[int, str],
    team_slugs: dict[int, str],
    feature_keys: dict[int, str],
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    rows = value_rows(
        Sync.objects.filter(org=org)
        .order_by("id")
        .values("id", "key", "team_id", "ritual", "facilitator_id", "scheduled_at", "started_at", "ended_at")
    )
    sections = grouped(
        SyncSection.objects.filter(sync__org=org)
        .order_by("sync_id", "position", "id")
        .values("id", "sync_id", "code", "title", "planned_minutes", "started_at", "ended_at"),
        "sync_id",
    )
    codes = {section["id"]: section["code"] for group in sections.values() for section in group}
    items = grouped(
        SyncItem.objects.filter(sync__org=org)
        .order_by("id")
        .values("sync_id", "section_id", "title", "notes", "feature_id"),
        "sync_id",
    )
    decisions = grouped(
        Decision.objects.filter(sync__org=org)
        .order_by("id")
        .values("sync_id", "section_id", "text", "feature_id"),
        "sync_id",
    )
    actions = grouped(
        ActionItem.objects.filter(sync__org=org)
        .order_by("id")
        .values("sync_id", "title", "owner_id", "due", "done_at"),
        "sync_id",
    )
    syncs = []
    for row in rows:
        sid = row["id"]
        sync: dict[str, Any] = {"key": row["key"]}
        put(sync, "team", team_slugs.get(row["team_id"]))
        sync["ritual"] = row["ritual"]
        sync["facilitator"] = emails[row["facilitator_id"]]
        sync["scheduled_at"] = ts(row["scheduled_at"])
        put(sync, "started_at", ts(row["started_at"]))
        put(sync, "ended_at", ts(row["ended_at"]))
        sync["sections"] = []
        for section in sections.get(sid, []):
            item: dict[str, Any] = {"code": section["code"]}
            put(item, "title", section["title"])
            item["planned_minutes"] = section["planned_minutes"]
            put(item, "started_at", ts(section["started_at"]))
            put(item, "ended_at", ts(section["ended_at"]))
            sync["sections"].append(item)
        sync["items"] = []
        for entry in items.get(sid, []):
            item = {"section": codes[entry["section_id"]], "title": entry["title"]}
            put(item, "notes", entry["notes"])
            put(item, "feature", feature_keys.get(entry["feature_id"]))
            sync["items"].append(item)
        sync["decisions"] = []
        for entry in decisions.get(sid, []):
            item = {"section": codes[entry["section_id"]], "text": entry["text"]}
            put(item, "feature", feature_keys.get(entry["feature_id"]))
            sync["decisions"].append(item)
        sync["action_items"] = []
        for entry in actions.get(sid, []):
            item = {"title": entry["title"], "owner": emails[entry["owner_id"]]}
            put(item, "due", entry["due"].isoformat() if entry["due"] else None)
            put(item, "done_at", ts(entry["done_at"]))
            sync["action_items"].append(item)
        syncs.append(sync)
    return syncs, {row["id"]: row["key"] for row in rows}


def _conflicts(
    org: Organisation, *, ts: Stamp, team_slugs: dict[int, str]
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    rows = value_rows(
        Conflict.objects.filter(org=org)
        .order_by("id")
        .values(
            "id",
            "key",
            "team_id",
            "title",
            "category",
            "opened_at",
            "resolved_at",
            "facts",
            "business_needs",
            "technical_constraints",
            "options",
            "success_criteria",
            "resolution",
        )
    )
    sessions = grouped(
        ConflictSession.objects.filter(conflict__org=org).order_by("id").values("conflict_id", "held_at"),
        "conflict_id",
    )
    conflicts = []
    for row in rows:
        item: dict[str, Any] = {
            "key": row["key"],
            "team": team_slugs[row["team_id"]],
            "title": row["title"],
            "category": row["category"],
            "opened_at": ts(row["opened_at"]),
        }
        put(item, "resolved_at", ts(row["resolved_at"]))
        item["sessions"] = [{"held_at": ts(session["held_at"])} for session in sessions.get(row["id"], [])]
        pivot_fields = ("facts", "business_needs", "technical_constraints", "options", "success_criteria")
        if any(row[name] for name in pivot_fields):
            pivot: dict[str, Any] = {}
            put(pivot, "facts", row["facts"])
            put(pivot, "business_needs", row["business_needs"])
            put(pivot, "technical_constraints", row["technical_constraints"])
            pivot["options"] = [
                {
                    "title": option.get("title") or "—",
                    "impact": option.get("impact") or "—",
                    "chosen": bool(option.get("chosen")),
                }
                for option in row["options"] or []
            ]
            put(pivot, "success_criteria", row["success_criteria"])
            item["pivot"] = pivot
        put(item, "resolution", row["resolution"])
        conflicts.append(item)
    return conflicts, {row["id"]: row["key"] for row in rows}
