"""Queue an e-mail for the worker (collab.tasks.send_email), after the transaction commits."""

from __future__ import annotations

import logging
import smtplib
from functools import partial

from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _enqueue(*, subject: str, body: str, to: list[str]) -> None:
    from collab.tasks import send_email

    try:
        send_email.apply_async(kwargs={"subject": subject, "body": body, "to": to}, retry=False)
    except (KombuError, RedisError, OSError) as exc:
        # The broker is down: try once now rather than lose the message; never fail the caller.
        logger.warning("e-mail not queued (%s): sending it now", exc)
        try:
            send_email.run(subject=subject, body=body, to=to)
        except (smtplib.SMTPException, OSError):
            logger.exception("e-mail to %s could not be sent", ", ".join(to))


def email_later(*, subject: str, body: str, to: list[str]) -> None:
    transaction.on_commit(partial(_enqueue, subject=subject, body=body, to=to), robust=True)
