from __future__ import annotations

from datetime import timedelta
from time import monotonic

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from collab.models import Team
from config.celery import app as celery_app
from delivery.models import Deployment
from metrics import selectors, services
from metrics.models import MetricSnapshot, RecomputeRun
from tests.faults.conftest import recovered
from tests.faults.workers import kill_hard, start_worker, stop_quietly, wait_for
from tests.metrics import queues
from tests.metrics.example_org import import_example
from tests.metrics.test_tasks_worker import sleeping_backends, velocity_now
from tests.workers import terminate_other_backends

pytestmark = [pytest.mark.fault, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

test_queue = queues.test_queue


def cohort(team, org):
    return velocity_now(team).cohort


def redeliver_unacked() -> int:
    """What another worker does once the visibility timeout has passed (here: at once)."""
    options = {**celery_app.conf.broker_transport_options, "visibility_timeout": 0}
    with celery_app.connection_for_write(transport_options=options) as conn:
        channel = conn.default_channel
        before = channel.client.hlen(channel.unacked_key)
        channel.qos.restore_visible(num=100)
        return before


def test_a_worker_killed_mid_recompute_is_requeued_and_completes_without_duplicates(test_queue, tmp_path):
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    test_queue.purge()
    one, two = (Team.objects.get(org=org, slug=slug) for slug in ("team-1", "team-2"))
    before = {team.pk: cohort(team, org) for team in (one, two)}
    for team in (one, two):
        Deployment.objects.create(
            org=org,
            team=team,
            key=f"late-{team.slug}",
            environment="production",
            result="success",
            finished_at=timezone.now() - timedelta(hours=1),
        )
    with connection.cursor() as cursor:  # team-2's rows take long to write: the recompute is mid-way
        cursor.execute(
            "CREATE FUNCTION slow_snapshot() RETURNS trigger AS $$ "
            "BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER slow_team_two BEFORE INSERT OR UPDATE ON metrics_metricsnapshot "
            f"FOR EACH ROW WHEN (NEW.team_id = {int(two.pk)}) EXECUTE FUNCTION slow_snapshot()"
        )
    first = start_worker(test_queue.name, tmp_path / "first.log")
    second = None
    try:
        assert services.org_metrics_refresh_now(org=org) == "queued"
        wait_for(lambda: cohort(one, org) == before[one.pk] + 1, what="team-1's rows")
        wait_for(sleeping_backends, what="the long write")
        kill_hard(first)
        killed_at = monotonic()
        # PostgreSQL ends a dead client's session when its statement ends; the test does not wait.
        terminate_other_backends()
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER slow_team_two ON metrics_metricsnapshot")
            cursor.execute("DROP FUNCTION slow_snapshot()")

        lost = RecomputeRun.objects.get(org=org, finished_at__isnull=True)
        assert selectors.freshness(org=org).running_since == lost.started_at  # "recomputing since …"

        # The beat job's next tick (every two minutes) finds the run without its lock holder.
        RecomputeRun.objects.filter(pk=lost.pk).update(started_at=lost.started_at - services.ORPHANED_AFTER)
        assert [run.pk for run in services.recompute_runs_recover()] == [lost.pk]
        lost.refresh_from_db()
        assert (lost.ok, lost.finished_at is not None) == (False, True)
        assert selectors.freshness(org=org).running_since is None
        assert services.recompute_runs_recover() == []  # requeued once

        second = start_worker(test_queue.name, tmp_path / "second.log")
        done = wait_for(
            lambda: RecomputeRun.objects.filter(org=org, ok=True, pk__gt=lost.pk).first(),
            timeout=120,
            what="the requeued recompute",
        )
        recovered("worker killed mid-recompute, requeued by the beat job", monotonic() - killed_at)
        assert "snapshots written" in done.message
        assert cohort(two, org) == before[two.pk] + 1  # nothing lost

        # The killed job's own message comes back too, once the visibility timeout has passed:
        # it runs again and changes nothing.
        snapshots = {row["id"]: row["computed_at"] for row in MetricSnapshot.objects.filter(org=org).values()}
        assert redeliver_unacked() >= 1
        rerun = wait_for(
            lambda: RecomputeRun.objects.filter(org=org, ok=True, pk__gt=done.pk).first(),
            timeout=120,
            what="the redelivered job",
        )
        recovered("the killed job redelivered after the visibility timeout", monotonic() - killed_at)
        assert "0 snapshots written" in rerun.message
        assert {
            row["id"]: row["computed_at"] for row in MetricSnapshot.objects.filter(org=org).values()
        } == snapshots
    finally:
        terminate_other_backends()  # first: a sleeping session would hold the tables' locks
        for worker in (first, second):
            stop_quietly(worker)
        terminate_other_backends()
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS slow_team_two ON metrics_metricsnapshot")
            cursor.execute("DROP FUNCTION IF EXISTS slow_snapshot()")
    duplicates = (
        MetricSnapshot.objects.filter(org=org)
        .values("team_id", "metric", "window_kind", "window_start")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert not RecomputeRun.objects.filter(org=org, finished_at__isnull=True).exists()
