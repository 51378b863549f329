"""Shared by the conflict-handling services: per-organisation keys, the escalation matrix's people,
and the after-commit announcement that records changed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.db.models import F, IntegerField, Max, Q
from django.db.models.functions import Cast, Substr

from collab.models import Membership, Organisation, Role
from collab.signals import records_changed_later
from rituals.models import Decision, Sync, SyncItem
from rituals.syncs.generated import generated_english

logger = logging.getLogger(__name__)

# Who decides at each level of the seed's escalation matrix (the CPO sits with the VP Product).
LEVEL_ROLES: dict[int, frozenset[str]] = {
    1: frozenset({Role.PM, Role.TECH_LEAD}),
    2: frozenset({Role.VP_PRODUCT, Role.CPO, Role.CTO}),
    3: frozenset({Role.CEO}),
}


def levels_for(membership: Membership | None) -> frozenset[int]:
    """The escalation levels a person decides at (empty for everyone else)."""
    if membership is None or not membership.is_active:
        return frozenset()
    return frozenset(level for level, roles in LEVEL_ROLES.items() if membership.role in roles)


def next_key(*, model: type[models.Model], org: Organisation, prefix: str) -> str:
    """The next `<prefix>-<n>` key of the organisation. Call inside a transaction: the organisation
    row is locked so two people opening a conflict at once don't get the same number (the unique
    constraint on (org, key) stays the backstop). Imported keys of another shape are ignored."""
    Organisation.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True).first()
    top = (
        model._default_manager.filter(org=org, key__regex=rf"^{prefix}-[0-9]{{1,9}}$")
        .annotate(number=Cast(Substr("key", len(prefix) + 2), IntegerField()))
        .aggregate(top=Max("number"))["top"]
    )
    return f"{prefix}-{(top or 0) + 1}"


def refresh_team_metrics_later(*, team_id: int | None, org_id: int | None = None) -> None:
    """After commit, announce that the team's records changed (or the organisation's, for a record
    of no team); the metrics app recomputes what they reach."""
    records_changed_later(sender=Organisation, org_id=org_id, team_id=team_id)


def settle_sync_items(
    *,
    origin: SyncItem | None,
    source: str,
    code: str,
    params: dict[str, Any],
    author: Membership | None,
) -> int:
    """Close the loop in the syncs: the item a conflict or an escalation came from, and every item
    the agenda pre-filled from it (`source`, e.g. "conflict:12") or carried from the origin, get the
    decision in their section and are marked done, so nothing carries it over again. Syncs already
    closed keep their minutes (but for the origin's own sync); there the item is only marked done.
    The decision is stored as `code` and `params` (rituals/syncs/generated.py), so each reader sees
    it in their language. Returns how many items were settled."""
    text = generated_english(code, params)
    lookup = Q(source=source)
    if origin is not None:
        lookup |= Q(pk=origin.pk) | Q(source=f"carried:{origin.pk}")
    items = list(
        SyncItem.objects.filter(lookup, done=False).select_related("sync").select_for_update(of=("self",))
    )
    touched: set[int] = set()
    for item in items:
        item.done = True
        item.save(update_fields=["done"])
        if item.sync.status != Sync.Status.CLOSED or (origin is not None and item.pk == origin.pk):
            Decision.objects.create(
                sync_id=item.sync_id,
                section_id=item.section_id,
                text=text,
                text_code=code,
                text_params=params,
                feature_id=item.feature_id,
                author=author,
            )
        touched.add(item.sync_id)
    if touched:
        # Every live screen of those syncs refreshes on its next poll.
        Sync.objects.filter(pk__in=touched).update(revision=F("revision") + 1)
    return len(items)
