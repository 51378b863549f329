"""Thin Celery tasks: they take ids and call the services. Safe to run twice (snapshots are
upserted under their unique constraint); late acks, so a job whose worker died runs again; only
transient database errors are retried."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from collab.models import Organisation
from metrics import services

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    name="metrics.tasks.team_metrics_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def team_metrics_refresh(team_id: int) -> None:
    services.team_metrics_refresh(team_id=team_id)


@shared_task(
    name="metrics.tasks.org_metrics_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def org_metrics_refresh(org_id: int) -> None:
    services.org_metrics_refresh(org_id=org_id)


@shared_task(
    name="metrics.tasks.recompute_all_organisations",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def recompute_all_organisations() -> None:
    """Nightly (config/celery.py's beat schedule): one full recompute job per organisation, so
    each retries on its own."""
    for org_id in Organisation.objects.order_by("id").values_list("id", flat=True):
        org_metrics_refresh.delay(org_id=org_id)
