"""The Product Ops part of a workspace export: feedback, the launch template and launch plans
(with their post-launch reviews), the experiment template and experiments (with their revisions).
One query per table; a section is left out when the organisation has none of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from collab.models import AcceptanceReview, Organisation
from productops.models import (
    Experiment,
    ExperimentRevision,
    ExperimentTemplate,
    FeedbackItem,
    Launch,
    LaunchTemplate,
    PostLaunchReview,
)
from workspace.common import grouped, number, put, value_rows

Stamp = Callable[[dt.datetime | None], str | None]


def feedback_key(position: int) -> str:
    """Feedback has no key of its own: the document numbers the items in order (FB-1, FB-2…)."""
    return f"FB-{position}"


def export_productops(
    org: Organisation,
    *,
    ts: Stamp,
    emails: dict[int, str],
    team_slugs: dict[int, str],
    feature_keys: dict[int, str],
) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    put(
        doc,
        "feedback",
        _feedback(org, emails=emails, team_slugs=team_slugs, feature_keys=feature_keys) or None,
    )
    template = LaunchTemplate.objects.filter(org=org).values("checklist").first()
    if template is not None:
        doc["launch_template"] = {"checklist": list(template["checklist"])}
    put(doc, "launches", _launches(org, ts=ts, emails=emails, feature_keys=feature_keys) or None)
    experiment_template = (
        ExperimentTemplate.objects.filter(org=org)
        .values("checklist", "guardrail_metrics", "alpha", "power")
        .first()
    )
    if experiment_template is not None:
        doc["experiment_template"] = {
            "checklist": list(experiment_template["checklist"]),
            "guardrail_metrics": list(experiment_template["guardrail_metrics"]),
            "alpha": number(experiment_template["alpha"]),
            "power": number(experiment_template["power"]),
        }
    put(doc, "experiments", _experiments(org, ts=ts, emails=emails, feature_keys=feature_keys) or None)
    return doc


def _feedback(
    org: Organisation, *, emails: dict[int, str], team_slugs: dict[int, str], feature_keys: dict[int, str]
) -> list[dict[str, Any]]:
    rows = value_rows(
        FeedbackItem.objects.filter(org=org)
        .order_by("id")
        .values(
            "id",
            "text",
            "source",
            "account",
            "segment",
            "received_on",
            "logged_by_id",
            "via",
            "team_id",
            "status",
            "feature_id",
            "duplicate_of_id",
            "dismiss_reason",
        )
    )
    keys = {row["id"]: feedback_key(position) for position, row in enumerate(rows, start=1)}
    items = []
    for row in rows:
        item: dict[str, Any] = {"key": keys[row["id"]], "text": row["text"], "source": row["source"]}
        put(item, "account", row["account"])
        put(item, "segment", row["segment"])
        item["date"] = row["received_on"].isoformat()
        put(item, "logged_by", emails.get(row["logged_by_id"]))
        item["via"] = row["via"]
        put(item, "team", team_slugs.get(row["team_id"]))
        item["status"] = row["status"]
        put(item, "feature", feature_keys.get(row["feature_id"]))
        put(item, "duplicate_of", keys.get(row["duplicate_of_id"]))
        put(item, "dismiss_reason", row["dismiss_reason"])
        items.append(item)
    return items


def _launches(
    org: Organisation, *, ts: Stamp, emails: dict[int, str], feature_keys: dict[int, str]
) -> list[dict[str, Any]]:
    rows = value_rows(
        Launch.objects.filter(org=org)
        .order_by("id")
        .values("id", "feature_id", "launch_on", "tier", "checklist", "notes", "created_by_id")
    )
    owners = grouped(
        Launch.owners.through.objects.filter(launch__org=org)
        .order_by("id")
        .values("launch_id", "membership_id"),
        "launch_id",
    )
    reviews = {
        row["launch_id"]: row
        for row in PostLaunchReview.objects.filter(launch__org=org).values(
            "launch_id", "measurements", "updated_at", "updated_by_id", "acceptance_review_id"
        )
    }
    accepted_at = dict(
        AcceptanceReview.objects.filter(
            feature__org=org, pk__in=[r["acceptance_review_id"] for r in reviews.values()]
        ).values_list("id", "at")
    )
    launches = []
    for row in rows:
        launch: dict[str, Any] = {
            "feature": feature_keys[row["feature_id"]],
            "date": row["launch_on"].isoformat(),
            "tier": row["tier"],
            "owners": [emails[o["membership_id"]] for o in owners.get(row["id"], [])],
            "checklist": [{"item": e["item"], "done": bool(e["done"])} for e in row["checklist"]],
        }
        put(launch, "notes", row["notes"])
        launch["created_by"] = emails[row["created_by_id"]]
        review = reviews.get(row["id"])
        if review is not None:
            data: dict[str, Any] = {"measurements": list(review["measurements"])}
            put(data, "updated_at", ts(review["updated_at"]))
            put(data, "updated_by", emails.get(review["updated_by_id"]))
            put(data, "acceptance_review_at", ts(accepted_at.get(review["acceptance_review_id"])))
            launch["review"] = data
        launches.append(launch)
    return launches


def _experiments(
    org: Organisation, *, ts: Stamp, emails: dict[int, str], feature_keys: dict[int, str]
) -> list[dict[str, Any]]:
    rows = value_rows(Experiment.objects.filter(org=org).order_by("id").values())
    revisions = grouped(
        ExperimentRevision.objects.filter(experiment__org=org)
        .order_by("at", "id")
        .values("experiment_id", "at", "by_id", "changes"),
        "experiment_id",
    )
    experiments = []
    for row in rows:
        item: dict[str, Any] = {
            "title": row["title"],
            "feature": feature_keys[row["feature_id"]],
            "hypothesis": row["hypothesis"],
            "primary_metric": row["primary_metric"],
            "guardrail_metrics": list(row["guardrail_metrics"]),
            "variants": [{"name": v["name"], "share": number(v["share"])} for v in row["variants"]],
            "baseline_rate": number(row["baseline_rate"]),
            "mde": number(row["mde"]),
            "daily_traffic": row["daily_traffic"],
        }
        put(item, "sample_size_per_variant", row["sample_size_per_variant"])
        put(item, "expected_days", row["expected_days"])
        item["alpha"], item["power"] = number(row["alpha"]), number(row["power"])
        item["min_lift"] = number(row["min_lift"])
        item["checklist"] = [{"item": e["item"], "done": bool(e["done"])} for e in row["checklist"]]
        item["status"] = row["status"]
        put(item, "verdict", row["verdict"])
        put(item, "results", list(row["results"]) or None)
        put(item, "guardrails_breached", list(row["guardrails_breached"]) or None)
        put(item, "analysis", row["analysis"])
        put(item, "stop_reason", row["stop_reason"])
        item["created_by"] = emails[row["created_by_id"]]
        put(item, "started_at", ts(row["started_at"]))
        put(item, "ended_at", ts(row["ended_at"]))
        put(item, "results_at", ts(row["results_at"]))
        item["revisions"] = [
            {"at": ts(r["at"]), "by": emails[r["by_id"]], "changes": r["changes"]}
            for r in revisions.get(row["id"], [])
        ]
        experiments.append(item)
    return experiments
