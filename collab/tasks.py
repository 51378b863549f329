"""E-mail leaves through Celery: a request never waits on SMTP, and an outage is retried with
backoff instead of turning a saved invitation into an error."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)


@shared_task(
    name="collab.tasks.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_email(*, subject: str, body: str, to: list[str], from_email: str | None = None) -> int:
    return EmailMessage(subject=subject, body=body, from_email=from_email, to=to).send()
