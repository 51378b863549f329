"""A Celery queue of the test's own on the real broker (Redis), to count what was enqueued and to
feed a real worker; and a broker that is down."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from config.celery import app as celery_app


class QueueProbe:
    def __init__(self, name: str) -> None:
        self.name = name

    def _client(self, connection: Any) -> Any:
        return connection.default_channel.client

    def messages(self) -> list[dict[str, Any]]:
        with celery_app.connection_for_write() as connection:
            raw = self._client(connection).lrange(self.name, 0, -1)
        return [json.loads(item) for item in raw]

    def __len__(self) -> int:
        with celery_app.connection_for_write() as connection:
            return int(self._client(connection).llen(self.name))

    def purge(self) -> None:
        with celery_app.connection_for_write() as connection:
            self._client(connection).delete(self.name)


@pytest.fixture
def test_queue() -> Iterator[QueueProbe]:
    """Route every task sent during the test to a queue of its own (then drop it)."""
    queue = QueueProbe(f"dash-test-{uuid.uuid4().hex[:12]}")
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue.name
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = default
        queue.purge()


def _reset_pools() -> None:
    # kombu keeps one pool per broker URL: forget the app's, the next send picks the URL's.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The broker at a closed port: sending a task fails as it does when Redis is down."""
    url = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    _reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = url
        _reset_pools()


@pytest.fixture
def cache_down(settings: Any) -> None:
    """Django's cache (Redis) at a closed port."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
