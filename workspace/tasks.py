from __future__ import annotations

from celery import shared_task


@shared_task(name="workspace.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker, used by `demo --check`."""
    return "pong"
