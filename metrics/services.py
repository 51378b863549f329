"""Metric writes: compute from the raw tables, run the recomputes (`metrics.recompute`) one at a
time per organisation, enqueue them (debounced), and recover those whose worker was lost.

Each team's rows are written in one transaction with the watermarks that describe them (see
`metrics.recompute`). Recomputes of one organisation run one at a time (a PostgreSQL advisory
lock): a job loads the rows committed before it starts, and never overwrites newer snapshots with
older numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from collab.models import Organisation, Team
from metrics.computations import compute_window, parse_week, week_index
from metrics.loaders import load_frames_timed
from metrics.models import RecomputeRun
from metrics.recompute import (  # noqa: F401 (the names the callers know from here)
    ANALYZE_AFTER_ROWS,
    FULL_EVERY,
    MAX_HISTORY_WEEKS,
    WINDOW_KINDS,
    RecomputeReport,
    current_week,
    org_targets,
    recompute,
    shift_week,
)

logger = logging.getLogger(__name__)

# Changes within this many seconds make one job, which runs this many seconds after the first
# (settings.METRICS_REFRESH_DEBOUNCE_SECONDS overrides it, e.g. in tests with a real worker).
DEBOUNCE_SECONDS = 1
QUEUED_MARKER_SECONDS = 7 * 24 * 3600
RUN_RETENTION = timedelta(days=30)
_LOCK_CLASS = 0x6D7472  # pg_advisory_lock(class, org id): "mtr"
# Transient failures of Redis or the broker: the change is kept, the nightly recompute catches up.
# A Redis that refuses connections or does not answer (the socket timeouts of config/settings.py)
# raises redis-py's ConnectionError/TimeoutError (RedisError), kombu's OperationalError (KombuError)
# or a socket error (OSError).
QUEUE_ERRORS: tuple[type[BaseException], ...] = (RedisError, KombuError, OSError)
# A run unfinished this long after it started whose organisation's lock nobody holds lost its
# worker (a run takes the lock a moment after it is recorded); after the longest a task may take
# (its hard time limit) plus a margin, a run still unfinished is abandoned anyway.
ORPHANED_AFTER = timedelta(minutes=2)
ABANDONED_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + timedelta(minutes=4)
# A job that kills its worker each time (out of memory) is queued again this many times at most.
MAX_REQUEUES = 3


# --- computing from the raw tables (the command line) --------------------------------------------


def metrics_compute(
    *, org: Organisation, first_week: str, last_week: str, team: Team | None = None
) -> list[dict[str, Any]]:
    """Every metric over the window, straight from the raw tables: for each team of the
    organisation and the organisation itself, or for `team` only. Raises ValueError for a bad
    week or a window that ends before it starts."""
    parse_week(first_week)
    parse_week(last_week)
    if week_index(last_week) < week_index(first_week):
        raise ValueError(f"the window ends ({last_week}) before it starts ({first_week})")
    loaded = load_frames_timed(org=org, team=team, since=first_week)
    slugs = (
        [team.slug]
        if team
        else list(Team.objects.filter(org=org).order_by("slug").values_list("slug", flat=True))
    )
    return compute_window(
        loaded.frames,
        tz=org.time_zone,
        first_week=first_week,
        last_week=last_week,
        teams=slugs,
        include_org=team is None,
        targets=org_targets(org),
    )


# --- refresh jobs --------------------------------------------------------------------------------


def team_metrics_refresh(*, team_id: int) -> RecomputeReport | None:
    """After a change to the team's records: recompute the windows containing the weeks whose
    records moved, for the team and the organisation (see the module's docstring)."""
    team = Team.objects.select_related("org").filter(pk=team_id).first()
    if team is None:
        logger.info("metrics refresh: team %s no longer exists", team_id)
        return None
    return _refresh(org=team.org, team=team, mode="team")


def org_metrics_refresh(*, org_id: int) -> RecomputeReport | None:
    """Recompute every snapshot of the organisation, every team, since its first record."""
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        logger.info("metrics refresh: organisation %s no longer exists", org_id)
        return None
    return _refresh(org=org, team=None, mode="full")


def org_metrics_catch_up(*, org_id: int) -> RecomputeReport | None:
    """Nightly: take in the changes announced and not yet recomputed, and the weeks begun since
    the last recompute; nothing else. A full recompute instead when the targets or the teams
    changed, after an organisation-wide change, or when the last one is `FULL_EVERY` old."""
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        logger.info("metrics refresh: organisation %s no longer exists", org_id)
        return None
    return _refresh(org=org, team=None, mode="catch-up")


def _refresh(*, org: Organisation, team: Team | None, mode: str) -> RecomputeReport:
    run = RecomputeRun.objects.create(org=org, team=team, started_at=timezone.now())
    try:
        with _org_lock(org.pk):
            report = recompute(org=org, team=team, mode=mode)
    except BaseException as exc:  # a killed worker (SystemExit) too: record why, then let it go
        RecomputeRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), ok=False, message=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    RecomputeRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), ok=True, message=report.summary()
    )
    RecomputeRun.objects.filter(org=org, started_at__lt=timezone.now() - RUN_RETENTION).delete()
    _clear_queued(org.pk)
    logger.info("metrics refresh: %s", report.summary())
    return report


@contextmanager
def _org_lock(org_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_CLASS, org_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, org_id])


# --- enqueuing, debounced ------------------------------------------------------------------------


def queued_key(org_id: int) -> str:
    """Cache key holding when the oldest recompute still waiting for a worker was queued."""
    return f"metrics:queued:org:{org_id}"


def team_metrics_refresh_later(*, team_id: int) -> None:
    """Recompute the team's metrics in a minute. The first change of a minute enqueues the job;
    the others of that minute ride along (the job loads the rows when it runs). Call it from
    `transaction.on_commit`. If Redis is down, log and skip: the nightly recompute catches up."""
    from metrics import tasks

    _later(
        f"metrics:debounce:team:{team_id}",
        tasks.team_metrics_refresh,
        {"team_id": team_id},
        org_id=lambda: Team.objects.filter(pk=team_id).values_list("org_id", flat=True).first(),
    )


def org_metrics_refresh_later(*, org_id: int) -> None:
    """Recompute every snapshot of the organisation in a minute (debounced like the team's)."""
    from metrics import tasks

    _later(
        f"metrics:debounce:org:{org_id}", tasks.org_metrics_refresh, {"org_id": org_id}, org_id=lambda: org_id
    )


def debounce_seconds() -> int:
    return int(getattr(settings, "METRICS_REFRESH_DEBOUNCE_SECONDS", DEBOUNCE_SECONDS))


def _later(key: str, task: Any, kwargs: dict[str, Any], *, org_id: Callable[[], int | None]) -> None:
    delay = debounce_seconds()
    try:
        # The job runs when the key expires: a change that found the key committed before the
        # job loads its rows.
        if not cache.add(key, 1, timeout=delay):
            return
        try:
            task.apply_async(kwargs=kwargs, countdown=delay, retry=False)
        except QUEUE_ERRORS:
            cache.delete(key)  # let the next change try again
            raise
        org = org_id()
        if org is not None:
            _mark_queued(org)
    except QUEUE_ERRORS as exc:
        logger.warning("metrics refresh not queued (%s): %s; the nightly recompute will catch up", key, exc)


def org_metrics_refresh_now(*, org: Organisation) -> str:
    """The "Recompute now" button: queue the organisation's recompute for a worker, or, when the
    broker is unreachable, compute it on this request. Returns "queued" or "computed"."""
    from metrics import tasks

    try:
        tasks.org_metrics_refresh.apply_async(kwargs={"org_id": org.pk}, retry=False)
    except QUEUE_ERRORS as exc:
        logger.warning("metrics recompute of %s not queued (%s): computing it now", org.slug, exc)
        org_metrics_refresh(org_id=org.pk)
        return "computed"
    _mark_queued(org.pk)
    return "queued"


def _mark_queued(org_id: int) -> None:
    try:
        cache.add(queued_key(org_id), timezone.now().timestamp(), timeout=QUEUED_MARKER_SECONDS)
    except QUEUE_ERRORS as exc:
        logger.warning("metrics: could not mark organisation %s as queued: %s", org_id, exc)


def _clear_queued(org_id: int) -> None:
    try:
        cache.delete(queued_key(org_id))
    except QUEUE_ERRORS as exc:
        logger.warning("metrics: could not clear the queued marker of organisation %s: %s", org_id, exc)


# --- recomputes whose worker was lost ------------------------------------------------------------


def recompute_runs_recover(*, now: datetime | None = None) -> list[RecomputeRun]:
    """Beat (config/celery.py): a recompute whose worker was killed (`kill -9`, out of memory, a
    lost machine) is marked failed, so the dashboards stop saying "recomputing since", and queued
    again (runs are idempotent). The broker would redeliver its message only after the visibility
    timeout. Returns the runs given up on."""
    now = now or timezone.now()
    candidates = RecomputeRun.objects.filter(finished_at__isnull=True, started_at__lt=now - ORPHANED_AFTER)
    lost = [
        run
        for run in candidates.order_by("started_at")
        if run.started_at < now - ABANDONED_AFTER or not _org_lock_held(run.org_id)
    ]
    for run in lost:
        # Only the first to mark it requeues it (two beat ticks, or a redelivered message finishing).
        if not RecomputeRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            finished_at=now, ok=False, message=f"WorkerLost: no progress since {run.started_at.isoformat()}"
        ):
            continue
        same_scope = {"team_id": run.team_id} if run.team_id is not None else {"team__isnull": True}
        if RecomputeRun.objects.filter(org_id=run.org_id, ok=True, pk__gt=run.pk, **same_scope).exists():
            continue  # a later run (a retry of its task) already did the work
        if _requeues(run) >= MAX_REQUEUES:
            logger.error(
                "metrics: recompute of organisation %s lost its worker again; not requeued", run.org_id
            )
            continue
        _requeue(run)
    return lost


def _org_lock_held(org_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 2)",
            [_LOCK_CLASS, org_id],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _requeues(run: RecomputeRun) -> int:
    """How many runs of the same scope in a row, before this one, lost their worker."""
    count = 0
    same_scope = {"team_id": run.team_id} if run.team_id is not None else {"team__isnull": True}
    earlier = RecomputeRun.objects.filter(org_id=run.org_id, started_at__lt=run.started_at, **same_scope)
    for previous in earlier.order_by("-started_at")[:MAX_REQUEUES]:
        if previous.ok or not previous.message.startswith("WorkerLost"):
            break
        count += 1
    return count


def _requeue(run: RecomputeRun) -> None:
    from metrics import tasks

    task, kwargs = (
        (tasks.org_metrics_refresh, {"org_id": run.org_id})
        if run.team_id is None
        else (tasks.team_metrics_refresh, {"team_id": run.team_id})
    )
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except QUEUE_ERRORS as exc:  # the nightly recompute catches up
        logger.warning("metrics: lost recompute of organisation %s not requeued: %s", run.org_id, exc)
        return
    _mark_queued(run.org_id)
    logger.warning("metrics: recompute of organisation %s lost its worker; queued again", run.org_id)
