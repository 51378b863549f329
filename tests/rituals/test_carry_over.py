from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from rituals.models import ActionItem, Obstacle, Sync, SyncItem
from rituals.syncs import services
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def closed_sync(org, team, pm, tech_lead):
    """A closed sync with one open and one done item, an open and a done action item, and an item the
    agenda pre-filled from an obstacle."""
    Obstacle.objects.create(
        org=org, team=team, key="OB-1", kind="customer_issue", title="Big customer", opened_at=MONDAY
    )
    sync = drive_sync(org, team, pm, MONDAY)
    issues = sync.sections.get(code="issues")
    delivery = sync.sections.get(code="delivery")
    services.item_add(sync=sync, section=issues, title="Open question on caching", author=tech_lead)
    done = services.item_add(sync=sync, section=issues, title="Settled", author=tech_lead)
    services.item_set_done(item=done, done=True)
    services.action_item_add(sync=sync, section=delivery, title="Send the metrics", owner=pm)
    finished = services.action_item_add(sync=sync, section=delivery, title="Book the room", owner=pm)
    services.action_item_set_done(action=finished, done=True)
    services.sync_start(sync=sync, now=MONDAY)
    services.sync_close(sync=sync, now=MONDAY + timedelta(minutes=45), send_summary=False)
    return sync


def carried(sync):
    return list(sync.items.filter(carried_from__isnull=False).select_related("section", "carried_from"))


def test_next_sync_gets_open_items_and_action_items(org, team, pm, closed_sync):
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    items = carried(following)
    assert [(i.title, i.section.code) for i in items] == [("Open question on caching", "issues")]
    assert items[0].carried_from.sync_id == closed_sync.pk
    actions = list(following.action_items.filter(carried_from__isnull=False).select_related("section"))
    assert [(a.title, a.owner_id, a.section.code) for a in actions] == [
        ("Send the metrics", pm.pk, "delivery")
    ]
    following.refresh_from_db()
    assert following.previous_id == closed_sync.pk


def test_items_the_agenda_regenerates_are_not_copied(org, team, pm, closed_sync):
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    obstacle_items = following.items.filter(source__startswith="obstacle:")
    assert obstacle_items.count() == 1
    assert obstacle_items.get().carried_from_id is None


def test_carry_over_is_idempotent(org, team, pm, closed_sync):
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    services.sync_prepare(following)
    services.carry_over(source=closed_sync, target=following)
    assert len(carried(following)) == 1
    assert following.action_items.count() == 1


def test_closing_carries_into_a_sync_already_prepared(org, team, pm, tech_lead):
    current = drive_sync(org, team, pm, MONDAY)
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    services.item_add(
        sync=current, section=current.sections.get(code="roadmap"), title="Pricing page", author=pm
    )
    services.sync_start(sync=current, now=MONDAY)
    services.sync_close(sync=current, now=MONDAY + timedelta(minutes=40), send_summary=False)
    assert [i.title for i in carried(following)] == ["Pricing page"]


def test_an_item_left_open_twice_keeps_its_chain(org, team, pm, closed_sync):
    second = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    services.sync_start(sync=second, now=MONDAY + timedelta(days=7))
    services.sync_close(sync=second, now=MONDAY + timedelta(days=7, minutes=45), send_summary=False)
    third = drive_sync(org, team, pm, MONDAY + timedelta(days=14))
    (copy,) = carried(third)
    (middle,) = carried(second)
    assert copy.carried_from_id == middle.pk
    assert middle.carried_from.sync_id == closed_sync.pk


def test_ticking_a_carried_action_ticks_the_original(org, team, pm, closed_sync):
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    copy = following.action_items.get(carried_from__isnull=False)
    services.action_item_set_done(action=copy, done=True)
    assert ActionItem.objects.get(pk=copy.carried_from_id).done_at is not None


def test_another_team_gets_nothing(org, pm, closed_sync, make_member):
    from tests.factories import TeamFactory

    other_team = TeamFactory(org=org)
    other = drive_sync(org, other_team, make_member("pm", team=other_team), MONDAY + timedelta(days=7))
    assert not carried(other)
    assert not other.action_items.exists()


def test_closing_a_scheduled_sync_prepares_the_next_occurrence_with_the_carry_over(org, team, pm, tech_lead):
    schedule = services.schedule_create(
        org=org, team=team, weekday=0, at=time(10, 0), facilitator=pm, now=MONDAY
    )
    first = schedule.syncs.get()
    services.item_add(
        sync=first, section=first.sections.get(code="issues"), title="Unfinished", author=tech_lead
    )
    services.sync_start(sync=first, now=first.scheduled_at)
    services.sync_close(sync=first, now=first.scheduled_at + timedelta(minutes=45), send_summary=False)
    following = schedule.syncs.exclude(pk=first.pk).get()
    assert following.status == Sync.Status.SCHEDULED
    assert following.scheduled_at == first.scheduled_at + timedelta(days=7)
    assert [i.title for i in carried(following)] == ["Unfinished"]
    assert SyncItem.objects.filter(sync=following, carried_from__isnull=False).count() == 1


def test_cancelling_a_scheduled_occurrence_prepares_the_week_after(org, team, pm):
    schedule = services.schedule_create(
        org=org, team=team, weekday=0, at=time(10, 0), facilitator=pm, now=MONDAY
    )
    first = schedule.syncs.get()
    services.sync_delete(sync=first)
    following = schedule.syncs.get()
    assert following.scheduled_at == first.scheduled_at + timedelta(days=7)
