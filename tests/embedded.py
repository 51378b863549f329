"""Loaded with `-p tests.embedded` (pyproject's addopts) before Django's settings: the test suite
runs on the machine's PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, and starts the
embedded ones otherwise (stopped when the run ends)."""

from __future__ import annotations

from workspace import embedded

_started = False
if embedded.missing():
    embedded.ensure_services()
    _started = True


def pytest_unconfigure(config: object) -> None:
    if _started:
        embedded.stop_embedded()
