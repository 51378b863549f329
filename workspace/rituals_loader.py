"""The rituals part of a workspace import: syncs and their sections, items, decisions and action
items; PIVOT conflicts and their sessions; escalations; obstacles; pulses. Called by the importer
inside its transaction, on a validated document."""

from __future__ import annotations

from typing import Any

from collab.models import Feature, Membership, Organisation, Team
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
from workspace.bulk import BATCH_SIZE, bulk
from workspace.common import parse_date, parse_optional_timestamp, parse_timestamp


def load_rituals(
    doc: dict[str, Any],
    *,
    org: Organisation,
    people: dict[str, Membership],
    teams: dict[str, Team],
    features: dict[str, Feature],
) -> tuple[dict[str, Sync], dict[str, Conflict]]:
    def person(email: str | None) -> Membership | None:
        return None if email is None else people[email.strip().lower()]

    def feature(key: str | None) -> Feature | None:
        return None if key is None else features[key]

    syncs = _load_syncs(doc["syncs"], org=org, person=person, teams=teams, feature=feature)
    conflicts = _load_conflicts(doc["conflicts"], org=org, teams=teams)
    bulk(
        Escalation,
        [
            Escalation(
                org=org,
                key=data["key"],
                level=data["level"],
                title=data["title"],
                opened_at=parse_timestamp(data["opened_at"]),
                decided_at=parse_optional_timestamp(data.get("decided_at")),
                decision=data.get("decision") or "",
                conflict=conflicts[data["conflict"]] if data.get("conflict") else None,
                sync=syncs[data["sync"]] if data.get("sync") else None,
            )
            for data in doc["escalations"]
        ],
    )
    bulk(
        Obstacle,
        [
            Obstacle(
                org=org,
                team=teams[data["team"]],
                key=data["key"],
                kind=data["kind"],
                title=data["title"],
                opened_at=parse_timestamp(data["opened_at"]),
                resolved_at=parse_optional_timestamp(data.get("resolved_at")),
                owner=person(data.get("owner")),
            )
            for data in doc["obstacles"]
        ],
    )
    bulk(
        Pulse,
        [
            Pulse(org=org, team=teams[data["team"]], week=data["week"], score=data["score"])
            for data in doc["pulses"]
        ],
    )
    return syncs, conflicts


def _status(data: dict[str, Any]) -> str:
    if data.get("ended_at"):
        return Sync.Status.CLOSED
    if data.get("started_at"):
        return Sync.Status.LIVE
    return Sync.Status.SCHEDULED


def _load_syncs(
    docs: list[dict[str, Any]], *, org: Organisation, person: Any, teams: dict[str, Team], feature: Any
) -> dict[str, Sync]:
    syncs = [
        Sync(
            org=org,
            team=teams[data["team"]] if data.get("team") else None,
            key=data["key"],
            ritual=data["ritual"],
            facilitator=person(data["facilitator"]),
            scheduled_at=parse_timestamp(data["scheduled_at"]),
            started_at=parse_optional_timestamp(data.get("started_at")),
            ended_at=parse_optional_timestamp(data.get("ended_at")),
            status=_status(data),
        )
        for data in docs
    ]
    bulk(Sync, syncs)
    pairs = list(zip(syncs, docs, strict=True))
    sections: dict[tuple[int, str], SyncSection] = {}
    section_rows = []
    running: dict[int, SyncSection] = {}
    for sync, data in pairs:
        for position, item in enumerate(data["sections"]):
            section = SyncSection(
                sync=sync,
                code=item["code"],
                title=item.get("title") or "",
                planned_minutes=item["planned_minutes"],
                position=position,
                started_at=parse_optional_timestamp(item.get("started_at")),
                ended_at=parse_optional_timestamp(item.get("ended_at")),
            )
            sections[(id(sync), section.code)] = section
            section_rows.append(section)
            if section.started_at and not section.ended_at:
                running[id(sync)] = section
    bulk(SyncSection, section_rows)
    bulk(
        SyncItem,
        [
            SyncItem(
                sync=sync,
                section=sections[(id(sync), item["section"])],
                title=item["title"],
                notes=item.get("notes") or "",
                feature=feature(item.get("feature")),
            )
            for sync, data in pairs
            for item in data["items"]
        ],
    )
    bulk(
        Decision,
        [
            Decision(
                sync=sync,
                section=sections[(id(sync), item["section"])],
                text=item["text"],
                feature=feature(item.get("feature")),
            )
            for sync, data in pairs
            for item in data["decisions"]
        ],
    )
    bulk(
        ActionItem,
        [
            ActionItem(
                sync=sync,
                title=item["title"],
                owner=person(item["owner"]),
                due=parse_date(item.get("due")),
                done_at=parse_optional_timestamp(item.get("done_at")),
            )
            for sync, data in pairs
            for item in data["action_items"]
        ],
    )
    # A live sync resumes on the section that was running (started, not ended).
    live = []
    for sync in syncs:
        if sync.status == Sync.Status.LIVE and id(sync) in running:
            sync.current_section = running[id(sync)]
            live.append(sync)
    if live:
        Sync.objects.bulk_update(live, ["current_section"], batch_size=BATCH_SIZE)
    return {sync.key: sync for sync in syncs}


def _load_conflicts(
    docs: list[dict[str, Any]], *, org: Organisation, teams: dict[str, Team]
) -> dict[str, Conflict]:
    conflicts = []
    for data in docs:
        pivot = data.get("pivot") or {}
        conflicts.append(
            Conflict(
                org=org,
                team=teams[data["team"]],
                key=data["key"],
                title=data["title"],
                category=data["category"],
                opened_at=parse_timestamp(data["opened_at"]),
                resolved_at=parse_optional_timestamp(data.get("resolved_at")),
                facts=pivot.get("facts") or "",
                business_needs=pivot.get("business_needs") or "",
                technical_constraints=pivot.get("technical_constraints") or "",
                options=[dict(option) for option in pivot.get("options") or []],
                success_criteria=pivot.get("success_criteria") or "",
                resolution=data.get("resolution") or "",
            )
        )
    bulk(Conflict, conflicts)
    bulk(
        ConflictSession,
        [
            ConflictSession(conflict=conflict, held_at=parse_timestamp(session["held_at"]))
            for conflict, data in zip(conflicts, docs, strict=True)
            for session in data["sessions"]
        ],
    )
    return {conflict.key: conflict for conflict in conflicts}
