"""Metric reads for pages: snapshots only (never the raw tables), scoped to the organisation, a
fixed number of queries whatever the data size. The drill-down, which lists records, lives in
metrics/drilldown.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Max, Min, Q, QuerySet, Subquery
from django.utils import timezone

from collab.models import Organisation, Team
from metrics.computations import week_index, week_label
from metrics.loaders import fetch_rows
from metrics.models import MetricSnapshot, RecomputeRun, Watermark
from metrics.services import (
    QUEUE_ERRORS,
    WINDOW_KINDS,
    current_week,
    debounce_seconds,
    queued_key,
    shift_week,
)

logger = logging.getLogger(__name__)

TREND_WEEKS = 13
# A nightly job that did not run for this long means the numbers are stale.
STALE_AFTER = timedelta(hours=26)
# A recompute started this long ago and not finished was killed or is stuck.
STUCK_AFTER = timedelta(minutes=15)
# Queued changes waiting this long past their debounce delay mean no worker is taking jobs.
WORKER_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class Point:
    """One snapshot: a metric's result for one window ending at `end`."""

    team_id: int | None
    metric: str
    start: str
    end: str
    value: float | None
    numerator: float | None
    denominator: float | None
    cohort: int
    extra: dict[str, Any]


_POINT_FIELDS = (
    "team_id",
    "metric",
    "window_start",
    "window_end",
    "value",
    "numerator",
    "denominator",
    "cohort",
    "extra",
)


def trend_weeks(end: str, count: int = TREND_WEEKS) -> list[str]:
    """The `count` weeks ending with `end`, oldest first."""
    last = week_index(end)
    return [week_label(index) for index in range(last - count + 1, last + 1)]


def window_start(kind: str, end: str) -> str:
    """The first week of the window of `kind` ending with `end`."""
    return shift_week(end, -(WINDOW_KINDS[kind] - 1))


def snapshot_points(*, org: Organisation, kind: str, weeks: list[str], where: Q | None = None) -> list[Point]:
    """Snapshots of windows of `kind` ending in `weeks` (and matching `where`), as points. Found by
    their first weeks: the snapshots' unique index leads with (organisation, kind, first week)."""
    starts = [window_start(kind, week) for week in weeks]
    rows = MetricSnapshot.objects.filter(org=org, window_kind=kind, window_start__in=starts)
    if where is not None:
        rows = rows.filter(where)
    return [Point(*row) for row in fetch_rows(rows.values_list(*_POINT_FIELDS))]


ALL_TEAMS = "all"  # a part of `snapshot_points_any` reading every team's snapshots and the organisation's


@dataclass(frozen=True)
class Part:
    """Which snapshots `snapshot_points_any` reads: windows ending in `weeks`, of `metrics`, whose
    team is `team` (a team id, None for the organisation's own, ALL_TEAMS for every team and the
    organisation's); `full=False` reads only the values (a trend's earlier weeks: a chart's points
    need nothing else, and the other columns, the JSON above all, cost several times as much)."""

    weeks: Sequence[str]
    metrics: Sequence[str]
    team: int | str | None = None
    full: bool = True
    band: bool = False  # with `full=False`: the DORA band too (a table's cell shows it)


def snapshot_points_any(*, org: Organisation, kind: str, parts: Sequence[Part]) -> list[Point]:
    """The snapshots of windows of `kind` of any of `parts`, in one query (a UNION ALL, each branch
    on the unique index), as points; a snapshot several parts read comes once, with its details
    when a part reads them. Plain SQL: a dashboard's parts are few, and the ORM would spend longer
    building the query than PostgreSQL takes to answer it."""
    branches: list[str] = []
    params: list[Any] = []
    for part in parts:
        columns = _FULL_COLUMNS if part.full else _BAND_COLUMNS if part.band else _VALUE_COLUMNS
        where = (
            ""
            if part.team == ALL_TEAMS
            else " AND team_id IS NULL"
            if part.team is None
            else " AND team_id = %s"
        )
        branches.append(f"(SELECT {columns} FROM {_SNAPSHOTS} WHERE {_BRANCH}{where})")  # noqa: S608
        params += [org.pk, kind, [window_start(kind, week) for week in part.weeks], list(part.metrics)]
        if part.team is not None and part.team != ALL_TEAMS:
            params.append(part.team)
    with connection.cursor() as cursor:
        sql = f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS points WHERE {_NOT_PARALLEL}"  # noqa: S608 (constants; values are parameters)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    points: dict[int, Point] = {}
    full: set[int] = set()
    parsed: dict[Any, dict[str, Any]] = {}  # most details are alike ({"band": "high"}): read once
    for pk, team_id, metric, start, end, value, numerator, denominator, cohort, extra in rows:
        if cohort < 0:  # a value-only branch's row (with its band: -2)
            if pk not in points:
                band = _details(extra, parsed) if cohort == -2 else {}
                points[pk] = Point(team_id, metric, start, end, value, None, None, 0, band)
        elif pk not in full:
            full.add(pk)
            details = _details(extra, parsed)
            points[pk] = Point(team_id, metric, start, end, value, numerator, denominator, cohort, details)
    return list(points.values())


def _details(extra: Any, parsed: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """A snapshot's details from their JSON, each distinct text parsed once (`parsed`); each point
    gets its own copy (a caller may add to it)."""
    if not isinstance(extra, str | bytes):
        return dict(extra or {})
    details = parsed.get(extra)
    if details is None:
        details = parsed[extra] = json.loads(extra)
    return dict(details)


# A parallel plan (which PostgreSQL picks for a few branches of thirteen weeks) costs more to start
# its workers, milliseconds, than the whole query takes on one: `current_schema()`, always true
# here, is a function PostgreSQL marks parallel-unsafe, which keeps the query on one process.
_NOT_PARALLEL = "current_schema() IS NOT NULL"
_SNAPSHOTS = MetricSnapshot._meta.db_table
_BRANCH = "org_id = %s AND window_kind = %s AND window_start = ANY(%s) AND metric = ANY(%s)"
_FULL_COLUMNS = "id, team_id, metric, window_start, window_end, value, numerator, denominator, cohort, extra"
# A stored cohort is never negative (a check constraint): -1 marks a value-only row, -2 a value
# with its band.
_VALUE_COLUMNS = (
    "id, team_id, metric, window_start, window_end, value, NULL::float8, NULL::float8, -1, NULL::jsonb"
)
_BAND_COLUMNS = (
    "id, team_id, metric, window_start, window_end, value, NULL::float8, NULL::float8, -2, "
    "jsonb_strip_nulls(jsonb_build_object('band', extra->'band'))"
)


def history_range(*, org: Organisation, kind: str, teams: list[Team] | None = None) -> tuple[str, str] | None:
    """The first and last window end weeks the organisation has snapshots for: as its last
    recompute wrote down (one row, read along with `teams` when they come from `team_list`),
    else from the snapshots."""
    if teams and hasattr(teams[0], "history_first"):
        first, last = getattr(teams[0], "history_first"), getattr(teams[0], "history_last")  # noqa: B009
        mark = (first, last) if first else None
    else:
        mark = _history_mark(org).values_list("first_week", "last_week").first()
    if mark is not None:
        return mark
    bounds = MetricSnapshot.objects.filter(
        org=org, team__isnull=True, window_kind=kind, metric="velocity"
    ).aggregate(first=Min("window_end"), last=Max("window_end"))
    return (bounds["first"], bounds["last"]) if bounds["first"] else None


def _history_mark(org: Organisation) -> QuerySet[Watermark]:
    return Watermark.objects.filter(org=org, team__isnull=True).exclude(first_week="")


def team_list(*, org: Organisation) -> list[Team]:
    """The organisation's teams by name, each carrying the weeks its snapshots cover
    (`history_first`, `history_last`, for `history_range`): one query."""
    mark = _history_mark(org)
    return list(
        Team.objects.filter(org=org)
        .annotate(
            history_first=Subquery(mark.values("first_week")[:1]),
            history_last=Subquery(mark.values("last_week")[:1]),
        )
        .order_by("name", "slug")
    )


@dataclass(frozen=True)
class Frame:
    """What every dashboard page reads before its numbers, in one query: the organisation's teams
    (by name), the weeks its snapshots cover, and its latest recompute runs (newest first)."""

    teams: list[Team]
    history: tuple[str, str] | None
    runs: list[RecomputeRun]


RECENT_RUNS = 20  # the recompute runs `freshness` reads


def dashboard_frame(*, org: Organisation) -> Frame:
    """The teams, history and recent runs of `org` (see `Frame`): one query, whatever the number of
    teams or of runs (the teams carry only their id, slug and name). Plain SQL written once: the
    ORM would spend longer building this query than PostgreSQL takes to answer it."""
    with connection.cursor() as cursor:
        cursor.execute(_frame_sql(), {"org": org.pk})
        team_rows, run_rows, first, last = cursor.fetchone()
    return Frame(
        teams=[
            Team.from_db(DEFAULT_DB_ALIAS, ["id", "org_id", "slug", "name"], (pk, org.pk, slug, name))
            for pk, slug, name in _decoded(team_rows)
        ],
        history=(first, last) if first else None,
        runs=[
            RecomputeRun(
                id=pk,
                org_id=org.pk,
                started_at=datetime.fromisoformat(started_at),
                finished_at=_instant(finished_at),
                ok=ok,
                message=message,
            )
            for pk, started_at, finished_at, ok, message in _decoded(run_rows)
        ],
    )


@lru_cache(maxsize=1)
def _frame_sql() -> str:
    team, run, mark = Team._meta.db_table, RecomputeRun._meta.db_table, Watermark._meta.db_table
    history = f"FROM {mark} WHERE org_id = %(org)s AND team_id IS NULL AND first_week <> '' LIMIT 1"  # noqa: S608
    return (
        f"SELECT (SELECT json_agg(json_build_array(id, slug, name) ORDER BY name, slug) "  # noqa: S608
        f"FROM {team} WHERE org_id = %(org)s), "
        f"(SELECT json_agg(json_build_array(id, started_at, finished_at, ok, message) "
        f"ORDER BY started_at DESC) FROM (SELECT * FROM {run} WHERE org_id = %(org)s "
        f"ORDER BY started_at DESC LIMIT {RECENT_RUNS}) AS recent), "
        f"(SELECT first_week {history}), (SELECT last_week {history})"
    )


def _decoded(value: Any) -> list[Any]:
    """A JSON column: decoded by the driver, or text."""
    return json.loads(value) if isinstance(value, str | bytes) else value or []


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# --- freshness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    last_computed_at: datetime | None  # the last recompute that finished well
    running_since: datetime | None
    failed_at: datetime | None
    failure: str
    stuck_since: datetime | None  # started long ago, never finished (a killed worker)
    stale: bool  # nothing finished well for a day
    queued_since: datetime | None  # changes waiting for a worker for too long
    queue_down: bool  # Redis (cache and broker) unreachable
    version: int  # the latest finished recompute: snapshots change only with a new one

    @property
    def needs_notice(self) -> bool:
        return bool(
            self.last_computed_at is None
            or self.failed_at
            or self.stuck_since
            or self.stale
            or self.queued_since
            or self.queue_down
        )


def freshness(
    *, org: Organisation, now: datetime | None = None, runs: list[RecomputeRun] | None = None
) -> Freshness:
    """When the numbers were last computed, and whether something keeps them from being fresh:
    one query on the recompute log (none given the latest `runs`, newest first, as
    `dashboard_frame` reads them), one Redis read (which fails fast when Redis is down)."""
    now = now or timezone.now()
    if runs is None:
        runs = list(RecomputeRun.objects.filter(org=org).order_by("-started_at")[:RECENT_RUNS])
    last_ok = next((run for run in runs if run.ok and run.finished_at), None)
    latest = runs[0] if runs else None
    running = stuck = failed = None
    failure = ""
    if latest is not None and latest.finished_at is None:
        if now - latest.started_at > STUCK_AFTER:
            stuck = latest.started_at
        else:
            running = latest.started_at
    elif latest is not None and not latest.ok:
        failed, failure = latest.finished_at, latest.message
    queued_since, queue_down = None, False
    try:
        queued = cache.get(queued_key(org.pk))
    except QUEUE_ERRORS as exc:
        logger.warning("metrics dashboards: Redis unreachable: %s", exc)
        queue_down = True
    else:
        if queued is not None:
            since = datetime.fromtimestamp(float(queued), tz=timezone.get_current_timezone())
            if now - since > timedelta(seconds=debounce_seconds()) + WORKER_SLACK:
                queued_since = since
    computed_at = last_ok.finished_at if last_ok else None
    return Freshness(
        last_computed_at=computed_at,
        running_since=running,
        failed_at=failed,
        failure=failure,
        stuck_since=stuck,
        stale=computed_at is not None and now - computed_at > STALE_AFTER,
        queued_since=queued_since,
        queue_down=queue_down,
        version=next((run.pk for run in runs if run.finished_at), 0),
    )


# --- the sync's Velocity section -----------------------------------------------------------------


def _trend(current: float | None, previous: float | None) -> str | None:
    if current is None or previous is None:
        return None
    if abs(current - previous) <= 1e-9 * max(1.0, abs(previous)):
        return "flat"
    return "up" if current > previous else "down"


def team_velocity_summary(team: Team) -> dict[str, Any] | None:
    """The team's velocity and predictability over the last 4 complete weeks, with the 4 weeks
    before for a trend; None until the team has snapshots. Read from snapshots (one query).

    {"from", "to", "previous_from", "previous_to", "computed_at",
     "velocity": {"value", "previous", "trend": "up"|"down"|"flat"|None, "cohort"},
     "predictability": {...same...}}
    """
    org = team.org
    end = shift_week(current_week(org), -1)  # the current week is not over: it would read low
    previous_end = shift_week(end, -4)
    rows = MetricSnapshot.objects.filter(
        org=org,
        team=team,
        window_kind=MetricSnapshot.WindowKind.WEEKS_4,
        metric__in=("velocity", "predictability"),
        window_start__in=(window_start("4w", end), window_start("4w", previous_end)),
    ).values_list("metric", "window_start", "window_end", "value", "cohort", "computed_at")
    found = {
        (metric, window_end): (start, value, cohort, at)
        for metric, start, window_end, value, cohort, at in rows
    }
    if not any(window_end == end for _, window_end in found):
        return None
    summary: dict[str, Any] = {
        "from": shift_week(end, -3),
        "to": end,
        "previous_from": shift_week(previous_end, -3),
        "previous_to": previous_end,
        "computed_at": max(at for *_, at in found.values()),
    }
    for metric in ("velocity", "predictability"):
        _, value, cohort, _ = found.get((metric, end), (None, None, 0, None))
        _, previous, _, _ = found.get((metric, previous_end), (None, None, 0, None))
        summary[metric] = {
            "value": value,
            "previous": previous,
            "trend": _trend(value, previous),
            "cohort": cohort,
        }
    return summary
