from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from integrations.models_notices import NoticeSend
from integrations.notices import services
from tests.factories import OrganisationFactory
from tests.metrics import queues
from tests.metrics.queues import QueueProbe
from tests.workers import start_worker, stop, terminate_other_backends, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

test_queue = queues.test_queue


class Hook:
    """A local incoming webhook: answers the first `failures` POSTs with 503, then 200 "ok"."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.received.append((dict(self.headers), json.loads(body)))
                failing = len(hook.received) <= hook.failures
                self.send_response(503 if failing else 200)
                self.end_headers()
                self.wfile.write(b"busy" if failing else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T/B/local"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hook:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def worker(test_queue: QueueProbe, tmp_path: Path, settings: Any) -> Iterator[subprocess.Popen[bytes]]:
    settings.NOTICES_ALLOW_LOCAL_URLS = True
    process = start_worker(
        test_queue.name, tmp_path / "worker.log", NOTICES_ALLOW_LOCAL_URLS="1", NOTICES_RETRY_SECONDS="1"
    )
    try:
        yield process
    finally:
        stop(process)
        terminate_other_backends()


def test_a_real_worker_posts_the_message_to_the_webhook_and_retries_a_503(worker: Any) -> None:
    org = OrganisationFactory(language="fr")
    with Hook(failures=1) as hook:
        channel = services.channel_create(org=org, provider="slack", name="#général", url=hook.url)
        send = services.test_send(channel=channel)
        wait_for(
            lambda: NoticeSend.objects.filter(pk=send.pk, status="sent").exists(),
            timeout=60,
            what="the message sent",
        )
    assert len(hook.received) == 2
    (_, first), (headers, body) = hook.received
    assert first == body
    assert headers["Content-Type"] == "application/json"
    assert body["text"] == "Message de test : #général est connecté"
    assert body["blocks"][0]["type"] == "header"
    send.refresh_from_db()
    assert (send.attempts, send.error) == (2, "")
