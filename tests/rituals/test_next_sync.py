"""There is always a next sync: closing one of a scheduled series prepares the next (unless one is
already planned, which then joins the series), and the demo has weekly DRIVE schedules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from rituals.models import Ritual, Sync, SyncSchedule
from rituals.syncs import services
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _run_and_close(sync: Sync, *, at: datetime = MONDAY) -> None:
    services.sync_start(sync=sync, now=at)
    services.sync_close(sync=sync, now=at + timedelta(minutes=45), send_summary=False)


def _schedule(org: Any, team: Any, pm: Any) -> SyncSchedule:
    return SyncSchedule.objects.create(
        org=org, team=team, weekday=0, time=time(9, 0), facilitator=pm, feed_token="t-" + team.slug
    )


def test_closing_a_sync_of_a_scheduled_team_prepares_the_next_with_the_leftovers(org, team, pm) -> None:
    sync = drive_sync(org, team, pm, MONDAY)  # planned by hand, then the team got a schedule
    schedule = _schedule(org, team, pm)
    services.item_add(sync=sync, section=sync.sections.get(code="roadmap"), title="Rank A and B", author=pm)

    _run_and_close(sync)

    following = Sync.objects.exclude(pk=sync.pk).get(team=team)
    assert following.schedule == schedule
    assert following.status == Sync.Status.SCHEDULED
    assert following.scheduled_at > MONDAY
    assert following.items.filter(title="Rank A and B", carried_from__sync=sync).exists()


def test_a_next_sync_already_planned_joins_the_series_instead_of_a_second_one(org, team, pm) -> None:
    sync = drive_sync(org, team, pm, MONDAY)
    planned = drive_sync(org, team, pm, MONDAY + timedelta(days=8))
    schedule = _schedule(org, team, pm)

    _run_and_close(sync)

    assert list(Sync.objects.filter(team=team).exclude(status="closed")) == [planned]
    planned.refresh_from_db()
    assert planned.schedule == schedule


def test_without_a_schedule_closing_creates_nothing(org, team, pm) -> None:
    sync = drive_sync(org, team, pm, MONDAY)
    _run_and_close(sync)
    assert Sync.objects.filter(team=team).count() == 1


def test_the_demo_has_weekly_drive_schedules_and_its_first_step_is_done(client_for) -> None:
    from collab.models import Membership
    from workspace.management.commands.demo import load_demo_organisation

    org = load_demo_organisation()
    schedules = SyncSchedule.objects.filter(org=org, ritual=Ritual.DRIVE, active=True)
    assert schedules.count() == 3
    for schedule in schedules:
        upcoming = Sync.objects.filter(team=schedule.team).exclude(status="closed")
        assert [s.schedule_id for s in upcoming] == [schedule.pk]  # the demo's next sync joined it
        assert schedule.facilitator.role == "pm"
    assert load_demo_organisation() == org  # loading again adds no schedule
    assert SyncSchedule.objects.filter(org=org).count() == 3

    ceo = Membership.objects.get(org=org, user__email="ceo@acme.test")
    page = client_for(ceo).get("/").content.decode()
    assert 'data-step="sync" data-done="yes"' in page

    # Running and closing the Checkout squad's next sync prepares the one after it.
    schedule = schedules.get(team__slug="checkout")
    upcoming = Sync.objects.get(team=schedule.team, status="scheduled")
    _run_and_close(upcoming, at=upcoming.scheduled_at)
    after = Sync.objects.get(team=schedule.team, status="scheduled")
    assert after.schedule == schedule
    assert after.scheduled_at.date() == (upcoming.scheduled_at + timedelta(days=7)).date()
