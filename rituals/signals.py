"""What the rituals app announces to the apps above it (integrations posts them to Slack or Teams).
Each signal is sent once the transaction that made the change commits, with `org_id` and the id of
the record; a receiver that fails is logged and never turns a committed write into an error.

- `escalation_opened`: `escalation_id`, `level` (also when an escalation is passed one level up)
- `escalation_decided`: `escalation_id`
- `sync_started`, `sync_closed`: `sync_id`"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

escalation_opened = Signal()
escalation_decided = Signal()
sync_started = Signal()
sync_closed = Signal()


def _send(signal: Signal, sender: type, kwargs: dict[str, Any]) -> None:
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error(
                "rituals signal listener %r failed (%s)",
                receiver,
                kwargs,
                exc_info=(type(result), result, result.__traceback__),
            )


def send_after_commit(signal: Signal, *, sender: type, **kwargs: Any) -> None:
    """Send `signal` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_send, signal, sender, kwargs), robust=True)
