from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collab.models import Feature
from integrations import services
from tests.factories import OrganisationFactory, TeamFactory
from tests.integrations.conftest import payload
from tests.integrations.test_trackers import jira_headers
from tests.metrics import queues
from tests.metrics.queues import QueueProbe
from tests.workers import start_worker, stop, terminate_other_backends, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

test_queue = queues.test_queue


@pytest.fixture
def worker(test_queue: QueueProbe, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(test_queue.name, tmp_path / "worker.log")
    try:
        yield process
    finally:
        stop(process)
        terminate_other_backends()


def test_a_real_worker_turns_a_signed_jira_delivery_into_a_feature(worker: Any, client: Any) -> None:
    org = OrganisationFactory()
    team = TeamFactory(org=org, slug="checkout")
    connection, secret = services.connection_create(
        org=org, provider="jira", name="Jira", team=team, tracker={"statuses": {"In Progress": "in_progress"}}
    )
    created = payload("jira_issue_created")
    response = client.post(
        f"/hooks/jira/{connection.pk}/",
        created,
        content_type="application/json",
        **jira_headers(secret, created, "e2e-1"),
    )
    assert response.status_code == 202
    wait_for(
        lambda: Feature.objects.filter(org=org, external_key="ENG-42").exists(),
        timeout=60,
        what="the feature of ENG-42",
    )
    updated = payload("jira_issue_updated")
    client.post(
        f"/hooks/jira/{connection.pk}/",
        updated,
        content_type="application/json",
        **jira_headers(secret, updated, "e2e-2"),
    )
    wait_for(
        lambda: Feature.objects.filter(org=org, external_key="ENG-42", status="in_progress").exists(),
        timeout=60,
        what="the feature in step with ENG-42",
    )
    feature = Feature.objects.get(org=org, external_key="ENG-42")
    assert (feature.key, feature.team, feature.effort_points) == ("CHECKOUT-1", team, 8.0)
    assert Feature.objects.filter(org=org).count() == 1
