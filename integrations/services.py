"""Writes of the connectors: connections (create, rotate, pause, map, delete) and their deliveries
(store, refuse, process)."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from collab.models import Organisation, Team
from integrations import crypto, github, gitlab, jira, linear, opsgenie, pagerduty
from integrations.mapping import Malformed, Outcome, ignored
from integrations.models import MAX_BODY_BYTES, Connection, Delivery
from integrations.reasons import MALFORMED

logger = logging.getLogger(__name__)

PROVIDERS = {
    "github": github,
    "gitlab": gitlab,
    "pagerduty": pagerduty,
    "opsgenie": opsgenie,
    "jira": jira,
    "linear": linear,
}


@transaction.atomic
def connection_create(
    *,
    org: Organisation,
    provider: str,
    name: str,
    team: Team | None = None,
    sources: dict[str, str] | None = None,
    environments: dict[str, str] | None = None,
    tracker: dict[str, Any] | None = None,
) -> tuple[Connection, str]:
    """A new connection and its secret, returned once in plain (only its Fernet token is stored)."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider}")
    if team is not None and team.org_id != org.pk:
        raise ValueError("team of another organisation")
    plain = crypto.secret_generate()
    connection = Connection.objects.create(
        org=org,
        provider=provider,
        name=(name.strip() or provider)[:120],
        team=team,
        mappings={"sources": sources or {}, "environments": environments or {}, "tracker": tracker or {}},
        secret_encrypted=crypto.encrypt(plain),
    )
    return connection, plain


def connection_secret(connection: Connection) -> str:
    return crypto.decrypt(connection.secret_encrypted)


@transaction.atomic
def connection_rotate(*, connection: Connection, secret: str = "") -> str:
    """A new secret: generated, or the one the provider generated itself (PagerDuty's signing secret)."""
    plain = secret.strip() or crypto.secret_generate()
    connection.secret_encrypted = crypto.encrypt(plain)
    connection.save(update_fields=["secret_encrypted"])
    return plain


@transaction.atomic
def connection_pause(*, connection: Connection, paused: bool) -> Connection:
    connection.paused = paused
    connection.save(update_fields=["paused"])
    return connection


@transaction.atomic
def connection_map(
    *,
    connection: Connection,
    team: Team | None,
    sources: dict[str, str],
    environments: dict[str, str],
    tracker: dict[str, Any] | None = None,
) -> Connection:
    if team is not None and team.org_id != connection.org_id:
        raise ValueError("team of another organisation")
    connection.team = team
    connection.mappings = {
        "sources": sources,
        "environments": environments,
        "tracker": connection.tracker if tracker is None else tracker,
    }
    connection.save(update_fields=["team", "mappings"])
    return connection


@transaction.atomic
def connection_set_token(*, connection: Connection, token: str) -> Connection:
    """The tracker's API token (history, action items), kept encrypted; blank removes it."""
    connection.token_encrypted = crypto.encrypt(token.strip()) if token.strip() else b""
    connection.save(update_fields=["token_encrypted"])
    return connection


def connection_token(connection: Connection) -> str:
    return crypto.decrypt(connection.token_encrypted) if connection.token_encrypted else ""


@transaction.atomic
def connection_delete(*, connection: Connection) -> None:
    connection.delete()


# --- Deliveries ---------------------------------------------------------------------------------


def delivery_refused(*, connection: Connection, event: str, reason: str) -> Delivery:
    """A refusal is logged (time, event, reason); its body is not kept."""
    return Delivery.objects.create(
        connection=connection, event=event[:100], status=Delivery.Status.REFUSED, reason=reason
    )


def _enqueue(delivery_pk: int) -> None:
    from integrations.tasks import delivery_process

    try:
        delivery_process.apply_async(kwargs={"delivery_pk": delivery_pk}, retry=False)
    except (KombuError, RedisError, OSError) as exc:
        # The delivery waits in the database: `manage.py connectors process` or a retry maps it.
        logger.warning("delivery %s not queued (%s): it stays pending", delivery_pk, exc)


def delivery_store(
    *, connection: Connection, event: str, delivery_id: str, body: bytes, ignored_reason: str = ""
) -> tuple[Delivery, bool]:
    """Keep the raw delivery and queue its mapping after commit; (delivery, created). A delivery id
    already stored (a redelivery) returns the first one and queues nothing."""
    delivery_id = delivery_id[:200]
    if delivery_id:
        existing = Delivery.objects.filter(connection=connection, delivery_id=delivery_id).first()
        if existing is not None:
            return existing, False
    status = Delivery.Status.IGNORED if ignored_reason else Delivery.Status.PENDING
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                connection=connection,
                delivery_id=delivery_id,
                event=event[:100],
                status=status,
                reason=ignored_reason,
                detail=event[:300] if ignored_reason else "",
                body=b"" if ignored_reason else body[:MAX_BODY_BYTES],
                processed_at=timezone.now() if ignored_reason else None,
            )
            if status == Delivery.Status.PENDING:
                transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    except IntegrityError:
        return Delivery.objects.get(connection=connection, delivery_id=delivery_id), False
    return delivery, True


def _map(delivery: Delivery) -> Outcome:
    connection = delivery.connection
    try:
        payload: Any = json.loads(bytes(delivery.body).decode("utf-8"))
    except ValueError:
        return ignored(MALFORMED, "body")
    module: Any = PROVIDERS[connection.provider]
    try:
        with transaction.atomic():
            outcome: Outcome = module.process(connection, delivery.event, payload)
        return outcome
    except Malformed as exc:
        return ignored(MALFORMED, str(exc))
    except (DataError, IntegrityError, ValueError) as exc:
        # A value our tables refuse: the delivery is kept, marked, and the next ones still map.
        logger.warning("delivery %s not mapped: %s", delivery.pk, type(exc).__name__)
        return ignored(MALFORMED, type(exc).__name__)


def delivery_process(*, delivery_pk: int) -> Delivery | None:
    """Map a pending delivery onto our records, once: a second run (or a redelivered task) finds it
    no longer pending and changes nothing."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("connection__org", "connection__team")
            .filter(pk=delivery_pk, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        outcome = _map(delivery)
        delivery.status, delivery.reason, delivery.detail = outcome.status, outcome.reason, outcome.detail
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "reason", "detail", "processed_at"])
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: Delivery) -> Delivery:
    """ "Process again": a delivery that kept its body goes back to pending and is queued."""
    if delivery.status == Delivery.Status.REFUSED or not delivery.body:
        return delivery
    delivery.status, delivery.reason, delivery.detail, delivery.processed_at = (
        Delivery.Status.PENDING,
        "",
        "",
        None,
    )
    delivery.save(update_fields=["status", "reason", "detail", "processed_at"])
    transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    return delivery


def deliveries_process_pending() -> int:
    """Map every delivery still pending (after a worker or broker outage); returns how many."""
    done = 0
    for pk in (
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)
    ):
        if delivery_process(delivery_pk=pk) is not None:
            done += 1
    return done
