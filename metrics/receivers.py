"""What the metrics app does when the apps below it announce a change (collab.signals)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import DatabaseError

from metrics import services, watermarks

logger = logging.getLogger(__name__)


def refresh_later(
    sender: Any,
    *,
    org_id: int | None,
    team_id: int | None,
    since: datetime | None = None,
    records: tuple[str, ...] | None = None,
    **kwargs: Any,
) -> None:
    """Records of a team (or, with no team, of the organisation) changed: note it in the change log
    (the nightly catch-up takes in what a lost job did not), with the earliest instant it can move
    and the kinds of records it touched when the sender knows them, and recompute them, debounced."""
    try:
        watermarks.change_record(org_id=org_id, team_id=team_id, since=since, records=records)
    except DatabaseError as exc:  # the refresh below still runs; a full recompute within a week
        logger.warning("metrics: change of org %s team %s not logged: %s", org_id, team_id, exc)
    if team_id is not None:
        services.team_metrics_refresh_later(team_id=team_id)
    elif org_id is not None:
        services.org_metrics_refresh_later(org_id=org_id)
