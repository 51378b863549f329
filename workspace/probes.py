"""Liveness and readiness for orchestrators and load balancers. Neither depends on a Celery worker:
a worker outage must not take the web service out of rotation (`/healthz` and the status page
report the worker). Bodies say only ok/fail per component: details go to the logs."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workspace.health import check_database, check_redis

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers requests (no dependency checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """The database and Redis answer: this instance can serve pages."""
    checks = {"database": check_database(), "redis": check_redis()}
    for name, check in checks.items():
        if not check["ok"]:
            logger.warning("readiness: %s is down: %s", name, check.get("error", ""))
    ok = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ok else "fail", "checks": {name: c["ok"] for name, c in checks.items()}}
    return JsonResponse(body, status=200 if ok else 503)
