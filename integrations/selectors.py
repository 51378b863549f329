"""Reads of the connectors, each scoped to an organisation."""

from __future__ import annotations

from uuid import UUID

from django.db.models import F, Func, IntegerField, QuerySet

from collab.models import Organisation
from integrations.models import Connection, Delivery
from integrations.reasons import UNMAPPED_SOURCE

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
