"""Shared by the conflict-handling services: per-organisation keys, the escalation matrix's people,
and the after-commit metrics refresh."""

from __future__ import annotations

import logging
from functools import partial

from django.db import models, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr

from collab.features.metrics_hook import metrics_service
from collab.models import Membership, Organisation, Role

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
    """After commit, ask the metrics app to recompute the team's snapshots (debounced there), or
    the organisation's when the record belongs to no team. The metrics service is optional:
    without it the nightly recompute catches up."""
    team_refresh = metrics_service("team_metrics_refresh_later")
    org_refresh = metrics_service("org_metrics_refresh_later")
    if team_id is not None and team_refresh is not None:
        transaction.on_commit(partial(team_refresh, team_id=team_id), robust=True)
    elif org_id is not None and org_refresh is not None:
        transaction.on_commit(partial(org_refresh, org_id=org_id), robust=True)
