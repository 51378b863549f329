"""Recomputing the snapshots (the work of `metrics.services`' refresh jobs).

What a recompute covers (the snapshot rows it may rewrite):
- `team_metrics_refresh` after changes that each said from which instant they can move the metrics
  (`since`, e.g. a deployment recorded through the intake API or a webhook: `delivery.changes`) —
  the windows of the team and the organisation that contain a week from the earliest of them on,
  of the metrics reading the records they named (`records`; `metrics.computations.inputs`), the
  organisation's rows of those tables loaded from the first week those windows read; the team's
  history is not compared, and its digests of those weeks are marked unknown (the next comparison
  computes them). Records no metric reads (pull requests): nothing is computed.
- `team_metrics_refresh` (a second after any other change to a team's records) — the team's records are
  digested week by week (`metrics.computations.digests`) and compared with the digests stored in
  its watermark (`metrics.watermarks`): only the windows containing a week whose records moved are
  computed again, for the team and the organisation (whose pooled cohorts contain the team's);
  the organisation's rows are loaded from the first week those windows read. Nothing moved:
  nothing is computed.
- `org_metrics_catch_up` (nightly) — the changes the apps below announced and no job took in (the
  change log, `RecordChange`), as above, and the weeks begun since the last recompute for every
  team. With nothing announced and the same week, it reads the watermarks and stops.
- `org_metrics_refresh` (after an import or a targets change, `metrics recompute`, the "Recompute
  now" button, and whatever the above cannot place: a change before the first week computed, new
  targets or teams, a week after the last full one) — every week from the earliest record to the
  current week, for every team and the organisation; its digests become the new watermarks.
Each covers weekly, rolling 4-week and 13-week windows ending at each of those weeks. Only rows
whose numbers changed are written: a rerun on unchanged data writes nothing. The engine gives the
results column-wise (`compute_table`); the stored rows are read in bulk and compared as arrays
(`Snapshots.compare`, `metrics.snapshot_store`); the rows that differ are upserted — or, when
none is stored yet, copied straight into the table.

Each team's rows are written in one transaction with the watermarks that describe them (the
organisation's in its own, last; a team refresh writes its team's and the organisation's
together), so a worker killed mid-job leaves the previous snapshots of the unfinished team intact.
Recomputes of one organisation run one at a time (a PostgreSQL advisory lock): a job loads the
rows committed before it starts, and never overwrites newer snapshots with older numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from collab import weeks
from collab.models import Organisation, Team
from metrics import snapshot_store, watermarks
from metrics.computations import (
    DEFAULT_TARGETS,
    METRICS,
    Snapshots,
    compute_table,
    week_index,
    week_label,
)
from metrics.computations.digests import Digests, changed_weeks, week_digests
from metrics.computations.inputs import metrics_reading, tables_read
from metrics.computations.snapshots import Changes
from metrics.loaders import load_frames_timed, load_later
from metrics.meanwhile import Meanwhile
from metrics.models import MetricSnapshot

WINDOW_KINDS: dict[str, int] = {
    MetricSnapshot.WindowKind.WEEK: 1,
    MetricSnapshot.WindowKind.WEEKS_4: 4,
    MetricSnapshot.WindowKind.WEEKS_13: 13,
}
# A full recompute starts at the earliest record, but no further back than this (a typo'd
# planned week of 2001 must not make the nightly job write twenty years of empty windows).
MAX_HISTORY_WEEKS = 5 * 52
# The nightly catch-up compares everything (a full recompute) when the last full one is this old:
# records written without announcing it (a fix in the database by hand) show within a week.
FULL_EVERY = timedelta(days=7)
ANALYZE_AFTER_ROWS = 10_000  # a recompute writing this many snapshots refreshes their statistics

# --- weeks and targets ---------------------------------------------------------------------------


def current_week(org: Organisation, *, now: datetime | None = None) -> str:
    """The ISO week, in the organisation's time zone, that contains `now`."""
    return weeks.week_of(now or timezone.now(), org.time_zone)


shift_week = weeks.shift_week


def org_targets(org: Organisation) -> dict[str, Any]:
    """The organisation's target overrides the engine understands (others are ignored)."""
    targets = org.targets if isinstance(org.targets, dict) else {}
    return {metric: value for metric, value in targets.items() if metric in DEFAULT_TARGETS}


# --- snapshots -----------------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    org: str
    scope: str  # a team's slug, or "organisation"
    first_week: str
    last_week: str
    groups: int = 0  # teams, plus the organisation
    rows_loaded: int = 0
    results: int = 0
    written: int = 0
    deleted: int = 0
    load_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    teams_written: list[str] = field(default_factory=list)
    org_id: int = 0

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.compute_seconds + self.write_seconds

    def summary(self) -> str:
        return (
            f"{self.org} ({self.scope}): weeks {self.first_week}..{self.last_week}, "
            f"{self.groups} groups, {self.results} windows, {self.written} snapshots written, "
            f"{self.deleted} removed; {self.rows_loaded} rows loaded in {self.load_seconds:.2f} s, "
            f"computed in {self.compute_seconds:.2f} s, written in {self.write_seconds:.2f} s"
        )


@dataclass(frozen=True)
class _State:
    """What a recompute starts from."""

    org: Organisation
    teams: list[Team]  # every team, by slug
    last: str  # the current week
    signature: str
    upto: int  # the last change of the log it takes in
    mark: Any  # the organisation's Watermark, or None


def recompute(*, org: Organisation, team: Team | None, mode: str) -> RecomputeReport:
    teams = list(Team.objects.filter(org=org).order_by("slug"))
    state = _State(
        org=org,
        teams=teams,
        last=current_week(org),
        signature=watermarks.signature(targets=org_targets(org), teams=teams),
        upto=watermarks.change_log_end(org),
        mark=watermarks.organisation_mark(org),
    )
    mark = state.mark
    if (
        mode == "full"
        or mark is None
        or mark.signature != state.signature
        or week_index(mark.last_week) > week_index(state.last)  # the clock went back: start over
        or (mode == "catch-up" and (mark.full_at is None or timezone.now() - mark.full_at > FULL_EVERY))
    ):
        return _recompute_full(state)
    if team is not None:
        reach = watermarks.pending_reach(org, team=team, upto=state.upto)
        return (
            (_recompute_since(state, team=team, reach=reach) if reach is not None else None)
            or _recompute_changes(state, check=[team], rollover=False, scope=team)
            or _recompute_full(state)
        )
    waiting = watermarks.pending(org, upto=state.upto)
    if waiting.everything:
        return _recompute_full(state)
    check = [t for t in teams if t.pk in waiting.teams]
    rollover = mark.last_week != state.last
    return _recompute_changes(state, check=check, rollover=rollover, scope=None) or _recompute_full(state)


def _recompute_full(state: _State) -> RecomputeReport:
    """Every week from the earliest record (at most `MAX_HISTORY_WEEKS` back), every team and the
    organisation; then every team's week digests, anew."""
    org, teams, last = state.org, state.teams, state.last
    widest = max(WINDOW_KINDS.values())
    # The stored rows to compare with are read on a second connection while this one loads and
    # the engine computes (when possible): the database works while Python does.
    stored = snapshot_store.stored_later(
        org_id=org.pk, metrics=METRICS, kinds=list(WINDOW_KINDS), team_id=None, first=None
    )
    loaded = load_frames_timed(org=org)
    first = max(min(loaded.first_week or last, last), shift_week(last, -(MAX_HISTORY_WEEKS - 1)))
    report = RecomputeReport(
        org=org.slug,
        org_id=org.pk,
        scope="organisation",
        first_week=first,
        last_week=last,
        groups=len(teams) + 1,
        rows_loaded=loaded.rows,
        load_seconds=loaded.seconds,
    )

    began = perf_counter()
    table = compute_table(
        loaded.frames,
        tz=org.time_zone,
        first_week=first,
        last_week=last,
        widths=tuple(WINDOW_KINDS.values()),
        teams=[team.slug for team in teams],
        include_org=True,
        targets=org_targets(org),
        metrics=METRICS,
    )
    snapshots = Snapshots(table, team_ids=[*(team.pk for team in teams), 0], kinds=list(WINDOW_KINDS))
    week_lo = week_index(first) - widest + 1
    # The week digests are only stored at the end: computed meanwhile, while the database writes.
    digests = Meanwhile(
        week_digests,
        loaded.frames,
        tz=org.time_zone,
        lo=week_lo,
        hi=week_index(last),
        teams=[team.slug for team in teams],
        targets=org_targets(org),
        database=False,
    )
    report.results = len(snapshots)
    report.compute_seconds = perf_counter() - began

    began = perf_counter()
    stored_rows = stored.result()
    changes = snapshots.compare(stored_rows, stale=True)
    now = timezone.now()
    if not len(stored_rows) and len(changes.rows):
        # Nothing stored yet (a first recompute): every row in one bulk load.
        apart = not transaction.get_connection().in_atomic_block  # not within a caller's (a test's)
        with transaction.atomic():
            report.written += snapshot_store.write_new(
                org_id=org.pk, snapshots=snapshots, rows=changes.rows, computed_at=now, apart=apart
            )
            report.teams_written = [*(team.slug for team in teams), "organisation"]
            _save_full_marks(state, digests.result(), week_lo=week_lo, first=first)
    else:
        # Teams first, the organisation last, each in its own transaction.
        for group in range(len(teams) + 1):
            with transaction.atomic():
                report.written += _write_group(report, snapshots, changes, group, teams)
                report.deleted += snapshot_store.delete(ids=changes.stale.get(group, []))
                if group == len(teams):
                    _save_full_marks(state, digests.result(), week_lo=week_lo, first=first)
    if report.written >= ANALYZE_AFTER_ROWS:
        # The pages' queries plan with the table's statistics: refresh them now rather than
        # when autovacuum comes by (a minute later, or never where it is off).
        snapshot_store.analyze()
    report.write_seconds = perf_counter() - began
    return report


def _save_full_marks(state: _State, digests: dict[str, Digests], *, week_lo: int, first: str) -> None:
    watermarks.replace_all(
        state.org,
        digests={team.pk: digests[team.slug] for team in state.teams},
        week_lo=week_lo,
        first_week=first,
        last_week=state.last,
        signature=state.signature,
    )
    watermarks.taken_in(state.org, upto=state.upto)


def _write_group(
    report: RecomputeReport, snapshots: Snapshots, changes: Changes, group: int, teams: Sequence[Team]
) -> int:
    """Upsert the changed rows of one group (a team, or the organisation after the teams)."""
    rows = snapshots.group_rows(group)
    mine = changes.rows[(changes.rows >= rows.start) & (changes.rows < rows.stop)]
    written = snapshot_store.write(
        org_id=report.org_id, columns=snapshots.columns(mine), computed_at=timezone.now()
    )
    if written:
        report.teams_written.append(teams[group].slug if group < len(teams) else "organisation")
    return written


def _recompute_since(state: _State, *, team: Team, reach: watermarks.Reach) -> RecomputeReport | None:
    """The windows of `team` and the organisation that contain a week from the week of
    `reach.since` on (every change of the team up to `state.upto` said it moves nothing earlier),
    of the metrics reading the records the changes named (all when one did not say): the
    organisation's rows of those tables are loaded from the first week those windows read, the
    team's history is not compared. The team's digests of those weeks are then marked unknown (its
    next comparison computes them again). None when a full recompute or a comparison is needed
    instead (a week before the first computed, a team without digests)."""
    org, last, mark = state.org, state.last, state.mark
    widest = max(WINDOW_KINDS.values())
    hi = week_index(last)
    week = week_index(weeks.week_of(reach.since, org.time_zone))
    chosen = list(METRICS) if reach.records is None else metrics_reading(reach.records)
    report = RecomputeReport(
        org=org.slug, org_id=org.pk, scope=team.slug, first_week=week_label(week), last_week=last, groups=2
    )
    if not chosen:  # records no metric reads (pull requests): nothing to compute or compare
        watermarks.taken_in(org, upto=state.upto, team=team)
        return report
    stored_digests = watermarks.team_digests(org, [team]).get(team.pk)
    if week < week_index(mark.first_week) or stored_digests is None:
        return None
    snapshots = changes = None
    if week <= hi:  # a later week is in no window yet (the week it begins computes it)
        loaded = load_frames_timed(org=org, since=week_label(week - widest + 1), tables=tables_read(chosen))
        report.rows_loaded, report.load_seconds = loaded.rows, loaded.seconds
        began = perf_counter()
        table = compute_table(
            loaded.frames,
            tz=org.time_zone,
            first_week=week_label(week),
            last_week=last,
            widths=tuple(WINDOW_KINDS.values()),
            teams=[team.slug],
            include_org=True,
            targets=org_targets(org),
            metrics=chosen,
        )
        snapshots = Snapshots(table, team_ids=[team.pk, 0], kinds=list(WINDOW_KINDS))
        report.results = len(snapshots)
        report.compute_seconds = perf_counter() - began
    began = perf_counter()
    if snapshots is not None:
        stored = snapshot_store.read_stored(
            org_id=org.pk,
            metrics=snapshots.metrics,  # the other metrics' rows are left as they are
            kinds=list(WINDOW_KINDS),
            team_id=team.pk,
            first=week_label(week),
            widest=widest,
        )
        changes = snapshots.compare(stored, stale=False)
    with transaction.atomic():
        watermarks.forget_weeks(org, team, stored_digests, first=min(week, hi + 1), last=hi + 1)
        if snapshots is not None and changes is not None:
            for group in (0, 1):
                report.written += _write_group(report, snapshots, changes, group, [team])
        watermarks.taken_in(org, upto=state.upto, team=team)
    report.write_seconds = perf_counter() - began
    return report


def _recompute_changes(
    state: _State, *, check: Sequence[Team], rollover: bool, scope: Team | None
) -> RecomputeReport | None:
    """The windows containing the weeks whose records moved (of the teams `check`, by their week
    digests), and, after `rollover`, the weeks begun since the last recompute for every team; for
    those teams and the organisation. None when a full recompute is needed instead (a change
    before the first week computed, a team without digests)."""
    org, last, mark = state.org, state.last, state.mark
    widest = max(WINDOW_KINDS.values())
    hi, first = week_index(last), week_index(mark.first_week)
    report = RecomputeReport(
        org=org.slug,
        org_id=org.pk,
        scope=scope.slug if scope else "organisation, changes",
        first_week=last,
        last_week=last,
    )
    began = perf_counter()
    before = watermarks.team_digests(org, check)
    # Most changes are of this week: the organisation's rows its windows read are loaded on a
    # second connection meanwhile (used when the change is no older).
    recent = hi
    speculative = load_later(org=org, since=week_label(recent - widest + 1))
    now_digests: dict[int, Digests] = {}
    starts, ends, moved = [], [], []
    for team in check:
        if team.pk not in before:
            return None
        loaded = load_frames_timed(org=org, team=team)  # every week: a change may be back-dated
        report.rows_loaded += loaded.rows
        digests = week_digests(
            loaded.frames,
            tz=org.time_zone,
            lo=mark.week_lo,
            hi=hi,
            teams=[team.slug],
            targets=org_targets(org),
        )[team.slug]
        now_digests[team.pk] = digests
        weeks = changed_weeks(before[team.pk], digests)
        weeks = weeks[weeks <= hi]  # later weeks are in no window yet
        if len(weeks):
            if int(weeks.min()) < first:
                return None
            moved.append(team)
            starts.append(int(weeks.min()))
            ends.append(min(int(weeks.max()) + widest - 1, hi))
    new_first = first
    if rollover:
        starts.append(week_index(mark.last_week) + 1)
        ends.append(hi)
        new_first = max(first, week_index(shift_week(last, -(MAX_HISTORY_WEEKS - 1))))
    report.load_seconds = perf_counter() - began
    groups = list(state.teams) if rollover else moved
    if starts:
        a, b = min(starts), max(ends)
        report.first_week, report.last_week = week_label(a), week_label(b)
        report.groups = len(groups) + 1
        began = perf_counter()
        loaded = (
            speculative.result()
            if a >= recent
            else load_frames_timed(org=org, since=week_label(a - widest + 1))
        )
        report.rows_loaded += loaded.rows
        report.load_seconds += perf_counter() - began
        began = perf_counter()
        table = compute_table(
            loaded.frames,
            tz=org.time_zone,
            first_week=week_label(a),
            last_week=week_label(b),
            widths=tuple(WINDOW_KINDS.values()),
            teams=[team.slug for team in groups],
            include_org=True,
            targets=org_targets(org),
            metrics=METRICS,
        )
        snapshots = Snapshots(table, team_ids=[*(team.pk for team in groups), 0], kinds=list(WINDOW_KINDS))
        report.results = len(snapshots)
        report.compute_seconds = perf_counter() - began
        began = perf_counter()
        stored = snapshot_store.read_stored(
            org_id=org.pk,
            metrics=METRICS,
            kinds=list(WINDOW_KINDS),
            team_id=groups[0].pk if len(groups) == 1 else None,
            first=week_label(a),
            widest=widest,
        )
        changes = snapshots.compare(stored, stale=False)
        # A team's refresh writes its team and the organisation together; a catch-up each team
        # in its own transaction, the organisation last.
        batches = [[0, 1]] if scope is not None else [*([g] for g in range(len(groups))), [len(groups)]]
    else:
        began = perf_counter()
        batches, snapshots, changes = [[]], None, None  # nothing moved: the digests only
    for batch in batches:
        with transaction.atomic():
            for group in batch:
                assert snapshots is not None
                assert changes is not None
                report.written += _write_group(report, snapshots, changes, group, groups)
            if batch is batches[-1]:
                if rollover and new_first > first:  # windows now older than the history kept
                    report.deleted += snapshot_store.delete_before(org_id=org.pk, week=week_label(new_first))
                watermarks.save_team_digests(org, now_digests)
                if scope is None:
                    watermarks.advance(mark, first_week=week_label(new_first), last_week=last)
                watermarks.taken_in(org, upto=state.upto, team=scope)
    report.write_seconds = perf_counter() - began
    return report
