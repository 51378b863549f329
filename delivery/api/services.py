"""Writes of the intake: tokens, deployments, incidents, idempotent replays and CSV imports.

Each write runs in one transaction and, once it commits, asks for the touched teams' metrics to be
recomputed (`collab.signals.records_changed`, which the metrics app listens to).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.audit import audit_record
from collab.models import Membership, Organisation
from collab.signals import records_changed_later
from delivery.api import selectors
from delivery.api.auth import PREFIX_LENGTH, token_generate, token_hash
from delivery.api.csv_format import CsvError, CsvRow, csv_parse
from delivery.api.errors import ApiError, Conflict, InvalidInput, NotFound
from delivery.api.serializers import deployment_json, incident_json
from delivery.api.validation import (
    DeploymentData,
    IncidentData,
    Refs,
    incident_changes_clean,
    refs_check,
)
from delivery.changes import DEPLOYMENT_RECORDS, INCIDENT_RECORDS, deployments_since, incident_since
from delivery.models import ApiToken, Commit, Deployment, IdempotencyRecord, Incident

# --- Recompute after commit -----------------------------------------------------------------


def _refresh_after_commit(
    team_ids: Iterable[int],
    *,
    since: dict[int, datetime] | None = None,
    records: tuple[str, ...] | None = None,
) -> None:
    """Announce, after commit, that these teams' delivery records changed (the metrics app listens),
    with, per team, the earliest instant the change can move and the records it touched when known."""
    for team_id in sorted(set(team_ids)):
        records_changed_later(
            sender=Deployment,
            org_id=None,
            team_id=team_id,
            since=(since or {}).get(team_id),
            records=records,
        )


# --- Idempotency records ----------------------------------------------------------------------

# A retry with the same Idempotency-Key is replayed for this long; then the record is purged (beat).
IDEMPOTENCY_RETENTION_DAYS = 30


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete the idempotency records older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=IDEMPOTENCY_RETENTION_DAYS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Tokens ---------------------------------------------------------------------------------


@transaction.atomic
def token_create(*, org: Organisation, name: str, by: Membership | None) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput("invalid input", {"name": "is required"})
    plain = token_generate()
    token = ApiToken.objects.create(
        org=org, name=name[:120], prefix=plain[:PREFIX_LENGTH], token_hash=token_hash(plain), created_by=by
    )
    audit_record(
        org=org, actor=by, action="api_token_created", target=token.name, details={"name": token.name}
    )
    return token, plain


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Membership | None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(org=token.org, actor=by, action="api_token_revoked", target=token.name)
    return token


# --- Idempotency ----------------------------------------------------------------------------


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class WriteOutcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def _replay(record: IdempotencyRecord, digest: str) -> WriteOutcome:
    if record.request_hash != digest:
        raise Conflict(
            "idempotency key reused with a different body",
            {"Idempotency-Key": f"'{record.key}' was already used with another body; use a new key"},
        )
    return WriteOutcome(status=200, body=record.response, replayed=True)


def idempotent_write(
    *, org: Organisation, endpoint: str, key: str | None, digest: str, write: Callable[[], dict[str, Any]]
) -> WriteOutcome:
    """Run `write` once per (organisation, endpoint, key): the same key with the same body replays
    the first response; with another body it is a conflict. Without a key, just write."""
    if key is None:
        with transaction.atomic():
            return WriteOutcome(status=201, body=write())
    existing = IdempotencyRecord.objects.filter(org=org, endpoint=endpoint, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            body = write()
            IdempotencyRecord.objects.create(
                org=org, endpoint=endpoint, key=key, request_hash=digest, status_code=201, response=body
            )
    except (IntegrityError, Conflict) as exc:
        # A concurrent request with the same key may have won the race — its record then exists
        # (the key check inside `write`, or the unique constraint, saw its commit): answer as if we
        # came second.
        existing = IdempotencyRecord.objects.filter(org=org, endpoint=endpoint, key=key).first()
        if existing is not None:
            return _replay(existing, digest)
        if isinstance(exc, Conflict):
            raise
        raise Conflict("key already used", {"key": f"'{key}' is already used by another record"}) from None
    return WriteOutcome(status=201, body=body)


# --- Deployments and incidents --------------------------------------------------------------


def _refs_for(*, org: Organisation, data: DeploymentData | IncidentData) -> Refs:
    teams = selectors.teams_by_slug(org=org, slugs=[data.team])
    if isinstance(data, DeploymentData):
        return Refs(teams=teams, features=selectors.features_by_key(org=org, keys=data.features))
    deployments = selectors.deployments_by_key(org=org, keys=[data.deployment] if data.deployment else [])
    return Refs(teams=teams, deployments=deployments)


def _refs_checked(
    *, org: Organisation, data: DeploymentData | IncidentData, model: type[Deployment] | type[Incident]
) -> Refs:
    """The record's references in `org`; unknown ones are invalid input, a key already used a conflict."""
    refs = _refs_for(org=org, data=data)
    errors = refs_check(data, refs)
    if errors:
        raise InvalidInput("unknown reference", errors)
    if data.key is not None and selectors.existing_keys(model=model, org=org, keys=[data.key]):
        what = "a deployment" if model is Deployment else "an incident"
        raise Conflict("key already used", {"key": f"{what} '{data.key}' already exists"})
    return refs


def _create_deployments(
    *, org: Organisation, items: list[DeploymentData], refs: Refs, source: str
) -> list[Deployment]:
    deployments = Deployment.objects.bulk_create(
        [
            Deployment(
                org=org,
                team=refs.teams[d.team],
                key=d.key or f"D-{uuid.uuid4().hex}",
                environment=d.environment,
                result=d.result,
                finished_at=d.finished_at,
                source=source,
            )
            for d in items
        ]
    )
    Commit.objects.bulk_create(
        [
            Commit(deployment=dep, sha=c.sha, authored_at=c.authored_at)
            for dep, d in zip(deployments, items, strict=True)
            for c in d.commits
        ]
    )
    through = Deployment.features.through
    through.objects.bulk_create(
        [
            through(deployment_id=dep.pk, feature_id=refs.features[key].pk)
            for dep, d in zip(deployments, items, strict=True)
            for key in d.features
        ]
    )
    finishes: dict[int, list[datetime]] = {}
    for dep in deployments:
        finishes.setdefault(dep.team_id, []).append(dep.finished_at)
    created = [dep.pk for dep in deployments]
    _refresh_after_commit(
        finishes,
        since={
            team_id: deployments_since(team_id=team_id, finishes=times, exclude=created)
            for team_id, times in finishes.items()
        },
        records=DEPLOYMENT_RECORDS,
    )
    return deployments


@transaction.atomic
def deployment_record(*, org: Organisation, data: DeploymentData, source: str = "api") -> Deployment:
    """Store one deployment with its commits and features (all in `org`)."""
    refs = _refs_checked(org=org, data=data, model=Deployment)
    (deployment,) = _create_deployments(org=org, items=[data], refs=refs, source=source)
    return selectors.deployment_list(org=org).get(pk=deployment.pk)


def deployment_record_json(*, org: Organisation, data: DeploymentData, source: str = "api") -> dict[str, Any]:
    return deployment_json(deployment_record(org=org, data=data, source=source))


def _create_incidents(
    *, org: Organisation, items: list[IncidentData], refs: Refs, source: str
) -> list[Incident]:
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                org=org,
                team=refs.teams[i.team],
                key=i.key or f"I-{uuid.uuid4().hex}",
                title=i.title,
                started_at=i.started_at,
                resolved_at=i.resolved_at,
                deployment=refs.deployments[i.deployment] if i.deployment else None,
                source=source,
            )
            for i in items
        ]
    )
    since: dict[int, datetime] = {}
    for incident in incidents:
        moment = incident_since(
            team_id=incident.team_id,
            started_at=incident.started_at,
            resolved=[incident.resolved_at],
            deployment_id=incident.deployment_id,
        )
        since[incident.team_id] = min(moment, since.get(incident.team_id, moment))
    _refresh_after_commit(since, since=since, records=INCIDENT_RECORDS)
    return incidents


@transaction.atomic
def incident_record(*, org: Organisation, data: IncidentData, source: str = "api") -> Incident:
    """Store one incident, optionally linked to a deployment of `org`."""
    refs = _refs_checked(org=org, data=data, model=Incident)
    (incident,) = _create_incidents(org=org, items=[data], refs=refs, source=source)
    return selectors.incident_list(org=org).get(pk=incident.pk)


def incident_record_json(*, org: Organisation, data: IncidentData, source: str = "api") -> dict[str, Any]:
    return incident_json(incident_record(org=org, data=data, source=source))


@transaction.atomic
def incident_update(*, org: Organisation, key: str, payload: Any) -> Incident:
    """Set `resolved_at` (null reopens) and/or `title` of the incident `key` of `org`."""
    incident = Incident.objects.select_for_update().filter(org=org, key=key).first()
    if incident is None:
        raise NotFound("not found", {"key": f"no incident '{key}'"})
    changes = incident_changes_clean(payload, started_at=incident.started_at)
    if isinstance(changes, dict):
        raise InvalidInput("invalid input", changes)
    resolved = [incident.resolved_at, changes.values.get("resolved_at")]
    for name, value in changes.values.items():
        setattr(incident, name, value)
    incident.save(update_fields=list(changes.values))
    if "resolved_at" in changes.values:
        # Only its time to restore moves, in the weeks it was and is now resolved.
        moments = [moment for moment in resolved if moment is not None]
        since = {incident.team_id: min(moments)} if moments else None
        _refresh_after_commit([incident.team_id], since=since, records=INCIDENT_RECORDS)
    return selectors.incident_list(org=org).get(pk=incident.pk)


# --- CSV import -----------------------------------------------------------------------------


class CsvRejected(Exception):
    """Nothing was loaded; every error has its line and column."""

    def __init__(self, errors: list[CsvError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass(frozen=True)
class CsvImportResult:
    kind: str
    count: int
    team_count: int


def _csv_refs_check(*, org: Organisation, kind: str, rows: list[CsvRow]) -> tuple[Refs, list[CsvError]]:
    """Unknown teams, features and deployments, keys already used — with a fixed number of queries."""
    teams = selectors.teams_by_slug(org=org, slugs=(r.team for r in rows if r.team))
    features = selectors.features_by_key(org=org, keys=(k for r in rows for k in r.features))
    deployments = selectors.deployments_by_key(org=org, keys=(r.deployment for r in rows if r.deployment))
    model: type[Deployment] | type[Incident] = Deployment if kind == "deployments" else Incident
    taken = selectors.existing_keys(model=model, org=org, keys=(r.key for r in rows if r.key))
    errors: list[CsvError] = []
    for row in rows:
        if row.key in taken:
            errors.append(CsvError(row.line, "key", _("'%(key)s' already exists") % {"key": row.key}))
        if row.team and row.team not in teams:
            errors.append(CsvError(row.line, "team", _("unknown team '%(key)s'") % {"key": row.team}))
        unknown = [k for k in row.features if k not in features]
        if unknown:
            message = _("unknown feature(s): %(keys)s") % {"keys": ", ".join(unknown)}
            errors.append(CsvError(row.line, "features", message))
        if row.deployment and row.deployment not in deployments:
            errors.append(
                CsvError(row.line, "deployment", _("unknown deployment '%(key)s'") % {"key": row.deployment})
            )
    return Refs(teams=teams, features=features, deployments=deployments), errors


@transaction.atomic
def csv_import(*, org: Organisation, kind: str, content: bytes, by: Membership | None) -> CsvImportResult:
    """Validate every row, then load all of them or none (CsvRejected lists every error)."""
    rows, errors = csv_parse(kind, content)
    refs, ref_errors = _csv_refs_check(org=org, kind=kind, rows=rows)
    errors = errors + ref_errors
    if errors:
        raise CsvRejected(sorted(errors, key=lambda e: (e.line, e.column)))
    source = "csv"
    if kind == "deployments":
        created: list[Any] = _create_deployments(
            org=org,
            items=[r.data for r in rows if isinstance(r.data, DeploymentData)],
            refs=refs,
            source=source,
        )
    else:
        created = _create_incidents(
            org=org,
            items=[r.data for r in rows if isinstance(r.data, IncidentData)],
            refs=refs,
            source=source,
        )
    return CsvImportResult(kind=kind, count=len(created), team_count=len({c.team_id for c in created}))


__all__ = [
    "ApiError",
    "CsvRejected",
    "csv_import",
    "deployment_record",
    "idempotent_write",
    "incident_record",
    "incident_update",
    "token_create",
    "token_revoke",
]
