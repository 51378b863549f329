"""What the metrics app does when the apps below it announce a change (collab.signals)."""

from __future__ import annotations

from typing import Any

from metrics import services


def refresh_later(sender: Any, *, org_id: int | None, team_id: int | None, **kwargs: Any) -> None:
    """Records of a team (or, with no team, of the organisation) changed: recompute them, debounced."""
    if team_id is not None:
        services.team_metrics_refresh_later(team_id=team_id)
    elif org_id is not None:
        services.org_metrics_refresh_later(org_id=org_id)
