"""Deployments and incidents as the API shows them (the same shape is stored for replays)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from delivery.models import Deployment, Incident


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def deployment_json(deployment: Deployment) -> dict[str, Any]:
    """Needs `team` selected and `commits`, `features` prefetched (see selectors.deployment_list)."""
    return {
        "key": deployment.key,
        "team": deployment.team.slug,
        "environment": deployment.environment,
        "result": deployment.result,
        "finished_at": iso(deployment.finished_at),
        "commits": [{"sha": c.sha, "authored_at": iso(c.authored_at)} for c in deployment.commits.all()],
        "features": sorted(f.key for f in deployment.features.all()),
        "source": deployment.source,
        "created_at": iso(deployment.created_at),
    }


def incident_json(incident: Incident) -> dict[str, Any]:
    """Needs `team` and `deployment` selected (see selectors.incident_list)."""
    return {
        "key": incident.key,
        "team": incident.team.slug,
        "title": incident.title,
        "started_at": iso(incident.started_at),
        "resolved_at": iso(incident.resolved_at),
        "deployment": incident.deployment.key if incident.deployment else None,
        "source": incident.source,
        "created_at": iso(incident.created_at),
    }
