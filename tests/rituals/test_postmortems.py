from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delivery.models import Incident
from rituals.conflicts import services
from rituals.models import PostMortem
from tests.factories import FeatureFactory, TeamFactory
from tests.rituals.factories import PostMortemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(team):
    started = timezone.now() - timedelta(hours=6)
    return Incident.objects.create(
        org=team.org,
        team=team,
        key="INC-7",
        title="Checkout down",
        started_at=started,
        resolved_at=started + timedelta(hours=2),
    )


def test_incident_post_mortem_with_timeline_and_actions(org, team, pm, incident):
    at1, at2 = incident.started_at, incident.started_at + timedelta(minutes=40)
    postmortem = services.postmortem_create(
        org=org,
        team=team,
        kind="incident",
        title="Checkout outage",
        incident=incident,
        by=pm,
        summary="Payments failed for 2 hours",
        timeline=[
            {"at": at2, "text": "Rolled back"},
            {"at": at1, "text": "Alert fired"},
            {"at": None, "text": ""},
        ],
        causes="No canary on the payment service",
        action_items=[
            {"title": "Add a canary", "owner": pm.user.email.upper(), "due": date(2026, 4, 1)},
            {"title": "", "owner": "", "due": None},
        ],
    )
    postmortem.refresh_from_db()
    assert [row["text"] for row in postmortem.timeline] == ["Alert fired", "Rolled back"]
    assert datetime.fromisoformat(postmortem.timeline[0]["at"]) == at1
    assert postmortem.action_items == [
        {"title": "Add a canary", "owner": pm.user.email, "due": "2026-04-01", "done": False}
    ]
    assert postmortem.incident == incident


def test_delivery_delay_post_mortem_is_about_a_feature(org, team, pm):
    feature = FeatureFactory(team=team, org=org)
    postmortem = services.postmortem_create(
        org=org, team=team, kind="delivery_delay", title="Late export", feature=feature, by=pm
    )
    assert (postmortem.feature, postmortem.incident) == (feature, None)
    with pytest.raises(ValidationError) as exc:
        services.postmortem_create(org=org, team=team, kind="delivery_delay", title="x", by=pm)
    assert "feature" in exc.value.message_dict


def test_subject_and_owners_must_belong_to_the_organisation(org, team, pm, incident):
    other = TeamFactory()
    foreign_incident = Incident.objects.create(
        org=other.org, team=other, key="X", title="x", started_at=timezone.now()
    )
    with pytest.raises(ValidationError) as exc:
        services.postmortem_create(
            org=org, team=team, kind="incident", title="x", incident=foreign_incident, by=pm
        )
    assert "incident" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.postmortem_create(
            org=org,
            team=team,
            kind="incident",
            title="x",
            incident=incident,
            by=pm,
            action_items=[{"title": "a", "owner": "stranger@example.test"}],
        )
    assert "action_items" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.postmortem_create(
            org=org,
            team=team,
            kind="incident",
            title="x",
            incident=incident,
            by=pm,
            timeline=[{"at": None, "text": "t"}],
        )


def test_update_rewrites_the_sections(team, pm):
    postmortem = PostMortemFactory(team=team, feature=FeatureFactory(team=team, org=team.org))
    services.postmortem_update(
        postmortem=postmortem,
        title="New",
        held_at=None,
        summary="s",
        timeline=[],
        causes="c",
        learnings="l",
        action_items=[{"title": "Do it", "owner": "", "due": None, "done": True}],
    )
    postmortem.refresh_from_db()
    assert (postmortem.title, postmortem.causes, postmortem.action_items[0]["done"]) == ("New", "c", True)


# --- Views -------------------------------------------------------------------------------------


def _formset_data(prefix, rows, extra=0, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_write_from_an_incident(client_for, pm, team, incident):
    client = client_for(pm)
    url = reverse("rituals:postmortem_create") + f"?incident={incident.pk}"
    assert "Checkout down" in client.get(url).content.decode()
    data = {
        "kind": "incident",
        "team": team.pk,
        "incident": incident.pk,
        "title": "Checkout outage",
        "summary": "Payments failed",
        **_formset_data("timeline", [{"at": "2026-03-02T10:00", "text": "Alert"}], extra=2),
        **_formset_data(
            "actions", [{"title": "Add a canary", "owner": pm.user.email, "due": "2026-04-01"}], extra=1
        ),
    }
    response = client.post(url, data)
    postmortem = PostMortem.objects.get()
    assert response.url == reverse("rituals:postmortem_detail", args=[postmortem.pk])
    assert postmortem.timeline[0]["text"] == "Alert"
    assert postmortem.action_items[0]["owner"] == pm.user.email
    body = client.get(response.url).content.decode()
    assert "Add a canary" in body
    assert "Blameless" in body


def test_write_from_a_delayed_feature_prefills_it(client_for, pm, team):
    feature = FeatureFactory(team=team, org=team.org, title="Bulk export")
    body = (
        client_for(pm).get(reverse("rituals:postmortem_create") + f"?feature={feature.pk}").content.decode()
    )
    assert "Delivery delay: Bulk export" in body


def test_form_errors_are_shown(client_for, pm, team):
    data = {
        "kind": "incident",
        "team": team.pk,
        "title": "x",
        **_formset_data("timeline", []),
        **_formset_data("actions", []),
    }
    response = client_for(pm).post(reverse("rituals:postmortem_create"), data)
    assert response.status_code == 200
    assert "Choose the incident this post-mortem is about." in response.content.decode()


def test_edit_keeps_rows_and_adds_blank_ones(client_for, pm, team, incident):
    postmortem = PostMortemFactory(
        team=team,
        kind="incident",
        incident=incident,
        timeline=[{"at": "2026-03-02T10:00:00+01:00", "text": "Alert"}],
        action_items=[{"title": "Canary", "owner": pm.user.email, "due": "2026-04-01", "done": False}],
    )
    client = client_for(pm)
    body = client.get(reverse("rituals:postmortem_edit", args=[postmortem.pk])).content.decode()
    assert 'value="Alert"' in body
    assert 'value="Canary"' in body
    data = {
        "title": "Renamed",
        # As the browser sends it: the rows already written are the formsets' initial forms.
        **_formset_data(
            "timeline",
            [{"at": "2026-03-02T10:00", "text": "Alert"}, {"at": "2026-03-02T10:30", "text": "Fixed"}],
            initial=1,
        ),
        **_formset_data(
            "actions",
            [{"title": "Canary", "owner": pm.user.email, "due": "2026-04-01", "done": "on"}],
            initial=1,
        ),
    }
    assert client.post(reverse("rituals:postmortem_edit", args=[postmortem.pk]), data).status_code == 302
    postmortem.refresh_from_db()
    assert [r["text"] for r in postmortem.timeline] == ["Alert", "Fixed"]
    assert postmortem.action_items[0]["done"] is True


def test_list_filters_and_empty_state(client_for, pm, team):
    client = client_for(pm)
    assert "No post-mortem yet" in client.get(reverse("rituals:postmortem_list")).content.decode()
    PostMortemFactory(team=team, title="Late export")
    assert "Late export" in client.get(reverse("rituals:postmortem_list")).content.decode()
    assert (
        "Late export"
        not in client.get(reverse("rituals:postmortem_list"), {"kind": "incident"}).content.decode()
    )


def test_viewer_reads_but_does_not_write(client_for, viewer, team):
    postmortem = PostMortemFactory(team=team, org=viewer.org)
    client = client_for(viewer)
    assert client.get(reverse("rituals:postmortem_detail", args=[postmortem.pk])).status_code == 200
    assert client.get(reverse("rituals:postmortem_create")).status_code == 403
    assert client.get(reverse("rituals:postmortem_edit", args=[postmortem.pk])).status_code == 403


def test_every_post_mortem_url_is_404_for_another_organisation(assert_404_for_outsider, team, incident):
    postmortem = PostMortemFactory(team=team)
    assert_404_for_outsider(reverse("rituals:postmortem_detail", args=[postmortem.pk]))
    assert_404_for_outsider(reverse("rituals:postmortem_edit", args=[postmortem.pk]), methods=("get", "post"))
    assert_404_for_outsider(reverse("rituals:postmortem_create") + f"?incident={incident.pk}")
    feature = FeatureFactory(team=team, org=team.org)
    assert_404_for_outsider(reverse("rituals:postmortem_create") + f"?feature={feature.pk}")
