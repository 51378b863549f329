"""Real Celery workers (prefork: a main process and a child, in their own process group) on the
test database and a queue of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.workers import ROOT, stop, wait_for
from tests.workers import start_worker as _start_worker

__all__ = ["ROOT", "kill_hard", "start_worker", "stop", "stop_quietly", "wait_for"]


def start_worker(queue: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    return _start_worker(queue, log, pool="prefork", name=f"{queue}-{log.stem}", **env)


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
