"""Syncs imported without their sections' questions (the demo, a workspace document) get those of
the organisation's template when they are prepared, as a sync created in the app has them."""

from __future__ import annotations

import datetime as dt

import pytest

from rituals.models import Obstacle, Sync, SyncSection
from rituals.syncs import defaults, services
from tests.rituals.factories import drive_sync
from workspace.demo import build_demo_document
from workspace.importer import import_workspace

pytestmark = pytest.mark.django_db


def test_sections_without_questions_take_the_templates(org, team, pm):
    sync = drive_sync(org, team, pm)
    sync.sections.update(prompts=[])
    services.sync_start(sync=sync)
    delivery = SyncSection.objects.get(sync=sync, code="delivery")
    assert delivery.prompts == list(defaults.DRIVE.sections[0].prompts)
    assert all(s.prompts for s in sync.sections.all())


def test_questions_a_sync_has_are_kept(org, team, pm):
    sync = drive_sync(org, team, pm)
    sync.sections.filter(code="delivery").update(prompts=["Our own question"])
    services.sync_prepare(sync)
    assert SyncSection.objects.get(sync=sync, code="delivery").prompts == ["Our own question"]


def test_a_section_the_template_lacks_stays_as_it_is(org, team, pm):
    sync = drive_sync(org, team, pm)
    SyncSection.objects.create(sync=sync, code="extra", title="Extra", planned_minutes=5, position=9)
    services.sync_prepare(sync)
    assert SyncSection.objects.get(sync=sync, code="extra").prompts == []


def test_the_demos_next_sync_has_its_questions_and_no_obstacle_twice():
    org = import_workspace(build_demo_document(today=dt.date(2026, 11, 21)))
    upcoming = Sync.objects.filter(org=org, ritual="drive", status=Sync.Status.SCHEDULED).first()
    assert upcoming is not None
    services.sync_start(sync=upcoming)
    assert all(section.prompts for section in upcoming.sections.all())
    open_obstacles = [o.title for o in Obstacle.objects.filter(team=upcoming.team, resolved_at__isnull=True)]
    upcoming.refresh_from_db()
    assert upcoming.previous is not None
    # The last sync discussed an open obstacle in its escalation section (the case to guard).
    assert any(any(o in i.title for o in open_obstacles) for i in upcoming.previous.items.filter(done=False))
    carried = [i.title for i in upcoming.items.filter(carried_from__isnull=False)]
    assert not [title for title in carried if any(o in title for o in open_obstacles)]
