"""Action items sent to the team's tracker (Jira, Linear). Rituals sits below the integrations:
it asks and announces through these signals and never imports the app that answers.

`tracker_for_team` is sent with `org_id` and `team_id`; a receiver answers the tracker's name
("Jira") when the team has one that may create issues, else None.
`action_item_send_requested` is sent after commit with `action_id`: a receiver queues the sending."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from rituals.models import ActionItem, Sync

logger = logging.getLogger(__name__)

tracker_for_team = Signal()
action_item_send_requested = Signal()


def team_tracker(sync: Sync) -> str | None:
    """The name of the tracker the sync's team sends action items to, or None."""
    if sync.team_id is None:
        return None
    for _receiver, answer in tracker_for_team.send(sender=Sync, org_id=sync.org_id, team_id=sync.team_id):
        if answer:
            return str(answer)
    return None


def _announce(action_id: int) -> None:
    for receiver, result in action_item_send_requested.send_robust(sender=ActionItem, action_id=action_id):
        if isinstance(result, Exception):
            # The item stays "sending": pressing the button again queues it again.
            logger.error("action item %s not queued by %r: %s", action_id, receiver, type(result).__name__)


@transaction.atomic
def action_item_send(*, action: ActionItem) -> ActionItem:
    """Mark the item as being sent and ask for it to be sent once this commits. An item already
    sent keeps its issue: it is never sent twice."""
    locked = ActionItem.objects.select_for_update().get(pk=action.pk)
    if locked.external_key:
        return locked
    locked.external_state = "sending"
    locked.save(update_fields=["external_state"])
    transaction.on_commit(lambda: _announce(locked.pk), robust=True)
    return locked
