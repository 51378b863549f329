from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delivery.models import Deployment
from integrations import services
from integrations.models import Delivery
from tests.factories import OrganisationFactory, TeamFactory
from tests.integrations.conftest import github_headers, payload
from tests.metrics import queues
from tests.metrics.queues import QueueProbe
from tests.workers import start_worker, stop, terminate_other_backends, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

test_queue = queues.test_queue
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(test_queue: QueueProbe, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(test_queue.name, tmp_path / "worker.log")
    try:
        yield process
    finally:
        stop(process)
        terminate_other_backends()


def test_a_real_worker_maps_the_delivery(worker: Any, client: Any) -> None:
    org = OrganisationFactory()
    team = TeamFactory(org=org)
    connection, secret = services.connection_create(org=org, provider="github", name="GH", team=team)
    body = payload("github_deployment_status")
    response = client.post(
        f"/hooks/github/{connection.pk}/",
        body,
        content_type="application/json",
        **github_headers(secret, body, "deployment_status", "e2e"),
    )
    assert response.status_code == 202
    wait_for(
        lambda: Delivery.objects.filter(status="recorded").exists(), timeout=60, what="the delivery mapped"
    )
    assert Deployment.objects.get(org=org).team == team
