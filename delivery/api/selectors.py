"""Reads for the intake, always from the caller's organisation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet

from collab.models import Feature, Organisation, Team
from delivery.models import ApiToken, Commit, Deployment, Incident


def token_list(*, org: Organisation) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(org=org)
        .select_related("created_by__user")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def deployment_list(
    *,
    org: Organisation,
    team: Team | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    environment: str | None = None,
    result: str | None = None,
) -> QuerySet[Deployment]:
    qs = (
        Deployment.objects.filter(org=org)
        .select_related("team")
        .prefetch_related(
            Prefetch("commits", queryset=Commit.objects.order_by("id")),
            Prefetch("features", queryset=Feature.objects.only("id", "key")),
        )
        .order_by("-finished_at", "-id")
    )
    if team is not None:
        qs = qs.filter(team=team)
    if start is not None:
        qs = qs.filter(finished_at__gte=start)
    if end is not None:
        qs = qs.filter(finished_at__lt=end)
    if environment:
        qs = qs.filter(environment=environment)
    if result:
        qs = qs.filter(result=result)
    return qs


def incident_list(
    *,
    org: Organisation,
    team: Team | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    open_only: bool | None = None,
) -> QuerySet[Incident]:
    qs = Incident.objects.filter(org=org).select_related("team", "deployment").order_by("-started_at", "-id")
    if team is not None:
        qs = qs.filter(team=team)
    if start is not None:
        qs = qs.filter(started_at__gte=start)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    if open_only is not None:
        qs = qs.filter(resolved_at__isnull=open_only)
    return qs


def teams_by_slug(*, org: Organisation, slugs: Iterable[str]) -> dict[str, Team]:
    return {t.slug: t for t in Team.objects.filter(org=org, slug__in=set(slugs))}


def features_by_key(*, org: Organisation, keys: Iterable[str]) -> dict[str, Feature]:
    wanted = set(keys)
    if not wanted:
        return {}
    return {f.key: f for f in Feature.objects.filter(org=org, key__in=wanted).only("id", "key")}


def deployments_by_key(*, org: Organisation, keys: Iterable[str]) -> dict[str, Deployment]:
    wanted = set(keys)
    if not wanted:
        return {}
    return {d.key: d for d in Deployment.objects.filter(org=org, key__in=wanted).only("id", "key", "team_id")}


def existing_keys(
    *, model: type[Deployment] | type[Incident], org: Organisation, keys: Iterable[str]
) -> set[str]:
    wanted = set(keys)
    if not wanted:
        return set()
    return set(model.objects.filter(org=org, key__in=wanted).values_list("key", flat=True))
