from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rituals.conflicts import selectors, services
from rituals.models import Obstacle, OneOnOne
from tests.factories import MembershipFactory
from tests.rituals.factories import ObstacleFactory, OneOnOneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(make_member):
    return make_member("vp_product", name="Vera VP")


@pytest.fixture
def one_on_one(org, leader, pm, team):
    one = OneOnOneFactory(org=org, leader=leader, pm=pm, learnings="Churn comes from exports")
    one.obstacles.add(ObstacleFactory(team=team, title="Waiting for Platform"))
    return one


@pytest.mark.parametrize("role", ["vp_product", "cpo", "engineering_manager"])
def test_a_product_leader_writes_notes_with_a_pm(org, pm, team, make_member, role):
    leader = make_member(role)
    obstacle = ObstacleFactory(team=team)
    one = services.one_on_one_create(
        org=org,
        leader=leader,
        pm=pm,
        held_at=timezone.now(),
        by=leader,
        learnings=" L ",
        follow_ups="F",
        obstacles=[obstacle],
    )
    assert (one.leader, one.pm, one.learnings, list(one.obstacles.all())) == (leader, pm, "L", [obstacle])


@pytest.mark.parametrize(
    ("leader_role", "pm_role"), [("engineer", "pm"), ("cto", "pm"), ("vp_product", "tech_lead")]
)
def test_the_pair_is_a_product_leader_and_a_pm(org, make_member, leader_role, pm_role):
    with pytest.raises(ValidationError):
        services.one_on_one_create(
            org=org, leader=make_member(leader_role), pm=make_member(pm_role), held_at=timezone.now(), by=None
        )


def test_obstacles_of_another_organisation_are_refused(org, leader, pm):
    with pytest.raises(ValidationError):
        services.one_on_one_create(
            org=org, leader=leader, pm=pm, held_at=timezone.now(), by=leader, obstacles=[ObstacleFactory()]
        )


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("cto", True),
        ("ceo", True),
        ("cpo", True),
        ("vp_product", True),
        ("engineering_manager", False),
        ("pm", False),
        ("engineer", False),
        ("product_ops", False),
    ],
)
def test_only_the_two_people_and_leadership_see_a_1_1(one_on_one, make_member, role, sees):
    person = make_member(role)
    visible = selectors.one_on_ones_visible(org=one_on_one.org, membership=person)
    assert (one_on_one in visible) is sees
    assert one_on_one in selectors.one_on_ones_visible(org=one_on_one.org, membership=one_on_one.leader)
    assert one_on_one in selectors.one_on_ones_visible(org=one_on_one.org, membership=one_on_one.pm)


def test_pairs_list_counts_per_pair(org, one_on_one, leader, pm):
    OneOnOneFactory(org=org, leader=leader, pm=pm)
    OneOnOneFactory(org=org, leader=leader)
    rows = selectors.one_on_one_pairs(org=org, membership=pm)
    assert [(r["leader"], r["pm"], r["count"]) for r in rows] == [(leader, pm, 2)]


# --- Views -------------------------------------------------------------------------------------


def test_leader_writes_notes_with_a_new_obstacle_inline(client_for, leader, pm, team):
    existing = ObstacleFactory(team=team)
    response = client_for(leader).post(
        reverse("rituals:one_on_one_create"),
        {
            "leader": leader.pk,
            "pm": pm.pk,
            "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "obstacles": [existing.pk],
            "new_obstacle_title": "Need a data engineer",
            "new_obstacle_kind": "missing_capability",
            "new_obstacle_team": team.pk,
            "learnings": "Users export to Excel",
            "follow_ups": "Vera talks to the data lead",
        },
    )
    one = OneOnOne.objects.get()
    assert response.url == reverse("rituals:one_on_one_detail", args=[one.pk])
    created = Obstacle.objects.get(title="Need a data engineer")
    assert set(one.obstacles.all()) == {existing, created}
    assert created.owner == pm
    assert created.key.startswith("OB-")


def test_new_obstacle_inline_needs_its_kind_and_team(client_for, leader, pm):
    response = client_for(leader).post(
        reverse("rituals:one_on_one_create"),
        {"leader": leader.pk, "pm": pm.pk, "held_at": "2026-03-02T10:00", "new_obstacle_title": "x"},
    )
    assert response.status_code == 200
    assert not OneOnOne.objects.exists()
    assert not Obstacle.objects.exists()


def test_someone_else_cannot_write_a_pairs_notes(client_for, make_member, leader, pm):
    other_pm = make_member("pm")
    response = client_for(other_pm).post(
        reverse("rituals:one_on_one_create"),
        {"leader": leader.pk, "pm": pm.pk, "held_at": "2026-03-02T10:00"},
    )
    assert response.status_code == 200
    assert "Write the notes of your own 1:1s" in response.content.decode()
    assert not OneOnOne.objects.exists()


@pytest.mark.parametrize("role", ["engineer", "viewer", "tech_lead", "designer"])
def test_roles_outside_1_1s_may_not_write_them(client_for, make_member, role):
    assert client_for(make_member(role)).get(reverse("rituals:one_on_one_create")).status_code == 403


def test_the_two_people_and_leadership_read_it(client_for, one_on_one, make_member):
    for person in (one_on_one.leader, one_on_one.pm, make_member("cto")):
        body = (
            client_for(person)
            .get(reverse("rituals:one_on_one_detail", args=[one_on_one.pk]))
            .content.decode()
        )
        assert "Churn comes from exports" in body
        assert "Waiting for Platform" in body


@pytest.mark.parametrize("role", ["pm", "engineering_manager", "engineer", "tech_lead"])
def test_others_in_the_organisation_get_404(client_for, one_on_one, make_member, role):
    client = client_for(make_member(role))
    assert client.get(reverse("rituals:one_on_one_detail", args=[one_on_one.pk])).status_code == 404
    assert client.get(reverse("rituals:one_on_one_edit", args=[one_on_one.pk])).status_code == 404
    pair = reverse("rituals:one_on_one_pair", args=[one_on_one.leader_id, one_on_one.pm_id])
    assert client.get(pair).status_code == 404
    assert "Churn" not in client.get(reverse("rituals:one_on_one_list")).content.decode()


def test_leadership_reads_but_does_not_edit_others_notes(client_for, one_on_one, make_member):
    client = client_for(make_member("ceo"))
    assert client.get(reverse("rituals:one_on_one_edit", args=[one_on_one.pk])).status_code == 403


def test_the_pm_edits_the_notes(client_for, one_on_one, team):
    response = client_for(one_on_one.pm).post(
        reverse("rituals:one_on_one_edit", args=[one_on_one.pk]),
        {"held_at": "2026-03-02T10:00", "learnings": "Updated", "follow_ups": "", "notes": ""},
    )
    assert response.status_code == 302
    one_on_one.refresh_from_db()
    assert one_on_one.learnings == "Updated"
    assert one_on_one.obstacles.count() == 0


def test_pair_page_lists_the_notes_in_order(client_for, one_on_one, org):
    OneOnOneFactory(org=org, leader=one_on_one.leader, pm=one_on_one.pm, learnings="Second week")
    url = reverse("rituals:one_on_one_pair", args=[one_on_one.leader_id, one_on_one.pm_id])
    body = client_for(one_on_one.leader).get(url).content.decode()
    assert "Second week" in body
    assert "Churn comes from exports" in body


def test_list_page_and_empty_state(client_for, one_on_one, make_member):
    assert (
        one_on_one.pm.user.get_full_name()
        in client_for(one_on_one.leader).get(reverse("rituals:one_on_one_list")).content.decode()
    )
    assert (
        "No 1:1 notes yet"
        in client_for(make_member("pm")).get(reverse("rituals:one_on_one_list")).content.decode()
    )


def test_every_1_1_url_is_404_for_another_organisation(assert_404_for_outsider, one_on_one):
    assert_404_for_outsider(reverse("rituals:one_on_one_detail", args=[one_on_one.pk]))
    assert_404_for_outsider(reverse("rituals:one_on_one_edit", args=[one_on_one.pk]), methods=("get", "post"))
    assert_404_for_outsider(reverse("rituals:one_on_one_pair", args=[one_on_one.leader_id, one_on_one.pm_id]))


def test_leadership_of_another_organisation_sees_nothing(client, one_on_one):
    outsider = MembershipFactory(role="ceo")
    client.force_login(outsider.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("rituals:one_on_one_detail", args=[one_on_one.pk])).status_code == 404
