from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from integrations import services
from tests.metrics.queues import broker_down  # noqa: F401 — a fixture of these tests

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def github_headers(secret: str, body: bytes, event: str, delivery: str) -> dict[str, str]:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "HTTP_X_HUB_SIGNATURE_256": signature,
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery,
    }


def pagerduty_headers(secret: str, body: bytes, *, extra: str = "") -> dict[str, str]:
    signature = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_PAGERDUTY_SIGNATURE": f"{extra}{signature}"}


@pytest.fixture
def github(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(org=org, provider="github", name="GitHub", team=team)


@pytest.fixture
def pagerduty(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(org=org, provider="pagerduty", name="PagerDuty", team=team)


@pytest.fixture
def post(client: Any, celery_eager: None, django_capture_on_commit_callbacks: Any) -> Any:
    """post(connection, body, headers) → the response, with the delivery's task run in place."""

    def send(connection: Any, body: bytes, headers: dict[str, str]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/hooks/{connection.provider}/{connection.pk}/",
                body,
                content_type="application/json",
                **headers,
            )

    return send


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()
