"""PagerDuty's v3 webhooks: verify `X-PagerDuty-Signature` (one or more `v1=` HMAC-SHA256 signatures:
several while a secret rotates), map incident.triggered, incident.resolved and incident.reopened."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from delivery import records
from integrations import reasons
from integrations.mapping import RECORDED, Outcome, ignored, team_for, text, timestamp, unmapped
from integrations.models import Connection

EVENTS = {"incident.triggered", "incident.resolved", "incident.reopened"}


def signature_refusal(secret: str, body: bytes, header: str) -> str | None:
    signatures = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
    if not signatures:
        return reasons.MISSING_SIGNATURE
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    # Every candidate is compared (no early exit) so the time taken says nothing.
    matches = [hmac.compare_digest(expected, signature) for signature in signatures]
    return None if any(matches) else reasons.BAD_SIGNATURE


def event_of(payload: Any) -> tuple[str, str]:
    """(event type, event id) of a v3 payload; empty strings when absent."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict):
        return "", ""
    return str(event.get("event_type") or "")[:100], str(event.get("id") or "")[:200]


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event not in EVENTS:
        return ignored(reasons.EVENT_NOT_USED, event)
    incident_id = text(payload, "event", "data", "id")
    key = f"pd-{incident_id}"[:128]
    org = connection.org
    if event == "incident.triggered":
        service_id = text(payload, "event", "data", "service", "id")
        service = payload["event"]["data"]["service"]
        name = str(service.get("summary") or "") if isinstance(service, dict) else ""
        team = team_for(connection, service_id, *([name] if name else []))
        if team is None:
            return unmapped(f"{service_id} ({name})" if name else service_id)
        records.incident_open(
            org=org,
            team=team,
            key=key,
            title=text(payload, "event", "data", "title"),
            started_at=timestamp(payload, "event", "data", "created_at"),
            source="pagerduty",
        )
        return RECORDED
    resolved_at = timestamp(payload, "event", "occurred_at") if event == "incident.resolved" else None
    incident, _changed = records.incident_resolve(org=org, key=key, resolved_at=resolved_at)
    if incident is None:
        return ignored(reasons.UNKNOWN_INCIDENT, incident_id)
    return RECORDED
