from __future__ import annotations

from typing import Any

import pytest

from collab.features import services as feature_services
from collab.signals import records_changed
from tests.factories import OrganisationFactory, TeamFactory
from tests.metrics import queues

pytestmark = pytest.mark.django_db

test_queue = queues.test_queue


@pytest.fixture
def announced():
    seen: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        seen.append({"org_id": kwargs["org_id"], "team_id": kwargs["team_id"]})

    records_changed.connect(listener, dispatch_uid="test-listener")
    yield seen
    records_changed.disconnect(dispatch_uid="test-listener")


def test_a_feature_created_announces_its_team_after_commit(announced, django_capture_on_commit_callbacks):
    team = TeamFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        feature_services.feature_create(org=team.org, team=team, title="Checkout v2")
        assert announced == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert {"org_id": team.org_id, "team_id": team.pk} in announced


def test_a_team_change_enqueues_the_team_recompute(test_queue):
    team = TeamFactory()
    records_changed.send(sender=object, org_id=team.org_id, team_id=team.pk)
    (message,) = test_queue.messages()
    assert message["headers"]["task"] == "metrics.tasks.team_metrics_refresh"


def test_an_organisation_change_enqueues_the_organisation_recompute(test_queue):
    org = OrganisationFactory()
    records_changed.send(sender=object, org_id=org.pk, team_id=None)
    (message,) = test_queue.messages()
    assert message["headers"]["task"] == "metrics.tasks.org_metrics_refresh"


def test_the_nightly_recompute_runs_on_the_batch_queue(test_queue):
    from django.conf import settings

    from metrics import tasks

    batch = queues.QueueProbe(tasks.BATCH_QUEUE)
    batch.purge()
    org = OrganisationFactory()
    assert settings.CELERY_TASK_ROUTES["metrics.tasks.recompute_all_organisations"] == {"queue": "batch"}
    try:
        tasks.recompute_all_organisations.run()
        assert test_queue.messages() == []  # nothing on the interactive queue
        sent = [m for m in batch.messages() if m["headers"]["task"] == "metrics.tasks.org_metrics_catch_up"]
        assert [m["headers"]["kwargsrepr"] for m in sent][-1] == repr({"org_id": org.pk})
    finally:
        batch.purge()
