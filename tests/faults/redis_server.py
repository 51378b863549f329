"""A Redis that accepts connections and never answers (a hung server, a half-open connection
behind a NAT or a failover), and fixtures pointing the broker and the cache at it or at a closed
port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app

REFUSING_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


class SilentRedis:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self._listener.getsockname()[1]}/0"
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._held.append(client)  # read nothing, answer nothing

    def close(self) -> None:
        self._listener.close()
        for client in self._held:
            client.close()


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    # kombu keeps one pool per broker URL: forget the app's, the next send picks the URL's.
    default = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = default
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@contextmanager
def cache_at(url: str) -> Iterator[None]:
    # The project's own cache settings (its socket timeouts), only the address changes.
    with override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": url}}):
        yield


@contextmanager
def redis_at(url: str) -> Iterator[None]:
    with cache_at(url), broker_at(url):
        yield


@pytest.fixture
def silent_redis() -> Iterator[SilentRedis]:
    server = SilentRedis()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def broker_not_answering(silent_redis: SilentRedis) -> Iterator[None]:
    with broker_at(silent_redis.url):
        yield
