"""What the snapshots were computed from, and the changes announced since (metrics.models'
`Watermark` and `RecordChange`): reads and writes for the recomputes (`metrics.recompute`).

A recompute after a change compares each changed team's week digests (`week_digests`) with its
watermark's: only the windows containing a week whose digest moved are computed again. The nightly
catch-up reads the change log: with no change announced, the targets and teams as they were and
the same current week, it checks these rows and stops.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Max
from django.utils import timezone

from collab.models import Organisation, Team
from metrics.computations.digests import Digests
from metrics.models import RecordChange, Watermark


def signature(*, targets: Mapping[str, Any], teams: Sequence[Team]) -> str:
    """What, besides the records, the snapshots depend on: the targets, and the teams (a team
    added, removed or renamed changes every organisation-wide number's groups)."""
    text = json.dumps([targets, [(team.pk, team.slug) for team in teams]], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def change_log_end(org: Organisation) -> int:
    """The latest change announced for the organisation (0 for none): a recompute takes in the
    changes up to this one, those announced while it runs wait for the next."""
    return RecordChange.objects.filter(org=org).aggregate(last=Max("id"))["last"] or 0


@dataclass(frozen=True)
class Pending:
    teams: frozenset[int]  # teams with changes announced
    everything: bool  # a change of the whole organisation (an import)


def pending(org: Organisation, *, upto: int) -> Pending:
    rows = set(
        RecordChange.objects.filter(org=org, id__lte=upto).values_list("team_id", flat=True).distinct()
    )
    return Pending(frozenset(pk for pk in rows if pk is not None), None in rows)


def taken_in(org: Organisation, *, upto: int, team: Team | None = None) -> None:
    """Forget the changes up to `upto` (of `team` only when given): the snapshots show them."""
    changes = RecordChange.objects.filter(org=org, id__lte=upto)
    if team is not None:
        changes = changes.filter(team=team)
    changes.delete()


def change_record(
    *,
    org_id: int | None,
    team_id: int | None,
    since: datetime | None = None,
    records: Sequence[str] | None = None,
) -> None:
    """Append an announced change to the log (the team's organisation found when not given)."""
    if org_id is None and team_id is not None:
        org_id = Team.objects.filter(pk=team_id).values_list("org_id", flat=True).first()
    if org_id is None:
        return
    RecordChange.objects.create(
        org_id=org_id,
        team_id=team_id,
        at=timezone.now(),
        since=since,
        records=",".join(sorted(set(records))) if since is not None and records else "",
    )


@dataclass(frozen=True)
class Reach:
    """How far the changes waiting for a team reach: from the instant `since` on, only the records
    named in `records` (None: any)."""

    since: datetime
    records: frozenset[str] | None


def pending_reach(org: Organisation, *, team: Team, upto: int) -> Reach | None:
    """How far the team's changes up to `upto` reach, when each of them said from when (None when
    one did not, or none is waiting)."""
    rows = list(RecordChange.objects.filter(org=org, team=team, id__lte=upto).values_list("since", "records"))
    instants = [since for since, _ in rows if since is not None]
    if not rows or len(instants) != len(rows):
        return None
    named = [records for _, records in rows]
    return Reach(
        since=min(instants),
        records=None if "" in named else frozenset(",".join(named).split(",")),
    )


def organisation_mark(org: Organisation) -> Watermark | None:
    return Watermark.objects.filter(org=org, team__isnull=True).first()


def team_digests(org: Organisation, teams: Sequence[Team]) -> dict[int, Digests]:
    """The stored week digests of `teams` (those with a watermark)."""
    rows = Watermark.objects.filter(org=org, team__in=list(teams)).values_list("team_id", "weeks", "digests")
    return {
        pk: (np.frombuffer(bytes(weeks), dtype="int64"), np.frombuffer(bytes(digests), dtype="uint64"))
        for pk, weeks, digests in rows
    }


# A week digest no records give (but by a 2⁻⁶⁴ chance): the week's records are not known.
UNKNOWN = np.uint64(0x9E3779B97F4A7C15)


def forget_weeks(org: Organisation, team: Team, stored: Digests, *, first: int, last: int) -> None:
    """Store the team's digests `stored` with its weeks `first`..`last` marked unknown (in the
    caller's transaction): the snapshots were computed without comparing them, so the next
    comparison finds these weeks changed."""
    weeks, digests = stored
    keep = (weeks < first) | (weeks > last)
    unknown = np.arange(first, last + 1, dtype="int64")
    every = np.concatenate([weeks[keep], unknown])
    order = np.argsort(every, kind="stable")
    values = np.concatenate([digests[keep], np.full(len(unknown), UNKNOWN, dtype="uint64")])
    save_team_digests(org, {team.pk: (every[order], values[order])})


def save_team_digests(org: Organisation, digests: Mapping[int, Digests]) -> None:
    """Store each team's week digests (in the caller's transaction)."""
    now = timezone.now()
    for team_id, (weeks, values) in digests.items():
        Watermark.objects.update_or_create(
            org=org,
            team_id=team_id,
            defaults={
                "weeks": np.ascontiguousarray(weeks, dtype="int64").tobytes(),
                "digests": np.ascontiguousarray(values, dtype="uint64").tobytes(),
                "updated_at": now,
            },
        )


def replace_all(
    org: Organisation,
    *,
    digests: Mapping[int, Digests],
    week_lo: int,
    first_week: str,
    last_week: str,
    signature: str,
) -> None:
    """After a full recompute: every team's digests and the organisation's row, anew (in the
    caller's transaction)."""
    now = timezone.now()
    Watermark.objects.filter(org=org).delete()
    Watermark.objects.bulk_create(
        [
            Watermark(
                org=org,
                team_id=team_id,
                weeks=np.ascontiguousarray(weeks, dtype="int64").tobytes(),
                digests=np.ascontiguousarray(values, dtype="uint64").tobytes(),
                updated_at=now,
            )
            for team_id, (weeks, values) in digests.items()
        ]
        + [
            Watermark(
                org=org,
                team=None,
                week_lo=week_lo,
                first_week=first_week,
                last_week=last_week,
                signature=signature,
                full_at=now,
                updated_at=now,
            )
        ]
    )


def advance(mark: Watermark, *, first_week: str, last_week: str) -> None:
    """The organisation's row after a catch-up: the weeks now computed."""
    Watermark.objects.filter(pk=mark.pk).update(
        first_week=first_week, last_week=last_week, updated_at=timezone.now()
    )
