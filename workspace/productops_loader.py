"""The Product Ops part of a workspace import: feedback, launch template and launches (owners,
post-launch reviews linked to the features' acceptance reviews), experiment template and
experiments (revisions). Called by the importer inside its transaction, on a validated document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from collab.models import AcceptanceReview, Feature, Membership, Organisation, Team
from productops.models import (
    Experiment,
    ExperimentRevision,
    ExperimentTemplate,
    FeedbackItem,
    Launch,
    LaunchTemplate,
    PostLaunchReview,
)
from workspace.bulk import bulk
from workspace.common import parse_optional_timestamp, parse_timestamp

PLAN = ("hypothesis", "primary_metric", "baseline_rate", "mde", "daily_traffic", "alpha", "power", "min_lift")


def load_productops(
    doc: dict[str, Any],
    *,
    org: Organisation,
    people: dict[str, Membership],
    teams: dict[str, Team],
    features: dict[str, Feature],
) -> None:
    def person(email: str | None) -> Membership | None:
        return None if email is None else people[email.strip().lower()]

    def required_person(email: str) -> Membership:
        return people[email.strip().lower()]

    _load_feedback(doc.get("feedback") or [], org=org, person=person, teams=teams, features=features)
    if doc.get("launch_template") is not None:
        bulk(LaunchTemplate, [LaunchTemplate(org=org, checklist=list(doc["launch_template"]["checklist"]))])
    _load_launches(
        doc.get("launches") or [], org=org, person=person, required=required_person, features=features
    )
    if (template := doc.get("experiment_template")) is not None:
        bulk(
            ExperimentTemplate,
            [
                ExperimentTemplate(
                    org=org,
                    checklist=list(template["checklist"]),
                    guardrail_metrics=list(template["guardrail_metrics"]),
                    alpha=float(template["alpha"]),
                    power=float(template["power"]),
                )
            ],
        )
    _load_experiments(doc.get("experiments") or [], org=org, required=required_person, features=features)


def _load_feedback(
    data: list[dict[str, Any]],
    *,
    org: Organisation,
    person: Any,
    teams: dict[str, Team],
    features: dict[str, Feature],
) -> None:
    # Items are created in the document's order; merged ones first as untriaged (the database wants
    # the item they duplicate to exist), then pointed at it.
    items = [
        FeedbackItem(
            org=org,
            text=entry["text"],
            source=entry["source"],
            account=entry.get("account") or "",
            segment=entry.get("segment") or "",
            received_on=dt.date.fromisoformat(entry["date"]),
            logged_by=person(entry.get("logged_by")),
            via=entry["via"],
            team=teams[entry["team"]] if entry.get("team") else None,
            status=FeedbackItem.Status.UNTRIAGED if entry["status"] == "merged" else entry["status"],
            feature=features[entry["feature"]] if entry.get("feature") else None,
            dismiss_reason=entry.get("dismiss_reason") or "",
        )
        for entry in data
    ]
    bulk(FeedbackItem, items)
    by_key = {entry["key"]: item for entry, item in zip(data, items, strict=True)}
    merged = []
    for entry, item in zip(data, items, strict=True):
        if entry["status"] == "merged":
            item.status, item.duplicate_of = FeedbackItem.Status.MERGED, by_key[entry["duplicate_of"]]
            merged.append(item)
    if merged:
        FeedbackItem.objects.bulk_update(merged, ["status", "duplicate_of"])


def _load_launches(
    data: list[dict[str, Any]],
    *,
    org: Organisation,
    person: Any,
    required: Any,
    features: dict[str, Feature],
) -> None:
    launches = [
        Launch(
            org=org,
            feature=features[entry["feature"]],
            launch_on=dt.date.fromisoformat(entry["date"]),
            tier=entry["tier"],
            checklist=[{"item": e["item"], "done": e["done"]} for e in entry["checklist"]],
            notes=entry.get("notes") or "",
            created_by=required(entry["created_by"]),
        )
        for entry in data
    ]
    bulk(Launch, launches)
    through = Launch.owners.through
    bulk(
        through,
        [
            through(launch=launch, membership=required(email))
            for entry, launch in zip(data, launches, strict=True)
            for email in entry["owners"]
        ],
    )
    accepted = {
        (review.feature_id, review.at): review
        for review in AcceptanceReview.objects.filter(feature__org=org).only("id", "feature_id", "at")
    }
    reviews = []
    for entry, launch in zip(data, launches, strict=True):
        review = entry.get("review")
        if review is None:
            continue
        at = parse_optional_timestamp(review.get("acceptance_review_at"))
        reviews.append(
            PostLaunchReview(
                launch=launch,
                measurements=list(review["measurements"]),
                updated_at=parse_optional_timestamp(review.get("updated_at")),
                updated_by=person(review.get("updated_by")),
                acceptance_review=accepted.get((launch.feature_id, at)) if at else None,
            )
        )
    bulk(PostLaunchReview, reviews)


def _load_experiments(
    data: list[dict[str, Any]], *, org: Organisation, required: Any, features: dict[str, Feature]
) -> None:
    experiments = [
        Experiment(
            org=org,
            feature=features[entry["feature"]],
            title=entry["title"],
            guardrail_metrics=list(entry["guardrail_metrics"]),
            variants=[{"name": v["name"], "share": float(v["share"])} for v in entry["variants"]],
            sample_size_per_variant=entry.get("sample_size_per_variant"),
            expected_days=entry.get("expected_days"),
            checklist=[{"item": e["item"], "done": e["done"]} for e in entry["checklist"]],
            status=entry["status"],
            verdict=entry.get("verdict") or "",
            results=list(entry.get("results") or []),
            guardrails_breached=list(entry.get("guardrails_breached") or []),
            analysis=entry.get("analysis"),
            stop_reason=entry.get("stop_reason") or "",
            created_by=required(entry["created_by"]),
            started_at=parse_optional_timestamp(entry.get("started_at")),
            ended_at=parse_optional_timestamp(entry.get("ended_at")),
            results_at=parse_optional_timestamp(entry.get("results_at")),
            **{name: entry[name] for name in PLAN},
        )
        for entry in data
    ]
    bulk(Experiment, experiments)
    bulk(
        ExperimentRevision,
        [
            ExperimentRevision(
                experiment=experiment, at=parse_timestamp(r["at"]), by=required(r["by"]), changes=r["changes"]
            )
            for entry, experiment in zip(data, experiments, strict=True)
            for r in entry["revisions"]
        ],
    )
