"""The leadership part of a workspace import: decision reviews (their decisions, speaking turns and
recorded shares), tech wins and user interviews. Called by the importer inside its transaction,
on a validated document, after the syncs, escalations, conflicts and deployments are loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from collab.models import Feature, Membership, Organisation, Team
from delivery.models import Deployment
from rituals.leadership.models import (
    ENGINEERING_ROLES,
    InterviewAttendee,
    ReviewDecision,
    ReviewRecord,
    SpeakingTurn,
    TechWin,
    UserInterview,
)
from rituals.models import Conflict, Decision, Escalation, Sync, SyncSection
from workspace.bulk import bulk
from workspace.common import parse_optional_timestamp, parse_timestamp


def load_leadership(
    doc: dict[str, Any],
    *,
    org: Organisation,
    people: dict[str, Membership],
    teams: dict[str, Team],
    features: dict[str, Feature],
    syncs: dict[str, Sync],
) -> None:
    def person(email: str | None) -> Membership | None:
        return None if not email else people[email.strip().lower()]

    reviews = doc.get("decision_reviews") or []
    wins = doc.get("tech_wins") or []
    interviews = doc.get("user_interviews") or []
    if reviews:
        _load_reviews(reviews, org=org, person=person, syncs=syncs)
    if wins:
        deployments = dict(Deployment.objects.filter(org=org).values_list("key", "id"))
        bulk(
            TechWin,
            [
                TechWin(
                    org=org,
                    key=data["key"],
                    title=data["title"],
                    team=teams[data["team"]] if data.get("team") else None,
                    feature=features[data["feature"]] if data.get("feature") else None,
                    deployment_id=deployments[data["deployment"]] if data.get("deployment") else None,
                    metric=data["metric"],
                    unit=data.get("unit") or "",
                    before=Decimal(str(data["before"])),
                    after=Decimal(str(data["after"])),
                    period_start=dt.date.fromisoformat(data["period_start"]),
                    period_end=dt.date.fromisoformat(data["period_end"]),
                    story=data["story"],
                    status=data["status"],
                    author=person(data.get("author")),
                    reviewed_by=person(data.get("reviewed_by")),
                    reviewed_at=parse_optional_timestamp(data.get("reviewed_at")),
                    review_note=data.get("review_note") or "",
                    shared_at=parse_optional_timestamp(data.get("shared_at")),
                )
                for data in wins
            ],
        )
    if interviews:
        rows = [
            UserInterview(
                org=org,
                team=teams[data["team"]],
                held_on=dt.date.fromisoformat(data["held_on"]),
                customer=data["customer"],
                notes=data.get("notes") or "",
                with_engineer=any(a["role"] in ENGINEERING_ROLES for a in data["attendees"]),
                created_by=person(data.get("created_by")),
            )
            for data in interviews
        ]
        bulk(UserInterview, rows)
        pairs = list(zip(rows, interviews, strict=True))
        bulk(
            InterviewAttendee,
            [
                InterviewAttendee(
                    interview=interview,
                    membership=person(attendee.get("person")),
                    name=attendee.get("name") or "",
                    role=attendee["role"],
                )
                for interview, data in pairs
                for attendee in data["attendees"]
            ],
        )
        bulk(
            UserInterview.features.through,
            [
                UserInterview.features.through(userinterview=interview, feature=features[key])
                for interview, data in pairs
                for key in data.get("features") or []
            ],
        )


def _load_reviews(
    reviews: list[dict[str, Any]], *, org: Organisation, person: Any, syncs: dict[str, Sync]
) -> None:
    review_syncs = [syncs[data["sync"]] for data in reviews]
    sections = {
        (section.sync_id, section.code): section
        for section in SyncSection.objects.filter(sync__in=review_syncs).only("id", "sync_id", "code")
    }
    escalations = dict(Escalation.objects.filter(org=org).values_list("key", "id"))
    conflicts = dict(Conflict.objects.filter(org=org).values_list("key", "id"))
    sync_decisions: dict[int, list[int]] = {}
    for decision_id, sync_id in (
        Decision.objects.filter(sync__org=org).order_by("id").values_list("id", "sync_id")
    ):
        sync_decisions.setdefault(sync_id, []).append(decision_id)

    decisions, turns, records = [], [], []
    for sync, data in zip(review_syncs, reviews, strict=True):
        for item in data["decisions"]:
            source_decision_id = None
            place = item.get("source_decision")
            if item["source"] == "decision" and item.get("source_sync") and place is not None:
                source_decision_id = sync_decisions[syncs[item["source_sync"]].pk][place]
            key = item.get("source_key")
            decisions.append(
                ReviewDecision(
                    sync=sync,
                    section=sections[(sync.pk, item["section"])],
                    title=item["title"],
                    context=item.get("context") or "",
                    source=item["source"],
                    source_decision_id=source_decision_id,
                    escalation_id=escalations.get(key) if item["source"] == "escalation" else None,
                    conflict_id=conflicts.get(key) if item["source"] == "conflict" else None,
                    product_presenter=person(item.get("product_presenter")),
                    tech_presenter=person(item.get("tech_presenter")),
                    product_seconds=item.get("product_seconds"),
                    tech_seconds=item.get("tech_seconds"),
                )
            )
        for turn in data["turns"]:
            turns.append(
                SpeakingTurn(
                    sync=sync,
                    section=sections[(sync.pk, turn["section"])],
                    side=turn["side"],
                    started_at=parse_timestamp(turn["started_at"]),
                    ended_at=parse_optional_timestamp(turn.get("ended_at")),
                )
            )
        if data.get("product_seconds") is not None:
            records.append(
                ReviewRecord(
                    sync=sync,
                    org=org,
                    held_at=sync.started_at or sync.scheduled_at,
                    product_seconds=data["product_seconds"],
                    tech_seconds=data.get("tech_seconds") or 0,
                )
            )
    bulk(ReviewDecision, decisions)
    bulk(SpeakingTurn, turns)
    bulk(ReviewRecord, records)
