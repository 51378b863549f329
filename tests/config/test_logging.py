from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

SCRIPT = """
import django, logging
django.setup()
from django.test import Client
Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a"})
"""


def test_json_logs_carry_time_level_logger_and_request_id():
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TESTING": "1",
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("SENTRY_DSN", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    refused = next(line for line in lines if line.get("logger") == "django.security.csrf")
    assert {"timestamp", "level", "logger", "request_id", "event"} <= refused.keys()
    assert refused["level"] == "warning"


SENTRY_SCRIPT = """
import logging
from config.logging import init_sentry
assert init_sentry()
logging.getLogger("collab").error("boom for sentry")
import sentry_sdk
sentry_sdk.flush(timeout=5)
"""


def test_errors_reach_sentry_when_a_dsn_is_set_and_nothing_is_sent_without():
    import gzip
    import http.server
    import threading

    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(self.path + " " + body.decode("utf-8", "replace"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "SENTRY_DSN": f"http://public@127.0.0.1:{server.server_port}/1"}
        subprocess.run([sys.executable, "-c", SENTRY_SCRIPT], cwd=ROOT, env=env, timeout=60, check=True)
        assert any(r.startswith("/api/1/envelope/") and "boom for sentry" in r for r in received)
        received.clear()
        env.pop("SENTRY_DSN")
        subprocess.run(
            [sys.executable, "-c", SENTRY_SCRIPT.replace("assert init_sentry()", "assert not init_sentry()")],
            cwd=ROOT,
            env=env,
            timeout=60,
            check=True,
        )
        assert received == []
    finally:
        server.shutdown()


FORBIDDEN_SCRIPT = """
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.core.handlers.exception import response_for_exception
try:
    raise PermissionDenied("not yours")
except PermissionDenied as exc:
    response_for_exception(RequestFactory().get("/settings/"), exc)
"""


def test_a_refused_request_is_one_line_without_a_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "1"}
    result = subprocess.run(
        [sys.executable, "-c", FORBIDDEN_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len([line for line in lines if "Forbidden" in line]) == 1, result.stderr
    assert "Traceback" not in result.stderr
