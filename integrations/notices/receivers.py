"""What the rituals app announces (rituals.signals, sent after commit) becomes messages queued for
the channels that take them; the HTTP posts happen in a worker, never in the request."""

from __future__ import annotations

from typing import Any

from integrations.notices import services
from rituals import signals


def on_escalation_opened(sender: type, *, escalation_id: int, level: int = 0, **kwargs: Any) -> None:
    services.escalation_opened(escalation_id=escalation_id, level=level)


def on_escalation_decided(sender: type, *, escalation_id: int, **kwargs: Any) -> None:
    services.escalation_decided(escalation_id=escalation_id)


def on_sync_started(sender: type, *, sync_id: int, **kwargs: Any) -> None:
    services.sync_started(sync_id=sync_id)


def on_sync_closed(sender: type, *, sync_id: int, **kwargs: Any) -> None:
    services.sync_closed(sync_id=sync_id)


def connect() -> None:
    # Importing the tasks registers them with the worker (autodiscovery reads integrations.tasks only).
    from integrations.notices import tasks  # noqa: F401

    signals.escalation_opened.connect(on_escalation_opened, dispatch_uid="notices-escalation-opened")
    signals.escalation_decided.connect(on_escalation_decided, dispatch_uid="notices-escalation-decided")
    signals.sync_started.connect(on_sync_started, dispatch_uid="notices-sync-started")
    signals.sync_closed.connect(on_sync_closed, dispatch_uid="notices-sync-closed")
