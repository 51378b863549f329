"""Celery tasks of the connectors: thin, safe to run twice."""

from __future__ import annotations

import httpx
from celery import Task, shared_task
from django.db import OperationalError

from integrations import action_items, delivery_history, services, tracker_history

ACTION_ITEM_RETRIES = 5


@shared_task(
    name="integrations.tasks.delivery_process",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def delivery_process(delivery_pk: int) -> None:
    services.delivery_process(delivery_pk=delivery_pk)


@shared_task(
    name="integrations.tasks.tracker_backfill",
    acks_late=True,
    ignore_result=True,
    # Under the broker's visibility timeout (config/celery.py), like every task: a longer history is
    # read again by the next run (records are idempotent).
    soft_time_limit=780,
    time_limit=840,
)
def tracker_backfill(connection_id: str) -> None:
    tracker_history.backfill_run(connection_id=connection_id)


@shared_task(
    name="integrations.tasks.connection_history",
    acks_late=True,
    ignore_result=True,
    # Under the broker's visibility timeout (config/celery.py), like every task: a longer history is
    # read again by the next run (records are idempotent).
    soft_time_limit=780,
    time_limit=840,
)
def connection_history(connection_id: str) -> None:
    """Past deployments, commits and incidents of a GitHub, GitLab, PagerDuty or Opsgenie connection."""
    delivery_history.history_run(connection_id=connection_id)


@shared_task(
    bind=True,
    name="integrations.tasks.action_item_send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def action_item_send(self: Task, action_id: int) -> None:
    try:
        action_items.action_item_send(action_id=action_id)
    except httpx.TransportError as exc:
        # The tracker is out of reach: a later try may succeed; after the last one the item says so.
        if self.request.retries >= ACTION_ITEM_RETRIES:
            action_items.action_item_failed(action_id=action_id)
            return
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from None
