"""Celery tasks of the delivery app: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from delivery.api import services


@shared_task(
    name="delivery.tasks.idempotency_records_purge",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def idempotency_records_purge() -> int:
    """Beat, nightly: forget the replayable answers older than the retention period."""
    return services.idempotency_records_purge()
