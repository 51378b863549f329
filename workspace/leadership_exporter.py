"""The leadership part of a workspace export: decision reviews (decisions presented, presenters,
speaking turns and the recorded shares), tech wins and user interviews. One query per table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collab.models import Organisation
from delivery.models import Deployment
from rituals.leadership.models import (
    InterviewAttendee,
    ReviewDecision,
    ReviewRecord,
    SpeakingTurn,
    TechWin,
    UserInterview,
)
from rituals.models import Conflict, Decision, Escalation, Sync, SyncSection
from workspace.common import grouped, number, put, value_rows

Stamp = Callable[[Any], str | None]


def export_leadership(
    org: Organisation,
    *,
    ts: Stamp,
    emails: dict[int, str],
    team_slugs: dict[int, str],
    feature_keys: dict[int, str],
) -> dict[str, list[dict[str, Any]]]:
    """{"decision_reviews": [...], "tech_wins": [...], "user_interviews": [...]}, each list left out
    when the organisation has none."""
    result: dict[str, list[dict[str, Any]]] = {}
    reviews = _reviews(org, ts=ts, emails=emails)
    wins = _tech_wins(org, ts=ts, emails=emails, team_slugs=team_slugs, feature_keys=feature_keys)
    interviews = _interviews(org, emails=emails, team_slugs=team_slugs, feature_keys=feature_keys)
    for name, rows in (("decision_reviews", reviews), ("tech_wins", wins), ("user_interviews", interviews)):
        if rows:
            result[name] = rows
    return result


def _seconds(value: float | None) -> float | int | None:
    return None if value is None else number(round(float(value), 3))


def _reviews(org: Organisation, *, ts: Stamp, emails: dict[int, str]) -> list[dict[str, Any]]:
    decisions = grouped(
        ReviewDecision.objects.filter(sync__org=org)
        .order_by("id")
        .values(
            "sync_id", "section_id", "title", "context", "source", "source_decision_id", "escalation_id",
            "conflict_id", "product_presenter_id", "tech_presenter_id", "product_seconds", "tech_seconds",
        ),
        "sync_id",
    )  # fmt: skip
    turns = grouped(
        SpeakingTurn.objects.filter(sync__org=org)
        .order_by("started_at", "id")
        .values("sync_id", "section_id", "side", "started_at", "ended_at"),
        "sync_id",
    )
    records = {
        row["sync_id"]: row
        for row in ReviewRecord.objects.filter(org=org).values("sync_id", "product_seconds", "tech_seconds")
    }
    sync_ids = sorted(set(decisions) | set(turns) | set(records))
    if not sync_ids:
        return []
    sync_keys = dict(Sync.objects.filter(org=org).values_list("id", "key"))
    codes = dict(SyncSection.objects.filter(sync_id__in=sync_ids).values_list("id", "code"))
    escalations = dict(Escalation.objects.filter(org=org).values_list("id", "key"))
    conflicts = dict(Conflict.objects.filter(org=org).values_list("id", "key"))
    # A sync decision is named by its sync's key and its place in that sync's list (by id).
    places: dict[int, tuple[str, int]] = {}
    counters: dict[int, int] = {}
    for decision_id, sync_id in (
        Decision.objects.filter(sync__org=org).order_by("id").values_list("id", "sync_id")
    ):
        places[decision_id] = (sync_keys[sync_id], counters.get(sync_id, 0))
        counters[sync_id] = counters.get(sync_id, 0) + 1

    out = []
    for sync_id in sync_ids:
        review: dict[str, Any] = {"sync": sync_keys[sync_id]}
        record = records.get(sync_id)
        if record is not None:
            review["product_seconds"] = _seconds(record["product_seconds"])
            review["tech_seconds"] = _seconds(record["tech_seconds"])
        review["decisions"] = []
        for row in decisions.get(sync_id, []):
            item: dict[str, Any] = {"section": codes[row["section_id"]], "title": row["title"]}
            put(item, "context", row["context"])
            item["source"] = row["source"]
            if row["source_decision_id"] in places:
                item["source_sync"], item["source_decision"] = places[row["source_decision_id"]]
            put(
                item, "source_key", escalations.get(row["escalation_id"]) or conflicts.get(row["conflict_id"])
            )
            put(item, "product_presenter", emails.get(row["product_presenter_id"]))
            put(item, "tech_presenter", emails.get(row["tech_presenter_id"]))
            put(item, "product_seconds", _seconds(row["product_seconds"]))
            put(item, "tech_seconds", _seconds(row["tech_seconds"]))
            review["decisions"].append(item)
        review["turns"] = []
        for row in turns.get(sync_id, []):
            turn = {
                "section": codes[row["section_id"]],
                "side": row["side"],
                "started_at": ts(row["started_at"]),
            }
            put(turn, "ended_at", ts(row["ended_at"]))
            review["turns"].append(turn)
        out.append(review)
    return out


def _tech_wins(
    org: Organisation,
    *,
    ts: Stamp,
    emails: dict[int, str],
    team_slugs: dict[int, str],
    feature_keys: dict[int, str],
) -> list[dict[str, Any]]:
    rows = value_rows(TechWin.objects.filter(org=org).order_by("id").values())
    if not rows:
        return []
    deployments = dict(
        Deployment.objects.filter(
            pk__in={r["deployment_id"] for r in rows if r["deployment_id"]}
        ).values_list("id", "key")
    )
    out = []
    for row in rows:
        item: dict[str, Any] = {"key": row["key"], "title": row["title"]}
        put(item, "team", team_slugs.get(row["team_id"]))
        put(item, "feature", feature_keys.get(row["feature_id"]))
        put(item, "deployment", deployments.get(row["deployment_id"]))
        item["metric"] = row["metric"]
        put(item, "unit", row["unit"])
        item["before"] = number(float(row["before"]))
        item["after"] = number(float(row["after"]))
        item["period_start"] = row["period_start"].isoformat()
        item["period_end"] = row["period_end"].isoformat()
        item["story"] = row["story"]
        item["status"] = row["status"]
        put(item, "author", emails.get(row["author_id"]))
        put(item, "reviewed_by", emails.get(row["reviewed_by_id"]))
        put(item, "reviewed_at", ts(row["reviewed_at"]))
        put(item, "review_note", row["review_note"])
        put(item, "shared_at", ts(row["shared_at"]))
        out.append(item)
    return out


def _interviews(
    org: Organisation, *, emails: dict[int, str], team_slugs: dict[int, str], feature_keys: dict[int, str]
) -> list[dict[str, Any]]:
    rows = value_rows(
        UserInterview.objects.filter(org=org)
        .order_by("id")
        .values("id", "team_id", "held_on", "customer", "notes", "created_by_id")
    )
    if not rows:
        return []
    attendees = grouped(
        InterviewAttendee.objects.filter(interview__org=org)
        .order_by("id")
        .values("interview_id", "membership_id", "name", "role"),
        "interview_id",
    )
    features = grouped(
        UserInterview.features.through.objects.filter(userinterview__org=org)
        .order_by("id")
        .values("userinterview_id", "feature_id"),
        "userinterview_id",
    )
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "team": team_slugs[row["team_id"]],
            "held_on": row["held_on"].isoformat(),
            "customer": row["customer"],
        }
        put(item, "notes", row["notes"])
        item["attendees"] = []
        for attendee in attendees.get(row["id"], []):
            entry: dict[str, Any] = {}
            put(entry, "person", emails.get(attendee["membership_id"]))
            put(entry, "name", attendee["name"])
            entry["role"] = attendee["role"]
            item["attendees"].append(entry)
        item["features"] = [feature_keys[f["feature_id"]] for f in features.get(row["id"], [])]
        put(item, "created_by", emails.get(row["created_by_id"]))
        out.append(item)
    return out
