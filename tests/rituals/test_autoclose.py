from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rituals.models import Sync
from rituals.syncs import defaults, services
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def live(org, team, pm, started_minutes_ago):
    started = NOW - timedelta(minutes=started_minutes_ago)
    return services.sync_start(sync=drive_sync(org, team, pm, started), now=started)


def test_a_sync_live_for_more_than_three_hours_is_closed_with_a_note(
    org, team, pm, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    forgotten = live(org, team, pm, 181)
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.syncs_close_stale(now=NOW)
    forgotten.refresh_from_db()
    assert closed == [forgotten.pk]
    assert forgotten.status == Sync.Status.CLOSED
    assert forgotten.ended_at == NOW
    assert forgotten.close_note == defaults.NOTE_AUTO_CLOSED
    assert forgotten.sections.get(code="delivery").ended_at == NOW
    assert mailoutbox, "the summary goes out after commit"


def test_recent_scheduled_and_closed_syncs_are_left_alone(org, team, pm):
    recent = live(org, team, pm, 179)
    scheduled = drive_sync(org, team, pm, NOW - timedelta(hours=5))
    done = live(org, team, pm, 300)
    services.sync_close(sync=done, now=NOW - timedelta(hours=4), send_summary=False)
    assert services.syncs_close_stale(now=NOW) == []
    for sync, status in ((recent, "live"), (scheduled, "scheduled"), (done, "closed")):
        sync.refresh_from_db()
        assert sync.status == status


def test_closing_twice_is_harmless(org, team, pm):
    live(org, team, pm, 200)
    assert len(services.syncs_close_stale(now=NOW)) == 1
    assert services.syncs_close_stale(now=NOW) == []


def test_the_beat_task_is_registered_under_the_scheduled_name(org, team, pm):
    from config.celery import app
    from rituals.tasks import close_stale_syncs

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert close_stale_syncs.name == "rituals.tasks.close_stale_syncs"
    assert close_stale_syncs.name in scheduled
    forgotten = live(org, team, pm, 60 * 24)
    assert close_stale_syncs.apply().get() == 1
    forgotten.refresh_from_db()
    assert forgotten.status == Sync.Status.CLOSED
