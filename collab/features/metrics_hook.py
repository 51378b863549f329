"""Tell the metrics app, after commit, that a team's numbers moved (features delivered, specs
aligned or revised, reviews): `metrics.services.team_metrics_refresh_later` debounces the
recompute (one job per team per minute) and logs rather than fails when Redis is down."""

from __future__ import annotations

from django.db import transaction


def _enqueue(team_id: int) -> None:
    from metrics.services import team_metrics_refresh_later  # the metrics app owns the recompute

    team_metrics_refresh_later(team_id=team_id)


def team_metrics_changed(team_id: int) -> None:
    transaction.on_commit(lambda: _enqueue(team_id))
