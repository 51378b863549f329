from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from metrics import services
from metrics.models import RecomputeRun
from tests.factories import OrganisationFactory, TeamFactory
from tests.metrics import queues

pytestmark = pytest.mark.django_db(transaction=True)

test_queue = queues.test_queue


def run_started(org, ago, *, team=None, **fields):
    return RecomputeRun.objects.create(org=org, team=team, started_at=timezone.now() - ago, **fields)


@pytest.fixture
def other_session():
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as session:
        yield session


def tasks_queued(test_queue):
    return sorted((m["headers"]["task"], m["headers"]["kwargsrepr"]) for m in test_queue.messages())


def test_a_run_whose_worker_died_is_marked_failed_and_queued_again(test_queue):
    org = OrganisationFactory()
    team = TeamFactory(org=org)
    whole = run_started(org, timedelta(minutes=3))
    partial = run_started(org, timedelta(minutes=3), team=team)
    assert {run.pk for run in services.recompute_runs_recover()} == {whole.pk, partial.pk}
    whole.refresh_from_db()
    assert (whole.ok, whole.message.startswith("WorkerLost")) == (False, True)
    assert whole.finished_at is not None
    assert tasks_queued(test_queue) == [
        ("metrics.tasks.org_metrics_refresh", f"{{'org_id': {org.pk}}}"),
        ("metrics.tasks.team_metrics_refresh", f"{{'team_id': {team.pk}}}"),
    ]
    assert services.recompute_runs_recover() == []  # once


def test_a_run_just_started_or_finished_is_left_alone(test_queue):
    org = OrganisationFactory()
    run_started(org, timedelta(seconds=30))
    run_started(org, timedelta(hours=2), finished_at=timezone.now(), ok=True)
    assert services.recompute_runs_recover() == []
    assert len(test_queue) == 0


def test_a_run_whose_worker_holds_the_lock_is_still_running(test_queue, other_session):
    org = OrganisationFactory()
    run = run_started(org, timedelta(minutes=5))
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", [services._LOCK_CLASS, org.pk])
    assert services.recompute_runs_recover() == []
    # ... until it has run longer than any task may
    RecomputeRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - services.ABANDONED_AFTER)
    assert [lost.pk for lost in services.recompute_runs_recover()] == [run.pk]


def test_a_job_that_keeps_killing_its_worker_is_given_up(test_queue):
    org = OrganisationFactory()
    for hours in range(services.MAX_REQUEUES, 0, -1):
        run_started(org, timedelta(hours=hours), finished_at=timezone.now(), message="WorkerLost: …")
    run_started(org, timedelta(minutes=3))
    assert len(services.recompute_runs_recover()) == 1
    assert len(test_queue) == 0


def test_the_visibility_timeout_exceeds_every_task_time_limit():
    from django.conf import settings

    from config.celery import app

    limits = {
        name: task.time_limit or app.conf.task_time_limit
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    }
    assert all(limits.values()), limits
    assert max(limits.values()) < app.conf.broker_transport_options["visibility_timeout"]
    assert services.ABANDONED_AFTER.total_seconds() > max(limits.values())
    assert app.conf.worker_max_tasks_per_child
    assert "metrics.tasks.recompute_runs_recover" in {job["task"] for job in app.conf.beat_schedule.values()}
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] <= 2
