"""Helpers every sync service shares: the revision bump, row locks, weeks in the organisation's
time zone, per-organisation keys."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime

from django.db import connection
from django.db.models import F

from collab import weeks
from collab.models import Organisation, Team
from rituals.models import Sync

_KEY_LOCK_NAMESPACE = 0x53594E43  # "SYNC": advisory lock namespace for key allocation


def sync_touch(*, sync_id: int) -> None:
    """Bump the sync's revision so every screen polling it re-renders. Call it from any write that
    changes the sync or something shown in it (items, decisions, action items, escalations…)."""
    Sync.objects.filter(pk=sync_id).update(revision=F("revision") + 1)


def lock_sync(sync: Sync) -> Sync:
    """The sync row, locked for the rest of the transaction (moves must not interleave)."""
    return Sync.objects.select_for_update().get(pk=sync.pk)


def org_tz(org: Organisation) -> zoneinfo.ZoneInfo:
    return weeks.org_zone(org.time_zone)


def week_bounds(moment: datetime, org: Organisation) -> tuple[str, datetime, datetime]:
    """The ISO week of `moment` in the organisation's time zone: (label, Monday 00:00, next Monday 00:00)."""
    return weeks.week_bounds(moment, org.time_zone)


def next_sync_key(*, org: Organisation, ritual: str, team: Team | None, scheduled_at: datetime) -> str:
    """<ritual>-<team slug>-<ISO week> (`drive-checkout-2026-W50`; without a team,
    `drive-2026-W50`), the week taken in the organisation's time zone; -2, -3… when the week already
    has one. Call inside a transaction: an advisory lock serialises allocation per organisation
    until commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_KEY_LOCK_NAMESPACE, org.pk])
    week = weeks.week_bounds(scheduled_at, org.time_zone)[0]
    kind = ritual.replace("_", "-")  # decision-review-2026-W50, not decision_review-…
    base = "-".join(part for part in (kind, team.slug[:40] if team is not None else "", week) if part)
    taken = set(
        Sync.objects.filter(org=org, key__regex=rf"^{re.escape(base)}(-[0-9]{{1,9}})?$").values_list(
            "key", flat=True
        )
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)
