"""The cohorts of the metric table (DESIGN.md) as querysets of records, for the drill-down page:
one per kind of record, scoped to the organisation (and a team), over [start, end) or a range of
ISO weeks. They follow the engine's definitions; tests keep their sizes equal to the snapshots'."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from collab.models import AlignmentSession, Feature, Organisation, Team
from delivery.models import Commit, Deployment, Incident
from rituals.models import Conflict, Escalation, Pulse, Sync


def aligned_features(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Feature]:
    features = Feature.objects.filter(org=org).annotate(
        aligned_at=Min(
            "spec__sessions__held_at", filter=Q(spec__sessions__outcome=AlignmentSession.Outcome.ALIGNED)
        )
    )
    features = features.filter(aligned_at__gte=start, aligned_at__lt=end).select_related("team")
    return (features.filter(team=team) if team else features).order_by("aligned_at", "id")


def reviewed_features(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Feature]:
    features = Feature.objects.filter(org=org).annotate(first_review_at=Min("acceptance_reviews__at"))
    features = features.filter(first_review_at__gte=start, first_review_at__lt=end).select_related("team")
    return (features.filter(team=team) if team else features).order_by("first_review_at", "id")


def resolved_conflicts(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Conflict]:
    conflicts = Conflict.objects.filter(org=org, resolved_at__gte=start, resolved_at__lt=end)
    conflicts = conflicts.annotate(session_count=Count("sessions")).select_related("team")
    return (conflicts.filter(team=team) if team else conflicts).order_by("resolved_at", "id")


def delivered_features(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Feature]:
    features = Feature.objects.filter(org=org, delivered_at__gte=start, delivered_at__lt=end).select_related(
        "team"
    )
    return (features.filter(team=team) if team else features).order_by("delivered_at", "id")


def planned_features(
    org: Organisation, team: Team | None, first_week: str, last_week: str
) -> QuerySet[Feature]:
    # ISO week labels sort as text: "2026-W02" < "2026-W10" < "2027-W01".
    features = Feature.objects.filter(org=org, planned_week__gte=first_week, planned_week__lte=last_week)
    features = features.select_related("team")
    return (features.filter(team=team) if team else features).order_by("planned_week", "id")


def timed_syncs(org: Organisation, team: Team | None, start: datetime, end: datetime) -> QuerySet[Sync]:
    syncs = Sync.objects.filter(org=org, started_at__gte=start, started_at__lt=end, ended_at__isnull=False)
    syncs = syncs.annotate(planned=Coalesce(Sum("sections__planned_minutes"), 0)).select_related("team")
    return (syncs.filter(team=team) if team else syncs).order_by("started_at", "id")


def opened_escalations(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Escalation]:
    escalations = Escalation.objects.filter(org=org, opened_at__gte=start, opened_at__lt=end)
    if team:
        escalations = escalations.filter(Q(conflict__team=team) | Q(conflict__isnull=True, sync__team=team))
    return escalations.annotate(team_name=Coalesce("conflict__team__name", "sync__team__name")).order_by(
        "opened_at", "id"
    )


def counted_deployments() -> QuerySet[Deployment]:
    return Deployment.objects.filter(
        environment=Deployment.Environment.PRODUCTION, result=Deployment.Result.SUCCESS
    )


def finished_deployments(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Deployment]:
    # An incident is linked explicitly, or else to its team's latest counted deployment finished at
    # or before it started (the last recorded among equal times): no counted deployment of the
    # team comes after this one and before the incident.
    later = counted_deployments().filter(
        Q(finished_at__gt=OuterRef(OuterRef("finished_at")))
        | Q(finished_at=OuterRef(OuterRef("finished_at")), pk__gt=OuterRef(OuterRef("pk"))),
        team=OuterRef(OuterRef("team")),
        finished_at__lte=OuterRef("started_at"),
    )
    implicit = Incident.objects.filter(
        team=OuterRef("team"), deployment__isnull=True, started_at__gte=OuterRef("finished_at")
    ).exclude(Exists(later))
    deployments = counted_deployments().filter(org=org, finished_at__gte=start, finished_at__lt=end)
    deployments = deployments.annotate(
        failed=Exists(Incident.objects.filter(deployment=OuterRef("pk"))) | Exists(implicit),
        commit_count=Count("commits"),
    ).select_related("team")
    return (deployments.filter(team=team) if team else deployments).order_by("finished_at", "id")


def shipped_commits(org: Organisation, team: Team | None, start: datetime, end: datetime) -> QuerySet[Commit]:
    commits = Commit.objects.filter(
        deployment__in=counted_deployments().filter(org=org, finished_at__gte=start, finished_at__lt=end),
        authored_at__lt=F("deployment__finished_at"),
    ).select_related("deployment__team")
    return (commits.filter(deployment__team=team) if team else commits).order_by(
        "deployment__finished_at", "id"
    )


def resolved_incidents(
    org: Organisation, team: Team | None, start: datetime, end: datetime
) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(org=org, resolved_at__gte=start, resolved_at__lt=end).select_related(
        "team", "deployment"
    )
    return (incidents.filter(team=team) if team else incidents).order_by("resolved_at", "id")


def pulse_answers(org: Organisation, team: Team | None, first_week: str, last_week: str) -> QuerySet[Pulse]:
    pulses = Pulse.objects.filter(org=org, week__gte=first_week, week__lte=last_week).select_related("team")
    return (pulses.filter(team=team) if team else pulses).order_by("week", "team__name", "id")
