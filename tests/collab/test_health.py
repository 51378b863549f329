from __future__ import annotations

import pytest

from workspace.health import health_report

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "celery"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    # Without a worker the app is not healthy: 503 with the reason.
    if not body["checks"]["celery"]["ok"]:
        assert response.status_code == 503
        assert body["status"] == "fail"


def test_redis_down_is_reported(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    report = health_report()
    assert report["status"] == "fail"
    assert report["checks"]["redis"]["ok"] is False
    assert report["checks"]["celery"]["ok"] is False
