"""Features that mirror an issue of an outside tracker (Jira, Linear): created once with our own
team-prefixed key, then kept in step (title, kind, status, effort) by the tracker's webhooks; a
deleted issue drops its feature, which is never destroyed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from collab.audit import Action, audit_record
from collab.features.services import feature_create, feature_update
from collab.models import Feature, Organisation, Team
from collab.signals import records_changed_later

Status = Feature.Status
PROVIDER_NAMES = {"jira": "Jira", "linear": "Linear"}

# Where a tracker may put a feature. Aligned and accepted arrive through their own records (a spec
# session, an acceptance review) and are never set or undone by a tracker's status.
TRACKER_STATUSES = (Status.IDEA, Status.FRAMING, Status.IN_PROGRESS, Status.DELIVERED, Status.DROPPED)


@dataclass(frozen=True)
class TrackedIssue:
    provider: str
    key: str
    url: str
    title: str
    kind: str
    status: str | None  # None: leave the status as it is
    effort_points: float | None
    description: str = ""
    resolved_at: datetime | None = None


def _status_after(current: str, wanted: str) -> str:
    """The status a tracker's status leads to: a spec already aligned stays aligned while the
    tracker says the work has not started, and an accepted feature stays accepted while it says done."""
    if current == Status.ALIGNED and wanted in (Status.IDEA, Status.FRAMING):
        return current
    if current == Status.ACCEPTED and wanted == Status.DELIVERED:
        return current
    return wanted


def tracked_feature(*, org: Organisation, provider: str, key: str) -> Feature | None:
    return Feature.objects.filter(org=org, external_provider=provider, external_key=key).first()


@transaction.atomic
def feature_track(*, org: Organisation, team: Team, issue: TrackedIssue) -> tuple[Feature, bool]:
    """Create the feature of a tracker issue, or bring the one it already has in step;
    (feature, created). Its key is ours; the tracker's key and link are kept beside it."""
    # One writer at a time per organisation: two deliveries of a new issue make one feature.
    Organisation.objects.select_for_update().filter(pk=org.pk).first()
    feature = tracked_feature(org=org, provider=issue.provider, key=issue.key)
    title = (issue.title.strip() or issue.key)[:300]
    if feature is None:
        status = issue.status if issue.status in TRACKER_STATUSES else Status.IDEA
        feature = feature_create(
            org=org,
            team=team,
            title=title,
            kind=issue.kind,
            status=status,
            description=issue.description,
            effort_points=issue.effort_points,
        )
        feature.external_provider, feature.external_key, feature.external_url = (
            issue.provider,
            issue.key[:64],
            issue.url[:500],
        )
        fields = ["external_provider", "external_key", "external_url"]
        if status == Status.DELIVERED:
            feature.delivered_at = issue.resolved_at or timezone.now()
            fields.append("delivered_at")
        feature.save(update_fields=fields)
        return feature, True
    changes: dict[str, Any] = {"title": title, "kind": issue.kind}
    if issue.effort_points is not None:
        # An issue without an estimate leaves the effort someone gave the feature here.
        changes["effort_points"] = issue.effort_points
    feature_update(feature=feature, **changes)
    fields = []
    if issue.url and issue.url != feature.external_url:
        feature.external_url = issue.url[:500]
        fields.append("external_url")
    if issue.status in TRACKER_STATUSES:
        status = _status_after(feature.status, issue.status)
        if status != feature.status:
            if status == Status.DELIVERED:
                feature.delivered_at = issue.resolved_at or timezone.now()
                fields.append("delivered_at")
            elif feature.status in (Status.DELIVERED, Status.ACCEPTED):
                feature.delivered_at = None
                fields.append("delivered_at")
            feature.status = status
            fields.append("status")
    if fields:
        feature.save(update_fields=[*fields, "updated_at"])
        records_changed_later(sender=Feature, org_id=feature.org_id, team_id=feature.team_id)
    return feature, False


@transaction.atomic
def feature_untrack(*, org: Organisation, provider: str, key: str) -> Feature | None:
    """The tracker deleted the issue: its feature is dropped (the audit log and the feature's page
    say so), never destroyed; specs, reviews and deployments linked to it stay."""
    feature = tracked_feature(org=org, provider=provider, key=key)
    if feature is None or feature.status == Status.DROPPED:
        return feature
    feature.status = Status.DROPPED
    feature.save(update_fields=["status", "updated_at"])
    audit_record(
        org=org,
        actor=None,
        action=Action.FEATURE_DROPPED,
        target=feature.key,
        # A code and parameters, no sentence: the page says "deleted in Jira (ENG-12)" in its reader's language.
        details={
            "key": feature.key,
            "title": feature.title,
            "reason": f"{PROVIDER_NAMES.get(provider, provider)} {key}",
            "tracker": provider,
            "issue": key,
        },
    )
    records_changed_later(sender=Feature, org_id=feature.org_id, team_id=feature.team_id)
    return feature
