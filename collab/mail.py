"""Work that talks to SMTP leaves the request: queued for a Celery worker after the transaction
commits (retried there with backoff). When the broker is down, it runs once in place rather than
being lost, and a failure is logged, never raised to the person who saved something."""

from __future__ import annotations

import logging
import smtplib
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _enqueue(task: Any, kwargs: dict[str, Any]) -> None:
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (KombuError, RedisError, OSError) as exc:
        logger.warning("%s not queued (%s): running it now", task.name, exc)
        try:
            task.run(**kwargs)
        except (smtplib.SMTPException, OSError):
            logger.exception("%s failed", task.name)


def task_after_commit(task: Any, **kwargs: Any) -> None:
    """Queue `task` with `kwargs` once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, task, kwargs), robust=True)


def email_later(*, subject: str, body: str, to: list[str]) -> None:
    from collab.tasks import send_email

    task_after_commit(send_email, subject=subject, body=body, to=to)
