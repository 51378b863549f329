"""Reads of the connectors, each scoped to an organisation."""

from __future__ import annotations

from uuid import UUID

from django.db.models import F, Func, IntegerField, QuerySet

from collab.models import Organisation
from integrations.models import Backfill, Connection, Delivery
from integrations.reasons import UNMAPPED_SOURCE, UNMAPPED_STATUS

RECENT_DELIVERIES = 50


def connection_list(*, org: Organisation) -> QuerySet[Connection]:
    return Connection.objects.filter(org=org).select_related("team")


def active_connections(*, provider: str) -> QuerySet[Connection]:
    return Connection.objects.filter(provider=provider, paused=False).select_related("org", "team")


def recent_deliveries(*, connection: Connection) -> list[Delivery]:
    return list(
        Delivery.objects.filter(connection=connection)
        .defer("body")
        .annotate(body_size=Func(F("body"), function="octet_length", output_field=IntegerField()))
        .order_by("-received_at", "-id")[:RECENT_DELIVERIES]
    )


def unmapped_sources(*, connection: Connection) -> list[str]:
    """Sources (repositories, services) whose deliveries were ignored for want of a team."""
    return sorted(
        set(
            Delivery.objects.filter(connection=connection, reason=UNMAPPED_SOURCE).values_list(
                "detail", flat=True
            )[:500]
        )
    )


def delivery_of(*, org: Organisation, connection_id: UUID, pk: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(connection__org=org, connection_id=connection_id, pk=pk)


def unmapped_statuses(*, connection: Connection) -> list[str]:
    """Tracker statuses met (by webhooks or the history import) that the connection's status
    mapping does not name: they followed their category until someone maps them."""
    seen = set(
        Delivery.objects.filter(connection=connection, reason=UNMAPPED_STATUS).values_list(
            "detail", flat=True
        )[:500]
    )
    backfill = (
        Backfill.objects.filter(connection=connection).values_list("unmapped_statuses", flat=True).first()
    )
    if isinstance(backfill, list):
        seen.update(str(s) for s in backfill[:500])
    statuses = connection.tracker.get("statuses")
    mapped = {str(k).strip().casefold() for k in statuses} if isinstance(statuses, dict) else set()
    return sorted(s for s in seen if s and s.strip().casefold() not in mapped)
