"""Real Celery workers for the tests that need one (tasks, connectors, faults)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def wait_for(condition: Callable[[], Any], *, timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no orphan left in its group


def terminate_other_backends() -> None:
    """A killed worker's PostgreSQL session may linger mid-statement; end it before the flush."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def start_worker(
    queue: str, log: Path, *, pool: str = "solo", name: str = "", **env: str
) -> subprocess.Popen[bytes]:
    """A real Celery worker on the test database and `queue`, in its own process group (stop it with
    `stop`); `pool="prefork"` gives a main process and one child, as in production."""
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "TESTING": "1",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                pool,
                *(["-c", "1"] if pool == "prefork" else []),
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
                "-n",
                f"{name or queue}@%h",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for(
        lambda: b"ready." in log.read_bytes() or process.poll() is not None, timeout=90, what="the worker"
    )
    assert process.poll() is None, log.read_text(errors="replace")
    return process
