"""Tell the metrics app, after commit, that a team's numbers moved (features delivered, specs
aligned or revised, reviews): `metrics.services.team_metrics_refresh_later` debounces the
recompute (one job per team per minute) and logs rather than fails when Redis is down."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.db import transaction


def metrics_service(name: str) -> Callable[..., Any] | None:
    """`metrics.services.<name>` when the metrics app provides it, else None (its nightly
    recompute catches up). Only a missing module or function reads as "not there": an import
    error raised inside metrics.services is a bug, and propagates."""
    try:
        module = importlib.import_module("metrics.services")
    except ModuleNotFoundError as exc:
        if exc.name != "metrics.services":
            raise
        return None
    return getattr(module, name, None)


def _enqueue(team_id: int) -> None:
    from metrics.services import team_metrics_refresh_later  # the metrics app owns the recompute

    team_metrics_refresh_later(team_id=team_id)


def team_metrics_changed(team_id: int) -> None:
    transaction.on_commit(lambda: _enqueue(team_id))
