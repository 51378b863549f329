from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from collab.models import AcceptanceReview, Feature, Spec
from productops.launches import readiness, selectors, services
from productops.models import Launch
from rituals.models import SyncItem
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def feature(team):
    return FeatureFactory(team=team, title="Faster exports")


@pytest.fixture
def launch(feature, ops):
    return services.launch_create(
        org=ops.org,
        by=ops,
        feature=feature,
        launch_on=today() + dt.timedelta(days=10),
        tier="tier1",
        owners=[ops],
    )


@pytest.mark.parametrize(
    ("done", "days", "code"),
    [
        ([True, True], 0, readiness.GO),
        ([True, True], -3, readiness.GO),
        ([True, False], 3, readiness.AT_RISK),
        ([True, False], 2, readiness.NO_GO),
        ([False, False], -1, readiness.NO_GO),
        ([], 1, readiness.GO),
    ],
)
def test_readiness_rule(done, days, code):
    checklist = [{"item": str(i), "done": d} for i, d in enumerate(done)]
    day = dt.date(2026, 12, 7)
    result = readiness.readiness(checklist, day + dt.timedelta(days=days), day)
    assert result.code == code
    assert (result.done, result.total) == (sum(done), len(done))


def test_pm_plans_a_launch_from_the_organisation_template(client_for, pm, feature, ops):
    response = client_for(pm).post(
        reverse("productops:launch_create"),
        {
            "feature": feature.pk,
            "launch_on": (today() + dt.timedelta(days=20)).isoformat(),
            "tier": "tier2",
            "owners": [pm.pk, ops.pk],
        },
    )
    launch = Launch.objects.get(org=pm.org)
    assert response.status_code == 302
    assert response["Location"] == reverse("productops:launch_detail", args=[launch.pk])
    template = services.launch_template_ensure(org=pm.org)
    assert [e["item"] for e in launch.checklist] == template.checklist
    assert "Rollback plan written and tested" in template.checklist
    assert set(launch.owners.all()) == {pm, ops}
    page = client_for(pm).get(reverse("productops:launch_detail", args=[launch.pk])).content.decode()
    assert 'data-readiness="at_risk"' in page


def test_product_ops_edits_the_template_an_engineer_may_not(client_for, ops, make_member, feature):
    client_for(ops).post(reverse("productops:launch_template"), {"checklist": "Docs\nStatus page updated\n"})
    assert services.launch_template_ensure(org=ops.org).checklist == ["Docs", "Status page updated"]
    engineer = make_member("engineer")
    assert client_for(engineer).get(reverse("productops:launch_template")).status_code == 403
    pm = make_member("pm")
    assert client_for(pm).get(reverse("productops:launch_template")).status_code == 403


def test_engineer_and_viewer_read_but_do_not_plan(client_for, make_member, launch):
    for role in ("engineer", "viewer"):
        member = make_member(role)
        client = client_for(member)
        assert client.get(reverse("productops:launch_list")).status_code == 200
        assert client.get(reverse("productops:launch_create")).status_code == 403
        assert (
            client.post(reverse("productops:launch_checklist", args=[launch.pk]), {"done": ["0"]}).status_code
            == 403
        )
    launch.refresh_from_db()
    assert not any(e["done"] for e in launch.checklist)


def test_ticking_every_item_makes_the_launch_go(client_for, pm, launch):
    every = [str(i) for i in range(len(launch.checklist))]
    client_for(pm).post(
        reverse("productops:launch_checklist", args=[launch.pk]), {"done": every, "extra": "Blog post"}
    )
    launch.refresh_from_db()
    assert launch.checklist[-1] == {"item": "Blog post", "done": False}
    assert selectors.launch_row(launch=launch).readiness.code == readiness.AT_RISK
    every.append(str(len(launch.checklist) - 1))
    client_for(pm).post(reverse("productops:launch_checklist", args=[launch.pk]), {"done": every})
    launch.refresh_from_db()
    assert selectors.launch_row(launch=launch).readiness.code == readiness.GO


def test_launches_page_splits_upcoming_and_past_and_explains_the_rule(client_for, pm, launch, team, ops):
    old = services.launch_create(
        org=ops.org,
        by=ops,
        feature=FeatureFactory(team=team),
        launch_on=today() - dt.timedelta(days=20),
        tier="tier3",
        owners=[],
    )
    page = client_for(pm).get(reverse("productops:launch_list")).content.decode()
    upcoming, past = page.split('id="upcoming-launches"')[1].split('id="past-launches"')
    assert launch.feature.key in upcoming
    assert old.feature.key not in upcoming
    assert old.feature.key in past
    assert 'id="readiness-rule"' in page
    assert 'id="reviews-due"' in page  # 20 days ago: its post-launch review is due


def test_another_organisations_launch_is_404(client_for, launch):
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(org=OrganisationFactory(), role="product_ops")
    client = client_for(stranger)
    assert client.get(reverse("productops:launch_detail", args=[launch.pk])).status_code == 404
    assert client.post(reverse("productops:launch_checklist", args=[launch.pk])).status_code == 404
    assert client.get(reverse("productops:launch_review", args=[launch.pk])).status_code == 404


def test_bad_dates_are_field_errors_not_500(client_for, pm, feature):
    for value in ("99999-01-01", "2026-02-30", "3026-01-01", "x\x00"):
        response = client_for(pm).post(
            reverse("productops:launch_create"), {"feature": feature.pk, "launch_on": value, "tier": "tier1"}
        )
        assert response.status_code in (200, 400)
    assert not Launch.objects.exists()


def test_upcoming_launches_prefill_the_drive_delivery_section(launch, team, ops):
    sync = drive_sync(ops.org, team, ops)
    item = SyncItem.objects.get(sync=sync, source=f"launch:{launch.pk}")
    assert item.section.code == "delivery"
    assert item.notes == "Launch readiness: at risk"
    assert launch.feature.key in item.title
    assert launch.launch_on.isoformat() in item.title
    # Readiness follows the checklist when the agenda is prepared again.
    services.launch_checklist_update(launch=launch, done=set(range(len(launch.checklist))))
    from rituals.syncs.services import sync_prepare

    sync_prepare(sync)
    item.refresh_from_db()
    assert item.notes == "Launch readiness: go"
    assert SyncItem.objects.filter(sync=sync, source=f"launch:{launch.pk}").count() == 1


def test_a_launch_of_another_team_or_far_away_is_not_in_the_sync(ops, team, feature):
    other = FeatureFactory(team=TeamFactory(org=ops.org))
    services.launch_create(
        org=ops.org, by=ops, feature=other, launch_on=today() + dt.timedelta(days=3), tier="tier1", owners=[]
    )
    services.launch_create(
        org=ops.org,
        by=ops,
        feature=feature,
        launch_on=today() + dt.timedelta(days=90),
        tier="tier1",
        owners=[],
    )
    sync = drive_sync(ops.org, team, ops)
    assert not SyncItem.objects.filter(sync=sync, source__startswith="launch:").exists()


def test_post_launch_review_feeds_the_acceptance_review(client_for, pm, feature, launch):
    Spec.objects.create(
        feature=feature,
        success_criteria=[
            {"kind": "business", "metric": "Exports a week", "target": "+20 %"},
            {"kind": "technical", "metric": "p95 export time", "target": "< 2 s"},
        ],
    )
    Feature.objects.filter(pk=feature.pk).update(status=Feature.Status.DELIVERED, delivered_at=timezone.now())
    client = client_for(pm)
    page = client.get(reverse("productops:launch_review", args=[launch.pk])).content.decode()
    assert "Exports a week" in page
    assert "&lt; 2 s" in page
    client.post(
        reverse("productops:launch_review", args=[launch.pk]),
        {"measured_0": "+24 %", "met_0": "on", "measured_1": "1.4 s", "met_1": "on"},
    )
    launch.review.refresh_from_db()
    assert [m["measured"] for m in launch.review.measurements] == ["+24 %", "1.4 s"]
    response = client.post(
        reverse("productops:launch_review_accept", args=[launch.pk]), {"outcome": "accepted"}
    )
    assert response.status_code == 302
    review = AcceptanceReview.objects.get(feature=feature)
    assert review.outcome == "accepted"
    assert [r["note"] for r in review.criteria_results] == ["+24 %", "1.4 s"]
    launch.review.refresh_from_db()
    assert launch.review.acceptance_review == review
    feature.refresh_from_db()
    assert feature.status == Feature.Status.ACCEPTED
    # Once fed, the measured values no longer change.
    client.post(reverse("productops:launch_review", args=[launch.pk]), {"measured_0": "0", "measured_1": "0"})
    launch.review.refresh_from_db()
    assert launch.review.measurements[0]["measured"] == "+24 %"


def test_accepting_with_an_unmet_target_is_refused(client_for, pm, feature, launch):
    Spec.objects.create(
        feature=feature, success_criteria=[{"kind": "business", "metric": "NPS", "target": "40"}]
    )
    Feature.objects.filter(pk=feature.pk).update(status=Feature.Status.DELIVERED, delivered_at=timezone.now())
    client = client_for(pm)
    client.post(reverse("productops:launch_review", args=[launch.pk]), {"measured_0": "31"})
    client.post(reverse("productops:launch_review_accept", args=[launch.pk]), {"outcome": "accepted"})
    assert not AcceptanceReview.objects.exists()


def test_launch_pages_read_in_french(client_for, pm, launch):
    client = client_for(pm)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("productops:launch_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Lancements à venir" in page
    assert "À risque" in page
    detail = client.get(reverse("productops:launch_detail", args=[launch.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Plan de retour arrière rédigé et testé" in detail.content.decode()
