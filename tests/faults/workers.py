"""Real Celery workers (prefork: a main process and a child, in their own process group) on the
test database and a queue of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.metrics.test_tasks_worker import ROOT, database_url, stop, wait_for

__all__ = ["ROOT", "kill_hard", "start_worker", "stop", "stop_quietly", "wait_for"]


def start_worker(queue: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
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
                "prefork",
                "-c",
                "1",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
                "-n",
                f"{queue}-{log.stem}@%h",
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


def stop_quietly(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """kill -9 of the whole worker, main process and child alike (the child, orphaned, is reaped
    by the system a moment later)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)
    wait_for(lambda: not _group_alive(process.pid), timeout=30, what="the worker's child to die")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
