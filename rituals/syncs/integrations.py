"""The seams to code other people own and may not have written yet. Each guard lives here, once:
a URL name that does not exist yet hides its link, a function that does not exist yet reads as
"no data yet" or does nothing."""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from collab.features.metrics_hook import metrics_service
from collab.models import Team


def optional_url(name: str, *args: Any, query: dict[str, Any] | None = None) -> str | None:
    """The URL, or None while the view behind `name` does not exist."""
    try:
        url = reverse(name, args=args or None)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def team_velocity_summary(team: Team) -> dict[str, Any] | None:
    """metrics.selectors.team_velocity_summary(team) when the metrics app provides it."""
    try:
        from metrics.selectors import team_velocity_summary as summary  # type: ignore[attr-defined]
    except ImportError:
        return None
    result = summary(team)
    return result if isinstance(result, dict) else None


def team_metrics_refresh_later(team_id: int | None) -> None:
    """Enqueue a recompute of the team's metrics after commit, when the metrics app offers it."""
    refresh = metrics_service("team_metrics_refresh_later")
    if team_id is None or refresh is None:
        return
    transaction.on_commit(lambda: refresh(team_id=team_id))


def glossary_available() -> bool:
    """Whether the features app ships the `glossary` template filter (collab/templatetags/glossary.py)."""
    try:
        return importlib.util.find_spec("collab.templatetags.glossary") is not None
    except ModuleNotFoundError:  # no collab/templatetags package at all
        return False
