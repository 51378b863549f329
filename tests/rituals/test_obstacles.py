from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rituals.conflicts import selectors, services
from rituals.models import Obstacle
from tests.factories import MembershipFactory, TeamFactory
from tests.rituals.factories import ObstacleFactory, SyncItemFactory

pytestmark = pytest.mark.django_db

KINDS = [
    "cross_team_dependency",
    "missing_capability",
    "customer_issue",
    "platform_dependency",
    "stakeholder_decision",
]


def test_the_five_kinds_of_the_seed():
    assert Obstacle.Kind.values == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_create_numbers_obstacles_per_organisation(org, team, pm, kind):
    ObstacleFactory(team=team, key="OB-4")
    obstacle = services.obstacle_create(
        org=org, team=team, kind=kind, title="Waiting for Payments", by=pm, owner=pm
    )
    assert (obstacle.key, obstacle.kind, obstacle.owner) == ("OB-5", kind, pm)
    assert obstacle.resolved_at is None


def test_create_refuses_people_and_teams_of_another_organisation(org, team, pm):
    with pytest.raises(ValidationError) as exc:
        services.obstacle_create(org=org, team=TeamFactory(), kind="customer_issue", title="x", by=pm)
    assert "team" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.obstacle_create(
            org=org, team=team, kind="customer_issue", title="x", by=pm, owner=MembershipFactory()
        )
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.obstacle_create(org=org, team=team, kind="bad_luck", title="x", by=pm)


def test_raised_in_a_sync_refreshes_its_screens(org, team, pm):
    item = SyncItemFactory(section__sync__team=team)
    obstacle = services.obstacle_create(
        org=org, team=team, kind="platform_dependency", title="x", by=pm, raised_in_sync=item.sync
    )
    item.sync.refresh_from_db()
    assert obstacle.raised_in_sync == item.sync
    assert item.sync.revision == 1


def test_resolve_needs_a_resolution_and_can_be_reopened(team, pm):
    obstacle = ObstacleFactory(team=team)
    with pytest.raises(ValidationError):
        services.obstacle_resolve(obstacle=obstacle, resolution=" ", by=pm)
    services.obstacle_resolve(obstacle=obstacle, resolution="Platform shipped the endpoint", by=pm)
    obstacle.refresh_from_db()
    assert obstacle.resolved_at is not None
    with pytest.raises(ValidationError):
        services.obstacle_resolve(obstacle=obstacle, resolution="again", by=pm)
    services.obstacle_reopen(obstacle=obstacle, by=pm)
    obstacle.refresh_from_db()
    assert obstacle.resolved_at is None


def test_open_list_is_what_the_sync_prefills(org, team):
    old = ObstacleFactory(team=team)
    ObstacleFactory(team=team, resolved_at=old.opened_at)
    other_team = ObstacleFactory(team=TeamFactory(org=org))
    ObstacleFactory()
    assert list(selectors.obstacle_open_list(org=org, team=team)) == [old]
    assert set(selectors.obstacle_open_list(org=org)) == {old, other_team}


# --- Views -------------------------------------------------------------------------------------


def test_list_shows_open_obstacles_by_default(client_for, pm, team):
    ObstacleFactory(team=team, title="Waiting for the data team")
    ObstacleFactory(team=team, title="Old one", resolved_at=team.created_at)
    body = client_for(pm).get(reverse("rituals:obstacle_list")).content.decode()
    assert "Waiting for the data team" in body
    assert "Old one" not in body
    body = client_for(pm).get(reverse("rituals:obstacle_list"), {"status": "all"}).content.decode()
    assert "Old one" in body


def test_list_filters_by_kind_team_and_owner(client_for, pm, team):
    ObstacleFactory(team=team, title="Mine", kind="customer_issue", owner=pm)
    ObstacleFactory(team=TeamFactory(org=team.org), title="Theirs", kind="missing_capability")
    client = client_for(pm)
    assert (
        "Theirs"
        not in client.get(reverse("rituals:obstacle_list"), {"kind": "customer_issue"}).content.decode()
    )
    assert "Theirs" not in client.get(reverse("rituals:obstacle_list"), {"team": team.slug}).content.decode()
    body = client.get(reverse("rituals:obstacle_list"), {"mine": "1"}).content.decode()
    assert "Mine" in body
    assert "Theirs" not in body


def test_empty_list_says_what_to_do(client_for, pm):
    assert "No open obstacle" in client_for(pm).get(reverse("rituals:obstacle_list")).content.decode()


def test_raise_from_the_form(client_for, pm, team):
    response = client_for(pm).post(
        reverse("rituals:obstacle_create"),
        {"team": team.pk, "kind": "stakeholder_decision", "title": "Legal must approve", "owner": pm.pk},
    )
    obstacle = Obstacle.objects.get()
    assert response.url == reverse("rituals:obstacle_detail", args=[obstacle.pk])
    assert (obstacle.key, obstacle.owner, obstacle.raised_in_sync) == ("OB-1", pm, None)


def test_raise_from_a_sync_item(client_for, pm, team):
    item = SyncItemFactory(section__sync__team=team, title="Data team busy")
    client = client_for(pm)
    url = reverse("rituals:obstacle_create") + f"?item={item.pk}"
    assert "Data team busy" in client.get(url).content.decode()
    client.post(url, {"team": team.pk, "kind": "cross_team_dependency", "title": "Data team busy"})
    assert Obstacle.objects.get().raised_in_sync == item.sync


def test_raise_shows_field_errors(client_for, pm):
    response = client_for(pm).post(reverse("rituals:obstacle_create"), {"title": ""})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_edit_and_resolve_from_the_detail_page(client_for, pm, team):
    obstacle = ObstacleFactory(team=team)
    client = client_for(pm)
    client.post(
        reverse("rituals:obstacle_detail", args=[obstacle.pk]),
        {"team": team.pk, "kind": "customer_issue", "title": "Renamed", "owner": pm.pk},
    )
    response = client.post(reverse("rituals:obstacle_resolve", args=[obstacle.pk]), {"resolution": ""})
    assert response.status_code == 400
    client.post(reverse("rituals:obstacle_resolve", args=[obstacle.pk]), {"resolution": "Agreed a date"})
    obstacle.refresh_from_db()
    assert (obstacle.title, obstacle.kind, obstacle.owner, obstacle.resolution) == (
        "Renamed",
        "customer_issue",
        pm,
        "Agreed a date",
    )
    assert (
        "Agreed a date" in client.get(reverse("rituals:obstacle_detail", args=[obstacle.pk])).content.decode()
    )


def test_viewer_may_not_change_obstacles(client_for, viewer, team):
    obstacle = ObstacleFactory(team=team, org=viewer.org)
    client = client_for(viewer)
    assert client.get(reverse("rituals:obstacle_detail", args=[obstacle.pk])).status_code == 200
    assert client.get(reverse("rituals:obstacle_create")).status_code == 403
    assert client.post(reverse("rituals:obstacle_detail", args=[obstacle.pk]), {}).status_code == 403
    assert (
        client.post(reverse("rituals:obstacle_resolve", args=[obstacle.pk]), {"resolution": "x"}).status_code
        == 403
    )
    assert client.post(reverse("rituals:obstacle_reopen", args=[obstacle.pk])).status_code == 403


def test_every_obstacle_url_is_404_for_another_organisation(assert_404_for_outsider, team):
    obstacle = ObstacleFactory(team=team)
    assert_404_for_outsider(reverse("rituals:obstacle_detail", args=[obstacle.pk]), methods=("get", "post"))
    assert_404_for_outsider(reverse("rituals:obstacle_resolve", args=[obstacle.pk]), methods=("post",))
    assert_404_for_outsider(reverse("rituals:obstacle_reopen", args=[obstacle.pk]), methods=("post",))
    item = SyncItemFactory(section__sync__team=team)
    assert_404_for_outsider(reverse("rituals:obstacle_create") + f"?item={item.pk}", methods=("get", "post"))
