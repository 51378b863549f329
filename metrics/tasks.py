"""Thin Celery tasks: they take ids and call the services. Safe to run twice (snapshots are
upserted under their unique constraint); late acks, so a job whose worker died runs again; only
transient database errors are retried. Each has time limits (a full recompute the longest, which
the broker's visibility timeout exceeds: config/settings.py). After a recompute, the dashboards' default pages are
rendered into the page cache (`warm_dashboards`), so that the first view is a cache hit."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from collab.models import Organisation, Team
from metrics import dashboards, services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)

BATCH_QUEUE = "batch"  # config/settings.py routes the nightly recompute here


@shared_task(
    name="metrics.tasks.team_metrics_refresh",
    soft_time_limit=2 * 60,
    time_limit=3 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def team_metrics_refresh(team_id: int) -> None:
    if services.team_metrics_refresh(team_id=team_id) is not None:
        org_id = Team.objects.filter(pk=team_id).values_list("org_id", flat=True).first()
        if org_id is not None:
            _warm_later(org_id=org_id, team_id=team_id)


@shared_task(
    name="metrics.tasks.org_metrics_refresh",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def org_metrics_refresh(org_id: int) -> None:
    if services.org_metrics_refresh(org_id=org_id) is not None:
        _warm_later(org_id=org_id)


@shared_task(
    name="metrics.tasks.org_metrics_catch_up",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def org_metrics_catch_up(org_id: int) -> None:
    report = services.org_metrics_catch_up(org_id=org_id)
    if report is not None and (report.written or report.deleted):
        _warm_later(org_id=org_id)


@shared_task(
    name="metrics.tasks.recompute_all_organisations",
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def recompute_all_organisations() -> None:
    """Nightly (config/celery.py's beat schedule): one catch-up job per organisation (the changes
    not yet taken in, the new week; a full recompute weekly), so each retries on its own."""
    for org_id in Organisation.objects.order_by("id").values_list("id", flat=True):
        # The batch queue: a nightly recompute never makes an interactive refresh wait.
        org_metrics_catch_up.apply_async(kwargs={"org_id": org_id}, queue=BATCH_QUEUE)


@shared_task(
    name="metrics.tasks.recompute_runs_recover",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
)
def recompute_runs_recover() -> int:
    """Beat, every two minutes: queue again the recomputes whose worker was lost."""
    return len(services.recompute_runs_recover())


@shared_task(
    name="metrics.tasks.warm_dashboards",
    soft_time_limit=2 * 60,
    time_limit=3 * 60,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
)
def warm_dashboards(org_id: int, team_id: int | None = None) -> None:
    """Render the organisation's dashboards (and the team's page) into the page cache."""
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        return
    team = Team.objects.filter(pk=team_id, org=org).first() if team_id is not None else None
    dashboards.warm_pages(org=org, team=team)


def _warm_later(*, org_id: int, team_id: int | None = None) -> None:
    try:
        warm_dashboards.apply_async(kwargs={"org_id": org_id, "team_id": team_id}, retry=False)
    except services.QUEUE_ERRORS as exc:  # pages are then rendered on their first view
        logger.warning("metrics: dashboards of organisation %s not warmed: %s", org_id, exc)
