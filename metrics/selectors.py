"""Metric reads for pages: snapshots only (never the raw tables), scoped to the organisation, a
fixed number of queries whatever the data size. The drill-down, which lists records, lives in
metrics/drilldown.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
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


def snapshot_points_any(*, org: Organisation, kind: str, parts: list[tuple[Q, list[str]]]) -> list[Point]:
    """Snapshots of windows of `kind` matching any of `parts` (each a condition and the window end
    weeks it covers), in one query (a UNION ALL, each branch on the unique index), as points;
    a snapshot matching several parts comes once."""
    queries = [
        MetricSnapshot.objects.filter(
            where, org=org, window_kind=kind, window_start__in=[window_start(kind, week) for week in weeks]
        ).values_list("pk", *_POINT_FIELDS)
        for where, weeks in parts
    ]
    combined = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    seen: set[int] = set()
    points = []
    for pk, *row in fetch_rows(combined):
        if pk not in seen:
            seen.add(pk)
            points.append(Point(*row))
    return points


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


def freshness(*, org: Organisation, now: datetime | None = None) -> Freshness:
    """When the numbers were last computed, and whether something keeps them from being fresh:
    one query on the recompute log, one Redis read (which fails fast when Redis is down)."""
    now = now or timezone.now()
    runs = list(RecomputeRun.objects.filter(org=org).order_by("-started_at")[:20])
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
