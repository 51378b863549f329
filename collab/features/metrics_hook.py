"""Tell the metrics app, after commit, that a team's numbers moved (features delivered, specs
aligned or revised, reviews). The metrics app owns the debounced recompute task; until it ships
`metrics.tasks.team_metrics_refresh`, nothing is enqueued."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def _enqueue(team_id: int) -> None:
    if importlib.util.find_spec("metrics.tasks") is None:
        return
    task = getattr(importlib.import_module("metrics.tasks"), "team_metrics_refresh", None)
    if task is None:
        logger.debug("metrics.tasks.team_metrics_refresh is not there yet; team %s not refreshed", team_id)
        return
    task.delay(team_id=team_id)


def team_metrics_changed(team_id: int) -> None:
    transaction.on_commit(partial(_enqueue, team_id))
