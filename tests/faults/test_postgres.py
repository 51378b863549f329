from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from time import monotonic

import pytest
from django.db import connection

from metrics import services
from metrics.models import MetricSnapshot, RecomputeRun
from metrics.tasks import team_metrics_refresh
from tests.factories import TeamFactory
from tests.faults.conftest import recovered
from tests.faults.workers import ROOT, start_worker, stop, stop_quietly, wait_for
from tests.metrics import queues
from tests.metrics.test_tasks_worker import sleeping_backends
from tests.workers import database_url

pytestmark = [pytest.mark.fault, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

test_queue = queues.test_queue


def other_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def drop_other_backends() -> int:
    pids = other_backends()
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(pids)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (our own server)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def web(tmp_path):
    """gunicorn, as in production: persistent connections (CONN_MAX_AGE=60, checked before reuse)."""
    port = free_port()
    log = tmp_path / "web.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TESTING": "1",
        "CONN_MAX_AGE": "60",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/healthz/ready"
    try:
        wait_for(lambda: process.poll() is not None or get_quietly(url), timeout=60, what="gunicorn")
        assert process.poll() is None, log.read_text(errors="replace")
        yield url
    finally:
        stop(process)


def get_quietly(url: str) -> bool:
    try:
        return get(url) == 200
    except OSError:
        return False


def test_the_next_request_reconnects_after_postgresql_dropped_the_connection(web):
    assert get(web) == 200
    assert drop_other_backends() >= 1  # the web worker's kept connection
    began = monotonic()
    assert get(web) == 200
    recovered("PostgreSQL dropped the web connection: the next request", monotonic() - began)


def test_a_task_whose_connection_postgresql_dropped_is_retried_and_completes(test_queue, tmp_path):
    team = TeamFactory()
    with connection.cursor() as cursor:  # the first write hangs until the test has dropped the session
        cursor.execute("CREATE TABLE fault_once (done boolean NOT NULL)")
        cursor.execute("INSERT INTO fault_once VALUES (false)")
        cursor.execute(
            "CREATE FUNCTION hang_once() RETURNS trigger AS $$ BEGIN "
            "IF NOT (SELECT done FROM fault_once) THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER hang_once BEFORE INSERT OR UPDATE ON metrics_metricsnapshot "
            "FOR EACH ROW EXECUTE FUNCTION hang_once()"
        )
    worker = start_worker(test_queue.name, tmp_path / "worker.log", CONN_MAX_AGE="60")
    try:
        team_metrics_refresh.delay(team_id=team.pk)
        wait_for(sleeping_backends, what="the task's write")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE fault_once SET done = true")
        began = monotonic()
        assert drop_other_backends() >= 1
        done = wait_for(
            lambda: RecomputeRun.objects.filter(team=team, ok=True).first(), what="the retried task"
        )
        recovered("PostgreSQL dropped the worker's connection mid-task: the retry", monotonic() - began)
        assert "snapshots written" in done.message
        assert MetricSnapshot.objects.filter(team=team).exists()
        # The interrupted run could not record its failure on the dropped connection; the beat job
        # closes it without queuing the work again (the retry did it).
        RecomputeRun.objects.filter(team=team, finished_at__isnull=True).update(
            started_at=done.started_at - services.ORPHANED_AFTER
        )
        services.recompute_runs_recover()
        assert len(test_queue) == 0
        assert not RecomputeRun.objects.filter(team=team, finished_at__isnull=True).exists()
    finally:
        drop_other_backends()
        stop_quietly(worker)
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS hang_once ON metrics_metricsnapshot")
            cursor.execute("DROP FUNCTION IF EXISTS hang_once()")
            cursor.execute("DROP TABLE IF EXISTS fault_once")
