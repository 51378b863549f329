"""What the lower apps announce to the apps above them. A lower app sends; it never knows who listens
(the metrics app connects its receivers in its AppConfig.ready()).

`records_changed` is sent after commit with `org_id` and `team_id` whenever records a metric reads
changed: features, specs, reviews, syncs, conflicts, escalations, deployments, incidents, imports.
`team_id` None means "anything of the organisation may have moved". `since` (optional) is the
earliest instant whose metrics the change can move, when the sender knows it for sure (a deployment
recorded: its finish, or the finish of the deployment before it, whose incidents it may take over);
None: any instant. `records` (optional, with `since`) names the kinds of records the change
touched ("deployments", "commits", "incidents", …: the metrics engine's tables) when the sender
knows them all; None: any."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

records_changed = Signal()


def _send(
    *,
    sender: type,
    org_id: int | None,
    team_id: int | None,
    since: datetime | None,
    records: tuple[str, ...] | None,
) -> None:
    sent = records_changed.send_robust(
        sender=sender, org_id=org_id, team_id=team_id, since=since, records=records
    )
    for receiver, result in sent:
        if isinstance(result, Exception):
            logger.error(
                "records_changed listener %r failed (org %s, team %s)",
                receiver,
                org_id,
                team_id,
                exc_info=(type(result), result, result.__traceback__),
            )


def records_changed_later(
    *,
    sender: type,
    org_id: int | None,
    team_id: int | None = None,
    since: datetime | None = None,
    records: tuple[str, ...] | None = None,
) -> None:
    """Send `records_changed` once the current transaction commits (at once outside one). Robust: a
    listener that fails (say, the broker is down) never turns a committed write into an error."""
    if org_id is None and team_id is None:
        return
    transaction.on_commit(
        partial(
            _send,
            sender=sender,
            org_id=org_id,
            team_id=team_id,
            since=since if team_id else None,
            records=records if team_id and since else None,
        ),
        robust=True,
    )
