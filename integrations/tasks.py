"""Celery tasks of the connectors: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from integrations import services


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
