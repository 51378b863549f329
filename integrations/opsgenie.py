"""Opsgenie's outgoing webhook (a Webhook integration with a custom `X-Opsgenie-Token` header holding
the connection's secret): alert Create opens an incident, Close resolves it."""

from __future__ import annotations

import hmac
from typing import Any

from delivery import records
from integrations import reasons
from integrations.mapping import RECORDED, Outcome, get, ignored, team_for, text, timestamp, unmapped
from integrations.models import Connection

EVENTS = {"Create", "Close"}
HEADER = "X-Opsgenie-Token"


def signature_refusal(secret: str, header: str) -> str | None:
    if not header:
        return reasons.MISSING_SIGNATURE
    return None if hmac.compare_digest(secret.encode(), header.strip().encode()) else reasons.BAD_SIGNATURE


def event_of(payload: Any) -> str:
    return str(payload.get("action") or "")[:100] if isinstance(payload, dict) else ""


def _sources(alert: dict[str, Any]) -> list[str]:
    """What a team may be mapped by: the alert's teams, its entity, then its tags."""
    found: list[str] = []
    for item in alert.get("teams") or []:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            found.append(item["name"])
    if isinstance(alert.get("entity"), str) and alert["entity"]:
        found.append(alert["entity"])
    found.extend(t for t in alert.get("tags") or [] if isinstance(t, str))
    return found


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event not in EVENTS:
        return ignored(reasons.EVENT_NOT_USED, event)
    alert = get(payload, "alert")
    key = f"og-{text(alert, 'alertId')}"[:128]
    if event == "Create":
        sources = _sources(alert)
        team = team_for(connection, *sources)
        if team is None:
            return unmapped(sources[0] if sources else text(alert, "alertId"))
        records.incident_open(
            org=connection.org,
            team=team,
            key=key,
            title=text(alert, "message"),
            started_at=timestamp(alert, "createdAt"),
            source="opsgenie",
        )
        return RECORDED
    incident, _changed = records.incident_resolve(
        org=connection.org, key=key, resolved_at=timestamp(alert, "updatedAt")
    )
    return RECORDED if incident is not None else ignored(reasons.UNKNOWN_INCIDENT, text(alert, "alertId"))
