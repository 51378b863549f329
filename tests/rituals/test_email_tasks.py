from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rituals import tasks
from rituals.syncs import services
from tests.metrics import queues
from tests.rituals import factories

pytestmark = pytest.mark.django_db

test_queue = queues.test_queue
START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens


@pytest.fixture
def closed_sync(org, team, pm, tech_lead, smtp_down, django_capture_on_commit_callbacks, test_queue):
    sync = factories.drive_sync(org, team, pm, START)
    services.sync_start(sync=sync, now=START)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_close(sync=sync, now=START + timedelta(minutes=40))
    return sync


def test_closing_queues_the_summary_and_never_waits_on_smtp(closed_sync, test_queue):
    tasks_sent = [m["headers"]["task"] for m in test_queue.messages()]
    assert "rituals.tasks.sync_summary_email" in tasks_sent
    closed_sync.refresh_from_db()
    assert closed_sync.status == "closed"


def test_an_smtp_outage_reaches_the_worker_which_retries_it(closed_sync):
    # The error is no longer swallowed by the service: the task's autoretry sees it and retries
    # with backoff (a worker runs it again; here, run in place, the error surfaces).
    assert issubclass(ConnectionRefusedError, tasks.sync_summary_email.autoretry_for)
    assert tasks.sync_summary_email.max_retries >= 5
    with pytest.raises(ConnectionRefusedError):
        tasks.sync_summary_email.run(sync_id=closed_sync.pk)
    closed_sync.refresh_from_db()
    assert closed_sync.summary_sent_at is None
