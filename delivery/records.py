"""Writes of records that outside products send one event at a time (integrations' connectors):
deployments that a later status updates, incidents opened, resolved and reopened. Each write is
idempotent by the record's key: the same event twice changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from collab.models import Feature, Organisation, Team
from collab.signals import records_changed_later
from delivery.changes import (
    DEPLOYMENT_RECORDS,
    INCIDENT_RECORDS,
    PULL_REQUEST_RECORDS,
    deployments_since,
    incident_since,
)
from delivery.models import Commit, Deployment, Incident, PullRequest


@dataclass(frozen=True)
class PushedCommitData:
    sha: str
    authored_at: datetime


def features_named(*, org: Organisation, texts: Iterable[str]) -> list[Feature]:
    """The features of `org` whose key appears as a word in one of `texts` (commit messages, branch
    names, pull-request titles)."""
    candidates: set[str] = set()
    for text in texts:
        for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text[:10_000]):
            candidates.add(word)
            # "feature/CHK-12-new-button": the key is a prefix of the word.
            parts = word.split("-")
            for end in range(1, min(len(parts), 4) + 1):
                candidates.add("-".join(parts[:end]))
    candidates = {c for c in candidates if len(c) <= 64}
    if not candidates:
        return []
    upper = {c.upper() for c in candidates}
    return list(Feature.objects.filter(org=org, key__in=candidates | upper).order_by("key"))


def _announce(
    team: Team, *, since: datetime | None = None, records: tuple[str, ...] = DEPLOYMENT_RECORDS
) -> None:
    """The team's records changed (`records`, from `since` on when given: see `delivery.changes`)."""
    records_changed_later(
        sender=Deployment,
        org_id=team.org_id,
        team_id=team.pk,
        since=since,
        records=records if since else None,
    )


@transaction.atomic
def deployment_upsert(
    *,
    org: Organisation,
    team: Team,
    key: str,
    environment: str,
    result: str,
    finished_at: datetime,
    commits: Iterable[PushedCommitData] = (),
    features: Iterable[Feature] = (),
    source: str,
) -> tuple[Deployment, bool]:
    """Create the deployment `key` of `org`, or bring its result and finish time up to date (a later
    status of the same deployment). Returns (deployment, changed)."""
    if team.org_id != org.pk:
        raise ValueError("team of another organisation")
    existing = Deployment.objects.select_for_update().filter(org=org, key=key).first()
    if existing is not None:
        if (existing.result, existing.finished_at, existing.environment) == (
            result,
            finished_at,
            environment,
        ):
            return existing, False
        moved = (existing.finished_at, finished_at)
        existing.result, existing.finished_at, existing.environment = result, finished_at, environment
        existing.save(update_fields=["result", "finished_at", "environment"])
        _link_pull_requests(existing)
        _announce(
            existing.team,
            since=deployments_since(team_id=existing.team_id, finishes=moved, exclude=[existing.pk]),
        )
        return existing, True
    deployment = Deployment.objects.create(
        org=org,
        team=team,
        key=key,
        environment=environment,
        result=result,
        finished_at=finished_at,
        source=source,
    )
    seen: set[str] = set()
    rows = []
    for commit in commits:
        if commit.sha not in seen:
            seen.add(commit.sha)
            rows.append(Commit(deployment=deployment, sha=commit.sha, authored_at=commit.authored_at))
    Commit.objects.bulk_create(rows)
    deployment.features.set([f for f in features if f.org_id == org.pk])
    _link_pull_requests(deployment)
    _announce(team, since=deployments_since(team_id=team.pk, finishes=[finished_at], exclude=[deployment.pk]))
    return deployment, True


def previous_production_at(*, org: Organisation, key_prefix: str, before: datetime) -> datetime | None:
    """When the last successful production deployment whose key starts with `key_prefix` finished."""
    last = (
        Deployment.objects.filter(
            org=org,
            key__startswith=key_prefix,
            environment=Deployment.Environment.PRODUCTION,
            result=Deployment.Result.SUCCESS,
            finished_at__lt=before,
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return last


@transaction.atomic
def incident_open(
    *, org: Organisation, team: Team, key: str, title: str, started_at: datetime, source: str
) -> tuple[Incident, bool]:
    """Record the incident `key` of `org` once; a second trigger changes nothing."""
    if team.org_id != org.pk:
        raise ValueError("team of another organisation")
    existing = Incident.objects.filter(org=org, key=key).first()
    if existing is not None:
        return existing, False
    incident = Incident.objects.create(
        org=org, team=team, key=key, title=title[:300] or key, started_at=started_at, source=source
    )
    since = incident_since(team_id=team.pk, started_at=started_at, deployment_id=None)
    _announce(team, since=since, records=INCIDENT_RECORDS)
    return incident, True


@transaction.atomic
def incident_resolve(
    *, org: Organisation, key: str, resolved_at: datetime | None
) -> tuple[Incident | None, bool]:
    """Set (or, with None, clear: a reopened incident) when the incident `key` of `org` was resolved."""
    incident = Incident.objects.select_for_update().filter(org=org, key=key).select_related("team").first()
    if incident is None:
        return None, False
    if resolved_at is not None and resolved_at < incident.started_at:
        resolved_at = incident.started_at
    if incident.resolved_at == resolved_at:
        return incident, False
    # Only its time to restore moves, in the weeks it was and is now resolved.
    since = min(moment for moment in (incident.resolved_at, resolved_at) if moment is not None)
    incident.resolved_at = resolved_at
    incident.save(update_fields=["resolved_at"])
    _announce(incident.team, since=since, records=INCIDENT_RECORDS)
    return incident, True


def _shipping_deployment(*, org: Organisation, sha: str) -> Deployment | None:
    """The first successful production deployment of `org` that took the commit `sha`."""
    if not sha:
        return None
    return (
        Deployment.objects.filter(
            org=org,
            environment=Deployment.Environment.PRODUCTION,
            result=Deployment.Result.SUCCESS,
            commits__sha=sha,
        )
        .order_by("finished_at", "id")
        .first()
    )


def _link_pull_requests(deployment: Deployment) -> None:
    """Pull requests whose merge commit `deployment` shipped, not yet linked to a deployment."""
    if not deployment.counts_for_dora:
        return
    shas = list(deployment.commits.values_list("sha", flat=True))
    if shas:
        PullRequest.objects.filter(
            org_id=deployment.org_id, merge_commit_sha__in=shas, deployment__isnull=True
        ).update(deployment=deployment)


@dataclass(frozen=True)
class PullRequestData:
    repository: str
    number: int
    title: str
    url: str
    opened_at: datetime
    merged_at: datetime
    first_commit_at: datetime | None
    merge_commit_sha: str


@transaction.atomic
def pull_request_upsert(
    *, org: Organisation, team: Team, data: PullRequestData, source: str
) -> tuple[PullRequest, bool]:
    """Record the merged pull request `data.repository`#`data.number` of `org`, or bring it up to
    date; linked to the deployment that shipped its merge commit when one is known. Returns
    (pull request, changed); the same event twice changes nothing."""
    if team.org_id != org.pk:
        raise ValueError("team of another organisation")
    values = {
        "team": team,
        "title": data.title[:300],
        "url": data.url[:500],
        "opened_at": min(data.opened_at, data.merged_at),
        "merged_at": data.merged_at,
        "first_commit_at": data.first_commit_at,
        "merge_commit_sha": data.merge_commit_sha[:64],
    }
    existing = (
        PullRequest.objects.select_for_update()
        .filter(org=org, repository=data.repository[:200], number=data.number)
        .first()
    )
    if existing is None:
        pull = PullRequest.objects.create(
            org=org,
            repository=data.repository[:200],
            number=data.number,
            deployment=_shipping_deployment(org=org, sha=data.merge_commit_sha),
            source=source,
            **values,
        )
        _announce(team, since=min(data.opened_at, data.merged_at), records=PULL_REQUEST_RECORDS)
        return pull, True
    if existing.first_commit_at is not None and data.first_commit_at is None:
        values["first_commit_at"] = existing.first_commit_at
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if existing.deployment_id is None:
        shipping = _shipping_deployment(org=org, sha=data.merge_commit_sha)
        if shipping is not None:
            existing.deployment = shipping
            changed.append("deployment")
    if not changed:
        return existing, False
    for name in changed:
        if name != "deployment":
            setattr(existing, name, values[name])
    existing.save(update_fields=changed)
    _announce(team, since=min(data.opened_at, data.merged_at), records=PULL_REQUEST_RECORDS)
    return existing, True
