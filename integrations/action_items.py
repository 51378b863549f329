"""Action items of a sync sent to the team's tracker: the receivers of rituals' signals (which
tracker serves a team; queue a sending) and the sending itself, run by a Celery task."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from collab.models import Team
from integrations import jira, linear, services
from integrations.mapping import Malformed
from integrations.models import Connection
from rituals.models import ActionItem

logger = logging.getLogger(__name__)

TRACKERS = (Connection.Provider.JIRA, Connection.Provider.LINEAR)


def team_connection(*, org_id: int, team_id: int) -> Connection | None:
    """The team's tracker connection that may create issues: an active one with an API token whose
    default team is this team or that maps a project to it."""
    slug = Team.objects.filter(pk=team_id, org_id=org_id).values_list("slug", flat=True).first()
    if slug is None:
        return None
    candidates = (
        Connection.objects.filter(org_id=org_id, provider__in=TRACKERS, paused=False)
        .exclude(token_encrypted=b"")
        .select_related("org", "team")
        .order_by("name", "created_at")
    )
    # A connection that maps a project to this team wins over one that feeds it by default.
    connections = list(candidates[:50])
    mapped = [c for c in connections if slug in c.sources.values()]
    direct = [c for c in connections if c.team_id == team_id]
    found = mapped or direct
    return found[0] if found else None


def tracker_for_team(*, org_id: int, team_id: int, **_kwargs: Any) -> str | None:
    connection = team_connection(org_id=org_id, team_id=team_id)
    return connection.get_provider_display() if connection else None


def send_later(*, action_id: int, **_kwargs: Any) -> None:
    from integrations.tasks import action_item_send

    action_item_send.delay(action_id=action_id)


def _description(action: ActionItem) -> str:
    sync = action.sync
    parts = [
        _("Action item of the sync %(key)s (%(date)s).")
        % {"key": sync.key, "date": sync.scheduled_at.date().isoformat()},
        _("Owner: %(name)s") % {"name": action.owner.user.get_full_name() or action.owner.user.email},
    ]
    if action.due:
        parts.append(_("Due: %(date)s") % {"date": action.due.isoformat()})
    return "\n".join(parts)


def action_item_send(*, action_id: int) -> ActionItem | None:
    """Create the issue of an action item in its team's tracker and keep its key and link on the
    item. Safe to run twice: the item is locked meanwhile, and one that has its issue is left alone.
    A network error propagates (the task retries it, then `action_item_failed`); a refusal marks
    the item "failed"."""
    with transaction.atomic():
        action = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("sync__org", "owner__user")
            .filter(pk=action_id)
            .first()
        )
        if action is None or action.external_key or action.sync.team_id is None:
            return action
        connection = team_connection(org_id=action.sync.org_id, team_id=action.sync.team_id)
        if connection is None:
            action.external_state = "failed"
            action.save(update_fields=["external_state"])
            return action
        token = services.connection_token(connection)
        module: Any = jira if connection.provider == "jira" else linear
        with translation.override(action.sync.org.language or "en"):
            description = _description(action)
        try:
            key, url = module.issue_create(connection, token, title=action.title, description=description)
        except (jira.JiraError, linear.LinearError, Malformed) as exc:
            logger.warning("action item %s not sent: %s", action_id, exc)
            action.external_state = "failed"
            action.save(update_fields=["external_state"])
            return action
        except httpx.HTTPStatusError as exc:
            logger.warning("action item %s not sent: %s", action_id, type(exc).__name__)
            action.external_state = "failed"
            action.save(update_fields=["external_state"])
            return action
        action.external_state, action.external_provider, action.external_key, action.external_url = (
            "sent",
            connection.provider,
            key,
            url if url.startswith("https://") else "",
        )
        action.save(update_fields=["external_state", "external_provider", "external_key", "external_url"])
    return action


def action_item_failed(*, action_id: int) -> None:
    """The tracker stayed out of reach: the item shows "send again"."""
    ActionItem.objects.filter(pk=action_id, external_key="").update(external_state="failed")
