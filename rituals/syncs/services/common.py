"""Helpers every sync service shares: the revision bump, row locks, weeks in the organisation's
time zone, per-organisation keys."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime

from django.db import connection
from django.db.models import F, IntegerField, Max
from django.db.models.functions import Cast, Substr

from collab import weeks
from collab.models import Organisation
from rituals.models import Sync

KEY_PREFIX = "S-"
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


def next_sync_key(org: Organisation) -> str:
    """S-<n>, one more than the highest S-<n> of the organisation. Call inside a transaction: an
    advisory lock serialises allocation per organisation until commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_KEY_LOCK_NAMESPACE, org.pk])
    highest = (
        Sync.objects.filter(org=org, key__regex=rf"^{re.escape(KEY_PREFIX)}[0-9]{{1,9}}$")
        .annotate(n=Cast(Substr("key", len(KEY_PREFIX) + 1), IntegerField()))
        .aggregate(top=Max("n"))["top"]
    )
    return f"{KEY_PREFIX}{(highest or 0) + 1}"
