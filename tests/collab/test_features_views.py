from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.features import services
from collab.models import Feature, KeyResult, Objective, Spec
from tests.factories import FeatureFactory, SpecFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _feature(team: Any, **kwargs: Any) -> Feature:
    feature = FeatureFactory(team=team, **kwargs)
    SpecFactory(feature=feature)
    return feature


def test_list_shows_org_features_sorted_by_rice(client_for: Any, pm: Any, team: Any) -> None:
    low = _feature(team, title="Low value", rice_score=10)
    high = _feature(team, title="High value", rice_score=900)
    FeatureFactory(title="Someone else's")  # another organisation
    response = client_for(pm).get(reverse("collab:feature_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(high.title) < body.index(low.title)
    assert "Someone else" not in body


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"kind": "tech_debt"}, "Debt", "Checkout"),
        ({"status": "delivered"}, "Checkout", "Debt"),
        ({"q": "check"}, "Checkout", "Debt"),
        ({"quarter": "2026-Q1"}, "Debt", "Checkout"),
    ],
)
def test_list_filters(client_for: Any, pm: Any, team: Any, params: dict, shown: str, hidden: str) -> None:
    _feature(team, title="Checkout", kind="product", status="delivered", planned_week="2026-W20")
    _feature(team, title="Debt", kind="tech_debt", status="framing", planned_week="2026-W13")
    body = client_for(pm).get(reverse("collab:feature_list"), params).content.decode()
    assert shown in body
    assert hidden not in body


def test_list_filter_by_team(client_for: Any, pm: Any, team: Any, org: Any) -> None:
    other = TeamFactory(org=org)
    _feature(team, title="Ours")
    _feature(other, title="Theirs")
    body = client_for(pm).get(reverse("collab:feature_list"), {"team": other.slug}).content.decode()
    assert "Theirs" in body
    assert "Ours" not in body


def test_list_htmx_returns_only_the_table(client_for: Any, pm: Any, team: Any) -> None:
    _feature(team, title="Checkout")
    response = client_for(pm).get(reverse("collab:feature_list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="feature-table"')
    assert "<html" not in body
    assert "Checkout" in body


def test_list_query_count_does_not_grow(client_for: Any, pm: Any, team: Any) -> None:
    client = client_for(pm)
    _feature(team)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("collab:feature_list"))
    for _ in range(15):
        _feature(team)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("collab:feature_list"))
    assert len(many) == len(few)


def test_create_generates_key_and_computes_rice(client_for: Any, pm: Any, team: Any) -> None:
    response = client_for(pm).post(
        reverse("collab:feature_create"),
        {
            "title": "Faster checkout",
            "team": team.pk,
            "kind": "product",
            "rice_reach": "1000",
            "rice_impact": "2",
            "rice_confidence": "0.5",
            "rice_effort": "4",
            "planned_week": "2026-W10",
        },
    )
    feature = Feature.objects.get(title="Faster checkout")
    assert response.status_code == 302
    assert feature.key == f"{team.slug.replace('-', '').upper()}-1"
    assert feature.rice_score == pytest.approx(250)
    assert Spec.objects.filter(feature=feature).exists()


def test_create_shows_field_errors(client_for: Any, pm: Any, team: Any) -> None:
    response = client_for(pm).post(
        reverse("collab:feature_create"),
        {"title": "", "team": team.pk, "kind": "product", "rice_reach": "10", "planned_week": "2026-13"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Use an ISO week such as 2026-W07." in body
    assert "Give all four RICE inputs" in body


RICE_OK = {"rice_reach": "1000", "rice_impact": "2", "rice_confidence": "0.5", "rice_effort": "4"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rice_impact", "7", "Impact is one of 3 (massive), 2 (high), 1 (medium), 0.5 (low) or 0.25"),
        ("rice_impact", "1.5", "Impact is one of 3 (massive)"),
        ("rice_reach", "99999999999999", "Reach is between 0 and 10,000,000"),
        ("rice_confidence", "1.2", "Ensure this value is less than or equal to 1."),
        ("rice_effort", "100000", "Effort is more than 0 and at most 1,000 person-months."),
        ("rice_effort", "0", "Effort is more than 0 and at most 1,000 person-months."),
    ],
)
def test_create_refuses_rice_inputs_off_the_scale(
    client_for: Any, pm: Any, team: Any, field: str, value: str, message: str
) -> None:
    data = {"title": "Absurd", "team": team.pk, "kind": "product", **RICE_OK, field: value}
    response = client_for(pm).post(reverse("collab:feature_create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Give all four RICE inputs" not in body
    assert not Feature.objects.filter(title="Absurd").exists()


def test_create_refused_to_engineer_and_viewer(client_for: Any, make_member: Any, team: Any) -> None:
    for role in ("engineer", "viewer"):
        response = client_for(make_member(role, team=team)).get(reverse("collab:feature_create"))
        assert response.status_code == 403


def test_pm_cannot_create_for_a_team_they_do_not_lead(client_for: Any, pm: Any, org: Any) -> None:
    other = TeamFactory(org=org)
    response = client_for(pm).post(
        reverse("collab:feature_create"), {"title": "X", "team": other.pk, "kind": "product"}
    )
    assert response.status_code == 200
    assert not Feature.objects.filter(title="X").exists()


def test_edit_keeps_rice_in_step_and_links_dependencies(
    client_for: Any, pm: Any, team: Any, org: Any
) -> None:
    feature = _feature(team, rice_reach=10, rice_impact=1, rice_confidence=1, rice_effort=1)
    other_team_feature = _feature(TeamFactory(org=org), key="F-900")
    objective = Objective.objects.create(org=org, key="O1", title="Grow", quarter="2026-Q1")
    kr = KeyResult.objects.create(
        org=org, objective=objective, key="KR1", title="Activation", kind="business", target=40
    )
    response = client_for(pm).post(
        reverse("collab:feature_edit", args=[feature.key]),
        {
            "title": feature.title,
            "team": team.pk,
            "kind": "product",
            "rice_reach": "100",
            "rice_impact": "1",
            "rice_confidence": "1",
            "rice_effort": "2",
            "key_results": [kr.pk],
            "depends_on_keys": "f-900",
        },
    )
    feature.refresh_from_db()
    assert response.status_code == 302
    assert feature.rice_score == pytest.approx(50)
    assert list(feature.depends_on.all()) == [other_team_feature]
    assert list(feature.key_results.all()) == [kr]


def test_edit_unknown_dependency_is_a_field_error(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team)
    response = client_for(pm).post(
        reverse("collab:feature_edit", args=[feature.key]),
        {"title": "T", "team": team.pk, "kind": "product", "depends_on_keys": "F-404"},
    )
    assert "No feature with the key F-404." in response.content.decode()


def test_feature_page_shows_spec_and_offers_sensible_transitions(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team, status="framing")
    response = client_for(pm).get(reverse("collab:feature_detail", args=[feature.key]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "conversion" in body  # a success criterion of the spec
    assert 'name="to" value="dropped"' not in body  # dropping asks why first
    assert reverse("collab:feature_drop", args=[feature.key]) in body
    assert 'name="to" value="aligned"' not in body
    assert 'name="to" value="delivered"' not in body


def test_feature_page_read_only_for_engineer(client_for: Any, make_member: Any, team: Any) -> None:
    feature = _feature(team, status="framing")
    body = (
        client_for(make_member("engineer", team=team))
        .get(reverse("collab:feature_detail", args=[feature.key]))
        .content.decode()
    )
    assert 'name="to"' not in body
    assert reverse("collab:feature_edit", args=[feature.key]) not in body


def test_feature_page_query_count_is_fixed(client_for: Any, pm: Any, team: Any) -> None:
    from delivery.models import Deployment

    client = client_for(pm)
    feature = _feature(team, status="framing")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("collab:feature_detail", args=[feature.key]))
    for n in range(5):
        dep = _feature(team)
        feature.depends_on.add(dep)
        deployment = Deployment.objects.create(
            org=team.org,
            team=team,
            key=f"d{n}",
            environment="production",
            result="success",
            finished_at="2026-01-05T10:00:00+01:00",
        )
        deployment.features.add(feature)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("collab:feature_detail", args=[feature.key]))
    assert len(many) == len(few)


def test_transition_to_delivered_sets_date(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team, status="in_progress")
    client_for(pm).post(reverse("collab:feature_transition", args=[feature.key]), {"to": "delivered"})
    feature.refresh_from_db()
    assert feature.status == "delivered"
    assert feature.delivered_at is not None


def test_transition_refused_for_viewer(client_for: Any, viewer: Any, team: Any) -> None:
    feature = _feature(team, status="in_progress")
    response = client_for(viewer).post(
        reverse("collab:feature_transition", args=[feature.key]), {"to": "delivered"}
    )
    assert response.status_code == 403


def test_review_rejection_sends_back_to_in_progress(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team, status="delivered")
    response = client_for(pm).post(
        reverse("collab:review_create", args=[feature.key]),
        {"outcome": "rejected", "reason": "Latency too high", "met_0": "on"},
    )
    feature.refresh_from_db()
    assert response.status_code == 302
    assert feature.status == "in_progress"


def test_review_accept_with_unmet_criterion_says_why(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team, status="delivered")
    response = client_for(pm).post(
        reverse("collab:review_create", args=[feature.key]), {"outcome": "accepted", "met_0": "on"}
    )
    assert response.status_code == 200
    assert "Not met: p95 latency" in response.content.decode()


def test_roadmap_places_features_and_shows_tech_debt(client_for: Any, pm: Any, team: Any) -> None:
    _feature(team, key="F-1", title="Checkout", rice_score=500, effort_points=3, status="framing")
    _feature(
        team,
        key="F-2",
        title="Old billing",
        kind="tech_debt",
        rice_score=20,
        effort_points=8,
        status="aligned",
    )
    _feature(team, key="F-3", title="Unscored", rice_score=None, status="idea")
    response = client_for(pm).get(reverse("collab:roadmap"), {"team": team.slug})
    body = response.content.decode()
    assert response.status_code == 200
    assert "F-1" in body
    assert "F-2" in body
    assert "kind-tech_debt" in body
    assert "Not placed" in body
    assert "Unscored" in body


def test_roadmap_unknown_team_is_404(client_for: Any, pm: Any) -> None:
    assert client_for(pm).get(reverse("collab:roadmap"), {"team": "nope"}).status_code == 404


def test_roadmap_svg_coordinates_not_localized(client_for: Any, pm: Any, team: Any) -> None:
    _feature(team, key="F-1", rice_score=123.4, effort_points=3, status="framing")
    _feature(team, key="F-2", rice_score=20, effort_points=8, status="framing")
    body = client_for(pm).get(reverse("collab:roadmap"), headers={"accept-language": "fr"}).content.decode()
    import re

    assert not re.search(r'x="\d+,\d+%"', body)


@pytest.mark.parametrize(
    ("name", "methods"),
    [
        ("collab:feature_detail", ("get",)),
        ("collab:feature_edit", ("get", "post")),
        ("collab:feature_transition", ("post",)),
        ("collab:review_create", ("get", "post")),
        ("collab:spec_edit", ("get", "post")),
        ("collab:spec_history", ("get",)),
        ("collab:spec_business", ("get",)),
        ("collab:spec_session", ("get", "post")),
        ("collab:spec_session_start", ("post",)),
        ("collab:spec_session_phase", ("post",)),
        ("collab:spec_session_end", ("post",)),
        ("collab:spec_session_record", ("get", "post")),
    ],
)
def test_other_organisation_gets_404(
    assert_404_for_outsider: Any, team: Any, name: str, methods: tuple
) -> None:
    feature = _feature(team)
    assert_404_for_outsider(reverse(name, args=[feature.key]), methods=methods)


def test_feature_list_does_not_leak_other_orgs_via_team_filter(client_for: Any, pm: Any) -> None:
    foreign = _feature(TeamFactory(), title="Foreign")
    body = client_for(pm).get(reverse("collab:feature_list"), {"team": foreign.team.slug}).content.decode()
    assert "Foreign" not in body


def test_services_create_keys_in_sequence(org: Any, team: Any, pm: Any) -> None:
    first = services.feature_create(org=org, team=team, title="A", by=pm)
    second = services.feature_create(org=org, team=team, title="B", by=pm)
    assert int(second.key.rsplit("-", 1)[1]) == int(first.key.rsplit("-", 1)[1]) + 1


def test_a_past_delivery_day_ends_at_five_in_the_organisations_time_zone(
    client_for: Any, pm: Any, team: Any
) -> None:
    team.org.time_zone = "America/New_York"
    team.org.save(update_fields=["time_zone"])
    feature = _feature(team, status="in_progress")
    client_for(pm).post(
        reverse("collab:feature_transition", args=[feature.key]),
        {"to": "delivered", "delivered_on": "2026-01-15"},
    )
    feature.refresh_from_db()
    assert feature.delivered_at == datetime(2026, 1, 15, 17, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(("language", "shown"), [("en", "delivered 2 Dec 2026"), ("fr", "2 déc. 2026")])
def test_dates_spell_the_month_in_the_readers_language(
    client_for: Any, pm: Any, team: Any, language: str, shown: str
) -> None:
    delivered = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    feature = _feature(team, status="delivered", delivered_at=delivered)
    body = (
        client_for(pm)
        .get(reverse("collab:feature_detail", args=[feature.key]), HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
    )
    assert shown in body
    assert "12/02/2026" not in body
    assert "02/12/2026" not in body


def test_drop_asks_for_a_reason_and_shows_it_on_the_feature_page(client_for: Any, pm: Any, team: Any) -> None:
    feature = _feature(team, status="framing")
    client = client_for(pm)
    url = reverse("collab:feature_drop", args=[feature.key])
    # The status form's one click no longer drops: it leads to the confirmation.
    response = client.post(reverse("collab:feature_transition", args=[feature.key]), {"to": "dropped"})
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert 'name="reason"' in page
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the feature is dropped" in response.content.decode()
    feature.refresh_from_db()
    assert feature.status == "framing"
    response = client.post(url, {"reason": "Superseded by the one-page checkout"})
    assert response.status_code == 302
    feature.refresh_from_db()
    assert feature.status == "dropped"
    body = client.get(reverse("collab:feature_detail", args=[feature.key])).content.decode()
    assert "Superseded by the one-page checkout" in body
    assert pm.user.get_full_name() in body


def test_drop_refused_to_an_engineer_and_for_an_accepted_feature(
    client_for: Any, pm: Any, make_member: Any, team: Any
) -> None:
    feature = _feature(team, status="framing")
    engineer = client_for(make_member("engineer", team=team))
    url = reverse("collab:feature_drop", args=[feature.key])
    assert engineer.post(url, {"reason": "no"}).status_code == 403
    accepted = _feature(team, status="accepted")
    response = client_for(pm).post(reverse("collab:feature_drop", args=[accepted.key]), {"reason": "x"})
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "accepted"
