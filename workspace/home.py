"""What the start page shows a person: their next syncs, what waits for their decision, their open
action items and the features they frame. A fixed handful of queries, scoped to the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from collab.models import Feature, Membership, Organisation
from rituals.conflicts.selectors import escalation_inbox
from rituals.models import ActionItem, Sync


@dataclass(frozen=True)
class HomeAgenda:
    upcoming_syncs: list[Sync]
    live_syncs: list[Sync]
    escalations: list[Any]
    action_items: list[ActionItem]
    framing: list[Feature]


def home_agenda(*, org: Organisation, membership: Membership, limit: int = 5) -> HomeAgenda:
    team_ids = list(membership.team_memberships.values_list("team_id", flat=True))
    mine = Q(team_id__in=team_ids) | Q(team__isnull=True) | Q(facilitator=membership)
    syncs = Sync.objects.filter(org=org).filter(mine).select_related("team", "facilitator__user")
    now = timezone.now()
    return HomeAgenda(
        live_syncs=list(syncs.filter(status=Sync.Status.LIVE).order_by("started_at")[:limit]),
        upcoming_syncs=list(
            syncs.filter(status=Sync.Status.SCHEDULED, scheduled_at__gte=now).order_by("scheduled_at")[:limit]
        ),
        escalations=list(escalation_inbox(membership=membership)[:limit]),
        action_items=list(
            ActionItem.objects.filter(sync__org=org, owner=membership, done_at__isnull=True)
            .select_related("sync__team")
            .order_by("due", "id")[:limit]
        ),
        framing=list(
            Feature.objects.filter(org=org, team_id__in=team_ids, status__in=["idea", "framing"])
            .select_related("team")
            .order_by("-rice_score", "id")[:limit]
        ),
    )
