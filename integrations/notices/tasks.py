"""Celery tasks of the notices: thin, safe to run twice (a message sent is not sent again; the
beat's checks queue a conflict or a week's digest once per channel)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from integrations.notices import services


@shared_task(
    bind=True,
    name="integrations.notices.send",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=settings.NOTICES_MAX_RETRIES,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def notice_send(self: Any, send_pk: int) -> None:
    final = self.request.retries >= self.max_retries
    outcome = services.send_attempt(send_pk=send_pk, final=final)
    if outcome is not None and not outcome.ok and outcome.retry and not final:
        raise self.retry(countdown=services.backoff_seconds(self.request.retries, outcome.retry_after))


@shared_task(name="integrations.notices.conflicts_check", ignore_result=True, acks_late=True)
def conflicts_check() -> None:
    services.conflicts_stale_check()


@shared_task(name="integrations.notices.digests_send", ignore_result=True, acks_late=True)
def digests_send() -> None:
    services.digests_send()
