from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delivery.models import Deployment
from rituals.leadership import records, selectors
from rituals.leadership.models import TechWin, UserInterview
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory
from tests.productops.factories import FeedbackItemFactory

pytestmark = pytest.mark.django_db


def win_input(**overrides: Any) -> records.TechWinInput:
    values: dict[str, Any] = {
        "title": "Checkout pages load in 1.2 s",
        "metric": "Checkout conversion",
        "unit": "%",
        "before": Decimal("2.1"),
        "after": Decimal("2.6"),
        "period_start": dt.date(2026, 9, 1),
        "period_end": dt.date(2026, 10, 31),
        "story": "Pages load twice as fast since the CDN migration; more visitors finish their purchase.",
    }
    return records.TechWinInput(**(values | overrides))


@pytest.fixture
def debt_feature(team: Any) -> Any:
    return FeatureFactory(team=team, kind="tech_debt", key="F-CDN")


def test_tech_win_is_shared_only_after_a_product_review(
    org: Any, debt_feature: Any, tech_lead: Any, pm: Any
) -> None:
    win = records.tech_win_create(org=org, data=win_input(feature=debt_feature), by=tech_lead)
    assert (win.key, win.status, win.team) == ("TW-1", "draft", debt_feature.team)
    with pytest.raises(ValidationError):
        records.tech_win_review(win=win, by=pm, approve=True)  # not submitted yet
    records.tech_win_submit(win=win)
    with pytest.raises(ValidationError):
        records.tech_win_review(win=win, by=tech_lead, approve=True)  # not a product role
    with pytest.raises(ValidationError):
        records.tech_win_review(win=win, by=pm, approve=False)  # sending back needs a note
    win = records.tech_win_review(win=win, by=pm, approve=True)
    assert win.status == "shared"
    assert win.shared_at is not None
    assert selectors.tech_wins_for_digest(
        org=org, since=timezone.now() - dt.timedelta(days=7), until=timezone.now() + dt.timedelta(minutes=1)
    ) == [win]
    assert selectors.tech_wins_per_quarter(org=org)[-1][1] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "feature"),  # no technical change linked
        ({"feature": "product"}, "feature"),  # a product feature is not a technical change
        ({"feature": "other_org"}, "feature"),
        ({"period_end": dt.date(2026, 8, 1)}, "period_end"),
        ({"before": Decimal("1e20")}, "before"),
    ],
)
def test_tech_win_refusals(org: Any, team: Any, tech_lead: Any, change: dict[str, Any], field: str) -> None:
    if change.get("feature") == "product":
        change["feature"] = FeatureFactory(team=team, kind="product")
    elif change.get("feature") == "other_org":
        change["feature"] = FeatureFactory(team=TeamFactory(), kind="platform")
    with pytest.raises(ValidationError) as exc:
        records.tech_win_create(org=org, data=win_input(**change), by=tech_lead)
    assert field in exc.value.message_dict


def test_a_deployment_is_a_technical_change_too(org: Any, team: Any, tech_lead: Any) -> None:
    deployment = Deployment.objects.create(
        org=org, team=team, key="d-1", environment="production", result="success", finished_at=timezone.now()
    )
    win = records.tech_win_create(org=org, data=win_input(deployment=deployment), by=tech_lead)
    assert win.team == team


def test_tech_win_pages_roles_and_dashboard(
    org: Any, debt_feature: Any, tech_lead: Any, pm: Any, viewer: Any, client_for: Any
) -> None:
    client = client_for(tech_lead)
    data = {
        "title": "Faster checkout",
        "feature": debt_feature.pk,
        "metric": "Conversion",
        "unit": "%",
        "before": "2.1",
        "after": "2.6",
        "period_start": "2026-09-01",
        "period_end": "2026-10-31",
        "story": "Pages load twice as fast; more visitors buy.",
    }
    response = client.post(reverse("rituals:tech_win_create"), data)
    win = TechWin.objects.get()
    assert response.status_code == 302
    client.post(reverse("rituals:tech_win_submit", args=[win.pk]))
    assert (
        client.post(reverse("rituals:tech_win_review", args=[win.pk]), {"decision": "share"}).status_code
        == 403
    )
    client = client_for(pm)
    assert (
        client.post(reverse("rituals:tech_win_review", args=[win.pk]), {"decision": "share"}).status_code
        == 302
    )
    panel = client.get(reverse("rituals:leadership_panel")).content.decode()
    assert "Faster checkout" in panel
    assert "2.1" in panel
    assert "2.6" in panel
    client = client_for(viewer)
    assert client.get(reverse("rituals:tech_win_create")).status_code == 403


@pytest.mark.parametrize(
    "patch",
    [
        {"before": "1" * 40},
        {"period_start": "99999-01-01"},
        {"period_start": "1900-01-01"},
        {"story": ""},
        {"feature": "abc"},
    ],
)
def test_bad_tech_win_input_shows_errors(
    debt_feature: Any, tech_lead: Any, client_for: Any, patch: dict[str, str]
) -> None:
    data = {
        "title": "Faster checkout",
        "feature": debt_feature.pk,
        "metric": "Conversion",
        "before": "2.1",
        "after": "2.6",
        "period_start": "2026-09-01",
        "period_end": "2026-10-31",
        "story": "Pages load twice as fast.",
    } | patch
    response = client_for(tech_lead).post(reverse("rituals:tech_win_create"), data)
    assert response.status_code == 200
    assert not TechWin.objects.exists()


def test_tech_win_other_org_gets_404(
    org: Any, debt_feature: Any, tech_lead: Any, assert_404_for_outsider: Any
) -> None:
    win = records.tech_win_create(org=org, data=win_input(feature=debt_feature), by=tech_lead)
    for name in ("tech_win_detail", "tech_win_edit"):
        assert_404_for_outsider(reverse(f"rituals:{name}", args=[win.pk]))
    for name in ("tech_win_submit", "tech_win_review"):
        assert_404_for_outsider(reverse(f"rituals:{name}", args=[win.pk]), methods=("post",))


# --- Interviews ---------------------------------------------------------------------------------


def test_interview_share_per_team_and_quarter(org: Any, team: Any, pm: Any, make_member: Any) -> None:
    engineer = make_member("engineer", team=team)
    today = timezone.localdate()
    for attendees in ([pm, engineer], [pm], [pm]):
        records.interview_create(
            org=org,
            data=records.InterviewInput(
                team=team,
                held_on=today,
                customer="SMB retailers",
                attendees=[records.AttendeeInput(role=m.role, membership=m) for m in attendees],
            ),
            by=pm,
        )
    quarters, rows = selectors.interview_shares(org=org)
    assert [r.team for r in rows] == [team]
    assert rows[0].by_quarter[-1] == (quarters[-1], 1, 3)


def test_interview_page_links_feedback_and_features(
    org: Any, team: Any, pm: Any, make_member: Any, client_for: Any
) -> None:
    lead = make_member("tech_lead", team=team)
    feedback = FeedbackItemFactory(logged_by=pm, received_on=timezone.localdate())
    feature = FeatureFactory(team=team)
    client = client_for(pm)
    response = client.post(
        reverse("rituals:interview_create"),
        {
            "team": team.pk,
            "held_on": "2026-11-20",
            "customer": "Acme (enterprise)",
            "members": [pm.pk, lead.pk],
            "customers": "Alice Martin, Bob Roy",
            "notes": "Exports are too slow",
            "feedback_items": [feedback.pk],
            "features": [feature.pk],
        },
    )
    assert response.status_code == 302
    interview = UserInterview.objects.get()
    assert interview.with_engineer
    assert sorted(a.role for a in interview.attendees.all()) == ["customer", "customer", "pm", "tech_lead"]
    assert list(interview.feedback_items.all()) == [feedback]
    assert list(interview.features.all()) == [feature]
    panel = client.get(reverse("rituals:interviews_panel")).content.decode()
    assert team.name in panel
    assert "100 %" in panel


def test_interview_refuses_other_org_records(org: Any, team: Any, pm: Any, client_for: Any) -> None:
    foreign = FeedbackItemFactory(logged_by__org=OrganisationFactory(), received_on=timezone.localdate())
    response = client_for(pm).post(
        reverse("rituals:interview_create"),
        {
            "team": team.pk,
            "held_on": "2026-11-20",
            "customer": "Acme",
            "members": [pm.pk],
            "feedback_items": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert not UserInterview.objects.exists()


def test_interview_other_org_gets_404(org: Any, team: Any, pm: Any, assert_404_for_outsider: Any) -> None:
    interview = records.interview_create(
        org=org,
        data=records.InterviewInput(
            team=team,
            held_on=dt.date(2026, 11, 2),
            customer="x",
            attendees=[records.AttendeeInput(role="pm", membership=pm)],
        ),
        by=pm,
    )
    assert_404_for_outsider(reverse("rituals:interview_detail", args=[interview.pk]))
    assert_404_for_outsider(reverse("rituals:interview_delete", args=[interview.pk]), methods=("post",))
    assert_404_for_outsider(reverse("rituals:interview_edit", args=[interview.pk]), methods=("get", "post"))


# --- Targets ------------------------------------------------------------------------------------


def test_targets_are_editable_by_leaders_and_kept_by_the_metric_targets_page(
    org: Any, make_member: Any, pm: Any, client_for: Any
) -> None:
    cpo = make_member("cpo")
    client = client_for(cpo)
    response = client.post(
        reverse("rituals:leadership_targets"), {"speaking_share_min": "45", "interview_engineer_share": "60"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (selectors.speaking_target(org), selectors.interview_target(org)) == (0.45, 0.6)
    client.post(reverse("metrics:targets"), {})
    org.refresh_from_db()
    assert selectors.interview_target(org) == 0.6
    assert client_for(pm).get(reverse("rituals:leadership_targets")).status_code == 403
    response = client_for(cpo).post(
        reverse("rituals:leadership_targets"), {"speaking_share_min": "80", "interview_engineer_share": "-1"}
    )
    assert response.status_code == 200


def test_dashboards_load_the_panels(org: Any, make_member: Any, client_for: Any) -> None:
    client = client_for(make_member("cpo"))
    assert reverse("rituals:leadership_panel").encode() in client.get(reverse("metrics:overview")).content
    assert reverse("rituals:interviews_panel").encode() in client.get(reverse("metrics:health")).content


def test_an_interview_is_edited_keeping_its_links(
    org: Any, team: Any, pm: Any, make_member: Any, client_for: Any
) -> None:
    engineer = make_member("engineer", team=team)
    old_feedback = FeedbackItemFactory(logged_by=pm, received_on=dt.date(2020, 1, 6))
    interview = records.interview_create(
        org=org,
        data=records.InterviewInput(
            team=team,
            held_on=dt.date(2026, 11, 2),
            customer="Acme",
            attendees=[records.AttendeeInput(role="pm", membership=pm)],
            feedback_items=[old_feedback],
        ),
        by=pm,
    )
    client = client_for(pm)
    page = client.get(reverse("rituals:interview_edit", args=[interview.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("rituals:interview_edit", args=[interview.pk]),
        {
            "team": team.pk,
            "held_on": "2026-11-02",
            "customer": "Acme",
            "members": [pm.pk, engineer.pk],
            "feedback_items": [old_feedback.pk],
        },
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.with_engineer
    assert list(interview.feedback_items.all()) == [old_feedback]
