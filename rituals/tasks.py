"""Celery tasks of the rituals app: thin, taking ids, safe to run twice."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import OperationalError

from rituals.conflicts import notifications
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


# E-mail tasks retry what a later try can fix: SMTP refusing or timing out, the database restarting.
EMAIL_RETRY_FOR = (smtplib.SMTPException, OSError, OperationalError)


@shared_task(
    name="rituals.tasks.sync_summary_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=EMAIL_RETRY_FOR,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def sync_summary_email(*, sync_id: int) -> int:
    return services.sync_summary_send(sync_id=sync_id)


@shared_task(
    name="rituals.tasks.escalation_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=EMAIL_RETRY_FOR,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def escalation_email(*, escalation_id: int, event: str) -> int:
    if event == "decided":
        return notifications.escalation_decided(escalation_id=escalation_id)
    return notifications.escalation_opened(escalation_id=escalation_id)
