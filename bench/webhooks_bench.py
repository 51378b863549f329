"""Signed GitHub deliveries at a steady rate against a live server and a real Celery worker.

    DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/webhooks_bench.py [--deliveries 1000] [--seconds 60] [--json]

Builds a throwaway organisation with a GitHub connection, starts gunicorn on 127.0.0.1 (a free
port) and a Celery worker, both on this DATABASE_URL and REDIS_URL (the database must be migrated),
then posts `deliveries` signed `push` deliveries (one commit each) evenly over `seconds`. Prints the
answer times (p50, p95, max), how long after the last answer the last delivery was recorded by the
worker, and the longest wait between a delivery's arrival and its recording. With `--json`, one JSON
object is printed last. The organisation is deleted and both processes stopped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")  # a placeholder secret key, shared with the server and worker

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db.models import Max  # noqa: E402

from collab.models import Organisation, Team  # noqa: E402
from integrations import services  # noqa: E402
from integrations.models import Connection, Delivery  # noqa: E402

VENV_BIN = Path(sys.executable).parent
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per delivery


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 — our own gunicorn and celery, fixed arguments
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the server answers anything at `url` (its hook answers a GET with 405)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped; see its log")
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def push_body(index: int, at: datetime) -> bytes:
    sha = hashlib.sha256(f"bench-{index}-{uuid.uuid4()}".encode()).hexdigest()[:40]
    return json.dumps(
        {
            "ref": "refs/heads/main",
            "repository": {"full_name": "bench/shop"},
            "commits": [{"id": sha, "timestamp": at.isoformat(), "message": f"change {index}"}],
        }
    ).encode()


def send_all(url: str, secret: str, deliveries: int, seconds: float) -> tuple[list[float], list[int], float]:
    """Post every delivery at its slot; the answer times in ms, the status codes, the wall time."""
    answers: list[float] = []
    codes: list[int] = []
    lock = threading.Lock()
    start_at = datetime.now(tz=UTC)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    with httpx.Client(timeout=30, limits=limits) as client:

        def send(index: int) -> None:
            body = push_body(index, start_at + timedelta(seconds=index))
            signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "push",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": signature,
            }
            began = time.perf_counter()
            try:
                code = client.post(url, content=body, headers=headers).status_code
            except httpx.HTTPError:
                code = 0
            with lock:
                answers.append((time.perf_counter() - began) * 1000)
                codes.append(code)

        interval = seconds / deliveries
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            for index in range(deliveries):
                delay = began + index * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, index)
        return answers, codes, time.perf_counter() - began


def wait_recorded(connection: Connection, deliveries: int, timeout: float) -> tuple[float, int]:
    """Seconds until no delivery of `connection` is pending any more, and how many are done."""
    began = time.perf_counter()
    done = 0
    while time.perf_counter() - began < timeout:
        done = Delivery.objects.filter(connection=connection).exclude(status=Delivery.Status.PENDING).count()
        if done >= deliveries:
            break
        time.sleep(0.2)
    return time.perf_counter() - began, done


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (4 threads each)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    if args.deliveries < 1 or args.seconds <= 0:
        parser.error("--deliveries and --seconds must be positive")

    slug = f"webhooks-bench-{uuid.uuid4().hex[:8]}"
    org = Organisation.objects.create(slug=slug, name="Webhooks bench")
    team = Team.objects.create(org=org, slug="shop", name="Shop")
    connection, secret = services.connection_create(org=org, provider="github", name="Bench", team=team)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = Path(os.environ.get("BENCH_LOG_DIR") or tempfile.gettempdir())
    server_command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
    ]
    worker_command = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(args.concurrency),
        "--loglevel",
        "WARNING",
        "-Q",
        "celery",
        "-n",
        f"{slug}@%h",
    ]
    try:
        with (
            started(server_command, logs / f"{slug}-server.log") as server,
            started(worker_command, logs / f"{slug}-worker.log"),
        ):
            url = f"{base}/hooks/github/{connection.pk}/"
            wait_ready(url, server)
            answers, codes, sending = send_all(url, secret, args.deliveries, args.seconds)
            drain, recorded = wait_recorded(connection, args.deliveries, timeout=max(120.0, args.seconds * 2))
        lag = (
            Delivery.objects.filter(connection=connection, processed_at__isnull=False)
            .order_by()
            .values_list("processed_at", "received_at")
        )
        longest = max(
            ((done - received).total_seconds() for done, received in lag if done is not None), default=0.0
        )
        last = Delivery.objects.filter(connection=connection).aggregate(last=Max("processed_at"))["last"]
        result: dict[str, Any] = {
            "deliveries": args.deliveries,
            "seconds": args.seconds,
            "sent_in_seconds": round(sending, 2),
            "accepted": sum(1 for code in codes if code == 202),
            "answer_ms_p50": round(statistics.median(answers), 1) if answers else 0.0,
            "answer_ms_p95": round(percentile(answers, 0.95), 1),
            "answer_ms_max": round(max(answers, default=0.0), 1),
            "recorded": recorded,
            "last_recorded_after_last_answer_seconds": round(drain, 2),
            "longest_arrival_to_recorded_seconds": round(longest, 2),
            "last_recorded_at": last.isoformat() if last else None,
        }
    finally:
        Organisation.objects.filter(pk=org.pk).delete()

    print(
        f"{result['accepted']}/{args.deliveries} deliveries accepted (202) in {result['sent_in_seconds']} s"
    )
    print(
        f"answer time: p50 {result['answer_ms_p50']} ms, p95 {result['answer_ms_p95']} ms, "
        f"max {result['answer_ms_max']} ms"
    )
    print(
        f"recorded {recorded}/{args.deliveries}; the last {result['last_recorded_after_last_answer_seconds']} s "
        f"after the last answer; longest arrival → recorded {result['longest_arrival_to_recorded_seconds']} s"
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
