from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from rituals.models import Conflict, Escalation, Obstacle, Pulse, Sync
from rituals.syncs import defaults, services
from tests.factories import FeatureFactory, OrganisationFactory, SpecFactory, TeamFactory
from tests.rituals import factories

pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 10:00 in Paris (UTC+1): ISO week 2026-W10, Monday 2 March 00:00 Paris =
# Sunday 1 March 23:00 UTC.
SYNC_AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
WEEK = "2026-W10"


def drive_sync(org, team, facilitator, when=SYNC_AT):
    return factories.drive_sync(org, team, facilitator, when)


def items_by_source(sync):
    return {i.source: i for i in sync.items.select_related("section")}


def test_keys_read_ritual_team_and_week_per_organisation(org, team, pm, make_member):
    assert drive_sync(org, team, pm).key == f"drive-{team.slug}-{WEEK}"
    assert drive_sync(org, team, pm).key == f"drive-{team.slug}-{WEEK}-2"
    assert drive_sync(org, team, pm).key == f"drive-{team.slug}-{WEEK}-3"
    # Sunday 8 March 23:30 UTC is already Monday 9 March in Paris: the next week.
    late = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    assert drive_sync(org, team, pm, when=late).key == f"drive-{team.slug}-2026-W11"
    assert drive_sync(org, None, pm).key == f"drive-{WEEK}"
    other = OrganisationFactory()
    other_pm = make_member("pm", organisation=other)
    other_team = TeamFactory(org=other, slug=team.slug)
    assert drive_sync(other, other_team, other_pm).key == f"drive-{team.slug}-{WEEK}"


def test_keys_of_rituals_with_two_words_read_with_hyphens(org, pm):
    sync = services.sync_create(
        org=org,
        team=None,
        template=services.template_for(org, "cto_cpo"),
        scheduled_at=SYNC_AT,
        facilitator=pm,
    )
    assert sync.key == f"cto-cpo-{WEEK}"


def test_sections_are_copied_from_the_template(org, team, pm):
    sync = drive_sync(org, team, pm)
    rows = list(sync.sections.order_by("position").values_list("code", "planned_minutes"))
    assert rows == [("delivery", 10), ("roadmap", 15), ("issues", 10), ("velocity", 5), ("escalation", 5)]
    assert "Features delivered vs planned" in sync.sections.get(code="delivery").prompts


def test_facilitator_of_another_organisation_is_refused(org, team, make_member):
    outsider = make_member("pm", organisation=OrganisationFactory())
    with pytest.raises(ValidationError):
        drive_sync(org, team, outsider)


def test_delivery_counts_this_week_in_the_organisation_time_zone(org, team, pm):
    # Sunday 1 March 23:30 UTC is Monday 00:30 in Paris: this week. Sunday 22:30 UTC is last week.
    this_week = FeatureFactory(
        team=team, delivered_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), planned_week=WEEK
    )
    last_week = FeatureFactory(team=team, delivered_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    unplanned = FeatureFactory(
        team=team, delivered_at=datetime(2026, 3, 3, 12, 0, tzinfo=UTC), planned_week="2026-W09"
    )
    planned_open = FeatureFactory(team=team, planned_week=WEEK)
    other_team = FeatureFactory(team=TeamFactory(org=org), planned_week=WEEK)
    items = items_by_source(drive_sync(org, team, pm))
    assert items[f"feature:{this_week.pk}"].notes == defaults.NOTE_DELIVERED_AS_PLANNED
    assert items[f"feature:{unplanned.pk}"].notes == defaults.NOTE_DELIVERED_UNPLANNED
    assert items[f"feature:{planned_open.pk}"].notes == defaults.NOTE_PLANNED_NOT_DELIVERED
    assert f"feature:{last_week.pk}" not in items
    assert f"feature:{other_team.pk}" not in items
    assert {items[f"feature:{this_week.pk}"].section.code} == {"delivery"}


def test_open_obstacles_go_to_delivery(org, team, pm):
    open_one = Obstacle.objects.create(
        org=org, team=team, key="OB-1", kind="platform_dependency", title="API late", opened_at=SYNC_AT
    )
    Obstacle.objects.create(
        org=org,
        team=team,
        key="OB-2",
        kind="customer_issue",
        title="done",
        opened_at=SYNC_AT,
        resolved_at=SYNC_AT,
    )
    items = items_by_source(drive_sync(org, team, pm))
    item = items[f"obstacle:{open_one.pk}"]
    assert (item.section.code, item.notes) == ("delivery", "Platform-team dependency")
    assert len([s for s in items if s.startswith("obstacle:")]) == 1


def test_specs_not_aligned_go_to_roadmap(org, team, pm):
    framing = SpecFactory(feature=FeatureFactory(team=team, status="framing")).feature
    idea = SpecFactory(feature=FeatureFactory(team=team, status="idea")).feature
    aligned = SpecFactory(feature=FeatureFactory(team=team, status="framing"), aligned_at=SYNC_AT).feature
    building = SpecFactory(feature=FeatureFactory(team=team, status="in_progress")).feature
    no_spec = FeatureFactory(team=team, status="framing")
    items = items_by_source(drive_sync(org, team, pm))
    roadmap = {s for s, i in items.items() if i.section.code == "roadmap"}
    assert roadmap == {f"spec:{framing.pk}", f"spec:{idea.pk}"}
    assert not {f"spec:{aligned.pk}", f"spec:{building.pk}", f"spec:{no_spec.pk}"} & set(items)


def test_open_conflicts_and_escalations_of_the_team(org, team, pm):
    conflict = Conflict.objects.create(
        org=org, team=team, key="C-1", title="Scope", category="scope", opened_at=SYNC_AT
    )
    Conflict.objects.create(
        org=org, team=team, key="C-2", title="Old", category="scope", opened_at=SYNC_AT, resolved_at=SYNC_AT
    )
    elsewhere = Conflict.objects.create(
        org=org, team=TeamFactory(org=org), key="C-3", title="Not ours", category="scope", opened_at=SYNC_AT
    )
    escalation = Escalation.objects.create(
        org=org, key="E-1", level=2, title="Budget", opened_at=SYNC_AT, conflict=conflict
    )
    Escalation.objects.create(
        org=org, key="E-2", level=2, title="Theirs", opened_at=SYNC_AT, conflict=elsewhere
    )
    items = items_by_source(drive_sync(org, team, pm))
    assert items[f"conflict:{conflict.pk}"].section.code == "issues"
    assert items[f"conflict:{conflict.pk}"].notes == "Scope adjustment"
    assert items[f"escalation:{escalation.pk}"].section.code == "escalation"
    assert items[f"escalation:{escalation.pk}"].notes == "Level 2 · VP Product + CTO"
    assert {s.split(":")[0] for s in items} == {"conflict", "escalation"}
    assert len(items) == 2


def test_prepare_is_idempotent_and_refreshes_what_changed(org, team, pm):
    feature = FeatureFactory(team=team, planned_week=WEEK)
    sync = drive_sync(org, team, pm)
    assert services.sync_prepare(sync) == 0
    assert sync.items.count() == 1
    feature.delivered_at = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    feature.save(update_fields=["delivered_at"])
    Obstacle.objects.create(
        org=org, team=team, key="OB-9", kind="customer_issue", title="New", opened_at=SYNC_AT
    )
    assert services.sync_prepare(sync) == 1
    assert sync.items.get(source=f"feature:{feature.pk}").notes == defaults.NOTE_DELIVERED_AS_PLANNED
    assert sync.items.count() == 2


def test_contributions_bump_the_revision_and_closed_syncs_refuse_them(org, team, pm, tech_lead):
    sync = drive_sync(org, team, pm)
    sync.refresh_from_db()
    start = sync.revision
    section = sync.sections.get(code="issues")
    item = services.item_add(sync=sync, section=section, title="Cache strategy", author=tech_lead)
    services.decision_add(sync=sync, section=section, text="Go with Redis", author=pm)
    services.action_item_add(sync=sync, section=section, title="Write the ADR", owner=tech_lead)
    services.item_set_done(item=item, done=True)
    sync.refresh_from_db()
    assert sync.revision == start + 4
    services.sync_start(sync=sync)
    services.sync_close(sync=sync, send_summary=False)
    with pytest.raises(ValidationError):
        services.item_add(sync=sync, section=section, title="Late", author=tech_lead)


def test_blank_item_is_refused(org, team, pm):
    sync = drive_sync(org, team, pm)
    with pytest.raises(ValidationError):
        services.item_add(sync=sync, section=sync.sections.first(), title="   ", author=pm)


def test_decision_on_a_feature_of_another_team_is_refused(org, team, pm):
    sync = drive_sync(org, team, pm)
    with pytest.raises(ValidationError):
        services.decision_add(
            sync=sync,
            section=sync.sections.first(),
            text="x",
            feature=FeatureFactory(team=TeamFactory(org=org)),
        )


def test_facilitator_role_goes_to_a_team_member_only(org, team, pm, tech_lead, make_member):
    sync = drive_sync(org, team, pm)
    with pytest.raises(ValidationError):
        services.sync_facilitator_set(sync=sync, membership=make_member("pm"))
    services.sync_facilitator_set(sync=sync, membership=tech_lead)
    sync.refresh_from_db()
    assert sync.facilitator_id == tech_lead.pk


def test_close_ends_the_current_section_and_mails_the_team(
    org, team, pm, tech_lead, make_member, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    make_member("engineer", team=team)
    sync = drive_sync(org, team, pm)
    start = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    services.sync_start(sync=sync, now=start)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_close(sync=sync, note="Good one", now=start + timedelta(minutes=12))
    sync.refresh_from_db()
    first = sync.sections.get(code="delivery")
    assert (sync.status, sync.ended_at, sync.current_section_id) == (
        "closed",
        start + timedelta(minutes=12),
        None,
    )
    assert first.ended_at == start + timedelta(minutes=12)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.user.email for m in team_people(team))
    assert "Delivery status" in mailoutbox[0].body
    assert "+2:00" in mailoutbox[0].body
    assert sync.summary_sent_at is not None


def team_people(team):
    return [tm.membership for tm in team.members.select_related("membership__user")]


def test_only_a_live_sync_closes(org, team, pm):
    with pytest.raises(ValidationError):
        services.sync_close(sync=drive_sync(org, team, pm))


def test_pulse_one_answer_per_person_per_sync_for_the_week_in_the_org_zone(org, team, pm):
    # Monday 2 March 00:30 in Paris is still Sunday in UTC: the pulse belongs to 2026-W10.
    sync = drive_sync(org, team, pm, when=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    services.sync_start(sync=sync, now=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    services.pulse_record(sync=sync, membership=pm, score=3)
    services.pulse_record(sync=sync, membership=pm, score=5)
    pulse = Pulse.objects.get(sync=sync)
    assert (pulse.score, pulse.week, pulse.team_id) == (5, "2026-W10", team.pk)
    with pytest.raises(ValidationError):
        services.pulse_record(sync=sync, membership=pm, score=6)


def test_pulse_waits_for_the_start(org, team, pm):
    with pytest.raises(ValidationError):
        services.pulse_record(sync=drive_sync(org, team, pm), membership=pm, score=4)


def test_cancel_only_before_start(org, team, pm):
    sync = drive_sync(org, team, pm)
    services.sync_start(sync=sync)
    with pytest.raises(ValidationError):
        services.sync_delete(sync=sync)
    other = drive_sync(org, team, pm)
    services.sync_delete(sync=other)
    assert not Sync.objects.filter(pk=other.pk).exists()
