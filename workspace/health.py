"""Health of the real components: database, Redis, and at least one live Celery worker."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError

logger = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc).strip()[:200]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_redis() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_celery(timeout: float = 1.5) -> dict[str, Any]:
    from celery import current_app as app

    try:
        replies = app.control.ping(timeout=timeout) or []
    except (redis.RedisError, OSError) as exc:
        return {"ok": False, "workers": 0, "error": str(exc)[:200]}
    workers = sorted(name for reply in replies for name in reply)
    return {
        "ok": bool(workers),
        "workers": len(workers),
        **({} if workers else {"error": "no worker answered"}),
    }


def health_report() -> dict[str, Any]:
    checks = {"database": check_database(), "redis": check_redis()}
    checks["celery"] = (
        check_celery() if checks["redis"]["ok"] else {"ok": False, "workers": 0, "error": "redis is down"}
    )
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "fail", "checks": checks}


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """What anyone may read: the overall status and ok/failing per component. Error texts name hosts,
    ports and versions; they are for staff and the logs."""
    return {
        "status": report["status"],
        "checks": {name: {"ok": check["ok"]} for name, check in report["checks"].items()},
    }


def log_failures(report: dict[str, Any]) -> None:
    for name, check in report["checks"].items():
        if not check["ok"]:
            logger.warning("health check %s failing: %s", name, check.get("error", ""))
