"""Close the loops: a resolved conflict or a decided escalation settles the sync items it came from
(decision recorded, item done) and nothing about it carries over into the next sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from rituals.conflicts import services as conflicts
from rituals.models import Decision, Sync, SyncItem
from rituals.syncs import services
from tests.rituals.factories import (
    ConflictSessionFactory,
    ObstacleFactory,
    PivotedConflictFactory,
    drive_sync,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cto(make_member):
    return make_member("cto", email="cto@example.test", name="Camille CTO")


def _close(sync, *, at=MONDAY):
    services.sync_start(sync=sync, now=at)
    services.sync_close(sync=sync, now=at + timedelta(minutes=45), send_summary=False)


def test_resolving_a_conflict_settles_its_origin_item(org, team, pm):
    sync = drive_sync(org, team, pm, MONDAY)
    issues = sync.sections.get(code="issues")
    item = services.item_add(sync=sync, section=issues, title="Release date vs migration", author=pm)
    conflict = PivotedConflictFactory(team=team, org=org, origin_item=item, opened_at=MONDAY)
    ConflictSessionFactory(conflict=conflict)
    revision = Sync.objects.get(pk=sync.pk).revision

    conflicts.conflict_resolve(conflict=conflict, resolution="Ship on legacy, migrate in July.", by=pm)

    item.refresh_from_db()
    assert item.done is True
    decision = Decision.objects.get(sync=sync)
    assert (decision.section, decision.author) == (issues, pm)
    assert conflict.key in decision.text
    assert "Ship on legacy, migrate in July." in decision.text
    assert Sync.objects.get(pk=sync.pk).revision > revision


def test_resolving_a_conflict_settles_the_item_the_agenda_prefilled(org, team, pm):
    conflict = PivotedConflictFactory(team=team, org=org, opened_at=MONDAY - timedelta(days=2))
    ConflictSessionFactory(conflict=conflict)
    sync = drive_sync(org, team, pm, MONDAY)
    prefilled = sync.items.get(source=f"conflict:{conflict.pk}")

    conflicts.conflict_resolve(conflict=conflict, resolution="Ship on legacy.", by=pm)

    prefilled.refresh_from_db()
    assert prefilled.done is True
    assert Decision.objects.get(sync=sync).section == prefilled.section


def test_a_resolved_conflict_does_not_carry_over(org, team, pm):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(sync=sync, section=sync.sections.get(code="issues"), title="Dates", author=pm)
    conflict = PivotedConflictFactory(team=team, org=org, origin_item=item, opened_at=MONDAY)
    ConflictSessionFactory(conflict=conflict)
    conflicts.conflict_resolve(conflict=conflict, resolution="Ship on legacy.", by=pm)
    _close(sync)

    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    assert not following.items.filter(title="Dates").exists()


def test_an_open_conflict_comes_back_once_not_twice(org, team, pm):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(sync=sync, section=sync.sections.get(code="issues"), title="Dates", author=pm)
    conflict = PivotedConflictFactory(team=team, org=org, origin_item=item, opened_at=MONDAY)
    _close(sync)

    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    assert list(following.items.values_list("source", flat=True)) == [f"conflict:{conflict.pk}"]


def test_deciding_an_escalation_marks_its_item_done_and_it_does_not_carry_over(org, team, pm, cto):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(
        sync=sync, section=sync.sections.get(code="escalation"), title="Partner API by June?", author=pm
    )
    escalation = conflicts.escalation_open_from_item(item=item, by=pm, title="Partner API", category="budget")
    conflicts.escalation_decide(escalation=escalation, by=cto, decision="Fund two more engineers.")
    item.refresh_from_db()
    assert item.done is True
    assert Decision.objects.filter(sync=sync, section=item.section).count() == 1
    _close(sync)

    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    assert not following.items.exists()


def test_deciding_an_escalation_settles_the_prefilled_item_of_the_next_sync(org, team, pm, cto):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(sync=sync, section=sync.sections.get(code="issues"), title="Budget", author=pm)
    escalation = conflicts.escalation_open_from_item(item=item, by=pm, title="Budget", category="budget")
    _close(sync)
    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    # The open escalation comes back through the pre-fill only, not as a carried copy as well.
    assert list(following.items.values_list("source", flat=True)) == [f"escalation:{escalation.pk}"]

    conflicts.escalation_decide(escalation=escalation, by=cto, decision="No budget this quarter.")

    prefilled = following.items.get()
    assert prefilled.done is True
    assert "No budget this quarter." in Decision.objects.get(sync=following).text


def test_an_obstacle_in_delivery_status_is_not_carried_into_escalation(org, team, pm):
    obstacle = ObstacleFactory(team=team, org=org, title="Waiting for the payments team", opened_at=MONDAY)
    sync = drive_sync(org, team, pm, MONDAY)
    services.item_add(
        sync=sync,
        section=sync.sections.get(code="escalation"),
        title="Obstacle: Waiting for the payments team",
        author=pm,
    )
    services.item_add(sync=sync, section=sync.sections.get(code="escalation"), title="Hiring plan", author=pm)
    _close(sync)

    following = drive_sync(org, team, pm, MONDAY + timedelta(days=7))
    rows = [
        (i.section.code, i.source) for i in SyncItem.objects.filter(sync=following).select_related("section")
    ]
    assert ("delivery", f"obstacle:{obstacle.pk}") in rows
    assert [i.title for i in following.items.filter(carried_from__isnull=False)] == ["Hiring plan"]


def test_escalating_from_the_laptop_page_goes_back_to_the_sync(client_for, org, team, pm):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(
        sync=sync, section=sync.sections.get(code="escalation"), title="Budget", author=pm
    )
    client = client_for(pm)
    url = reverse("rituals:escalation_create") + f"?item={item.pk}"
    response = client.post(url, {"title": "Budget", "category": "budget"})
    sync_url = reverse("rituals:sync_detail", args=[sync.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{sync_url}#item-{item.pk}"
    page = client.get(sync_url).content.decode()
    assert "sent to level" in page  # the confirmation shows on the sync page


def test_escalating_an_item_of_a_closed_sync_goes_to_the_escalation(client_for, org, team, pm):
    sync = drive_sync(org, team, pm, MONDAY)
    item = services.item_add(
        sync=sync, section=sync.sections.get(code="escalation"), title="Budget", author=pm
    )
    _close(sync)
    response = client_for(pm).post(
        reverse("rituals:escalation_create") + f"?item={item.pk}", {"title": "Budget", "category": "budget"}
    )
    escalation = item.escalations.get()
    assert response["Location"] == reverse("rituals:escalation_detail", args=[escalation.pk])
