"""Celery tasks of the rituals app: thin, taking ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from rituals.syncs import services


@shared_task(
    name="rituals.tasks.close_stale_syncs",
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_stale_syncs() -> int:
    """Beat, every 10 minutes: close the syncs left live for more than three hours, with a note."""
    return len(services.syncs_close_stale())
