from __future__ import annotations

import pytest
from django.urls import reverse

from productops import services
from productops.experiments import stats
from productops.models import Experiment, ExperimentRevision
from tests.factories import FeatureFactory
from tests.productops.factories import ExperimentFactory

pytestmark = pytest.mark.django_db


def plan_data(feature, **overrides):
    data = {
        "title": "Shorter checkout",
        "feature": feature.pk,
        "hypothesis": "Removing a step lifts completed orders",
        "primary_metric": "checkout completed",
        "guardrail_metrics": "Error rate\np95 latency",
        "variant_names": "control, treatment",
        "traffic_split": "50, 50",
        "baseline_rate": "0.1",
        "mde": "0.02",
        "daily_traffic": "1000",
        "alpha": "0.05",
        "power": "0.8",
        "min_lift": "0",
    }
    return {**data, **overrides}


@pytest.fixture
def feature(team):
    return FeatureFactory(team=team)


@pytest.fixture
def running(feature, ops):
    experiment = ExperimentFactory(feature=feature, created_by=ops, checklist=[{"item": "x", "done": True}])
    return services.experiment_start(experiment=experiment)


def test_pm_creates_an_experiment_from_the_organisation_template(client_for, pm, feature):
    response = client_for(pm).post(reverse("productops:experiment_create"), plan_data(feature))
    experiment = Experiment.objects.get(org=pm.org)
    assert response.status_code == 302
    assert response["Location"] == reverse("productops:experiment_detail", args=[experiment.pk])
    assert experiment.status == Experiment.Status.DRAFT
    assert experiment.guardrail_metrics == ["Error rate", "p95 latency"]
    assert experiment.variants == [{"name": "control", "share": 50.0}, {"name": "treatment", "share": 50.0}]
    assert experiment.sample_size_per_variant == stats.sample_size_per_variant(0.1, 0.02) == 3835
    assert experiment.expected_days == 8
    template = services.template_ensure(org=pm.org)
    assert [entry["item"] for entry in experiment.checklist] == template.checklist
    assert len(template.checklist) >= 3


def test_the_template_sets_the_checklist_of_new_experiments(client_for, ops, feature):
    client = client_for(ops)
    client.post(
        reverse("productops:experiment_template"),
        {
            "checklist": "Tracking checked\nLegal ok",
            "guardrail_metrics": "Refunds",
            "alpha": "0.01",
            "power": "0.9",
        },
    )
    client.post(reverse("productops:experiment_create"), plan_data(feature))
    experiment = Experiment.objects.get(org=ops.org)
    assert experiment.checklist == [
        {"item": "Tracking checked", "done": False},
        {"item": "Legal ok", "done": False},
    ]
    page = client.get(reverse("productops:experiment_create")).content.decode()
    assert "Refunds" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"traffic_split": "50, 60"}, "traffic_split"),
        ({"traffic_split": "100"}, "traffic_split"),
        ({"traffic_split": "half, half"}, "traffic_split"),
        ({"variant_names": "control"}, "variant_names"),
        ({"mde": "0"}, "mde"),
        ({"baseline_rate": "0.99", "mde": "0.05"}, "mde"),
        ({"daily_traffic": "lots"}, "daily_traffic"),
    ],
)
def test_bad_plans_show_field_errors(client_for, pm, feature, overrides, field):
    response = client_for(pm).post(reverse("productops:experiment_create"), plan_data(feature, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert not Experiment.objects.exists()


def test_a_feature_of_another_organisation_cannot_be_linked(client_for, pm):
    foreign = FeatureFactory()
    response = client_for(pm).post(reverse("productops:experiment_create"), plan_data(foreign))
    assert response.context["form"].errors.get("feature")
    assert not Experiment.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "engineer", "tech_lead", "designer"])
def test_only_product_ops_pms_and_leadership_create(client_for, make_member, feature, role):
    client = client_for(make_member(role))
    assert client.get(reverse("productops:experiment_create")).status_code == 403
    assert client.post(reverse("productops:experiment_create"), plan_data(feature)).status_code == 403


def test_everyone_in_the_organisation_reads_the_list_and_sees_the_nav_link(client_for, viewer, running):
    response = client_for(viewer).get(reverse("productops:experiment_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("productops:experiment_list")}"' in page
    assert running.title in page
    assert (
        client_for(viewer).get(reverse("productops:experiment_detail", args=[running.pk])).status_code == 200
    )


def test_start_needs_the_whole_checklist(client_for, pm, feature):
    experiment = ExperimentFactory(feature=feature)
    client = client_for(pm)
    client.post(reverse("productops:experiment_start", args=[experiment.pk]))
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.DRAFT
    client.post(reverse("productops:experiment_checklist", args=[experiment.pk]), {"done": ["0"]})
    client.post(reverse("productops:experiment_start", args=[experiment.pk]))
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING
    assert experiment.started_at is not None


def test_recording_results_gives_the_verdict_of_the_rule(client_for, pm, running):
    response = client_for(pm).post(
        reverse("productops:experiment_results", args=[running.pk]),
        {"users_0": "10000", "conversions_0": "1000", "users_1": "10000", "conversions_1": "1150"},
    )
    running.refresh_from_db()
    assert response.status_code == 302
    assert (running.status, running.verdict) == (Experiment.Status.ANALYSED, Experiment.Verdict.WON)
    expected = stats.analyse(
        [stats.VariantCounts("control", 10000, 1000), stats.VariantCounts("treatment", 10000, 1150)],
        [50, 50],
        0.02,
    )
    assert running.analysis["comparisons"][0]["p_value"] == expected.comparisons[0].p_value
    page = client_for(pm).get(reverse("productops:experiment_detail", args=[running.pk])).content.decode()
    assert 'id="verdict"' in page
    assert "Won" in page


def test_a_breached_guardrail_withholds_the_win(client_for, pm, running):
    client_for(pm).post(
        reverse("productops:experiment_results", args=[running.pk]),
        {
            "users_0": "10000", "conversions_0": "1000", "users_1": "10000", "conversions_1": "1150",
            "guardrails_breached": ["Error rate"],
        },
    )  # fmt: skip
    running.refresh_from_db()
    assert running.verdict == Experiment.Verdict.INCONCLUSIVE


def test_a_sample_ratio_mismatch_warns_and_withholds_the_verdict(client_for, pm, running):
    client = client_for(pm)
    client.post(
        reverse("productops:experiment_results", args=[running.pk]),
        {"users_0": "1000", "conversions_0": "100", "users_1": "1200", "conversions_1": "200"},
    )
    running.refresh_from_db()
    assert running.status == Experiment.Status.RUNNING
    assert running.verdict == ""
    assert running.analysis["srm"] is True
    page = client.get(reverse("productops:experiment_detail", args=[running.pk])).content.decode()
    assert 'id="srm-warning"' in page
    assert "this test is broken" in page
    assert 'id="verdict"' not in page


@pytest.mark.parametrize(
    "data",
    [
        {"users_0": "100", "conversions_0": "120", "users_1": "100", "conversions_1": "10"},
        {"users_0": "0", "conversions_0": "0", "users_1": "100", "conversions_1": "10"},
        {"users_0": "x", "conversions_0": "0", "users_1": "100", "conversions_1": "10"},
        {"users_0": "100", "conversions_0": "10"},
    ],
)
def test_bad_counts_show_errors(client_for, pm, running, data):
    response = client_for(pm).post(reverse("productops:experiment_results", args=[running.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    running.refresh_from_db()
    assert running.analysis is None


def test_list_shows_the_share_won(client_for, pm, feature):
    for verdict in ["won", "won", "lost", "inconclusive"]:
        ExperimentFactory(feature=feature, status="analysed", verdict=verdict)
    ExperimentFactory(feature=feature)
    ExperimentFactory(feature=FeatureFactory(), status="analysed", verdict="lost")  # another organisation
    response = client_for(pm).get(reverse("productops:experiment_list"))
    outcomes = response.context["outcomes"]
    assert (outcomes.analysed, outcomes.won, outcomes.share_won) == (4, 2, 0.5)
    assert "50 %" in response.content.decode()
    assert len(response.context["experiments"]) == 5


def test_edits_after_the_start_are_visible_revisions(client_for, pm, running):
    client = client_for(pm)
    data = plan_data(running.feature, title=running.title, mde="0.03", hypothesis=running.hypothesis)
    client.post(reverse("productops:experiment_edit", args=[running.pk]), data)
    revision = ExperimentRevision.objects.get(experiment=running)
    assert revision.by == pm
    assert revision.changes["mde"] == {"old": 0.02, "new": 0.03}
    running.refresh_from_db()
    assert running.sample_size_per_variant == stats.sample_size_per_variant(0.1, 0.03)
    page = client.get(reverse("productops:experiment_detail", args=[running.pk])).content.decode()
    assert 'id="revisions"' in page
    assert "0.02" in page
    assert "0.03" in page


def test_edits_of_a_draft_are_not_revisions(client_for, pm, feature):
    experiment = ExperimentFactory(feature=feature)
    client_for(pm).post(
        reverse("productops:experiment_edit", args=[experiment.pk]), plan_data(feature, mde="0.03")
    )
    experiment.refresh_from_db()
    assert experiment.mde == 0.03
    assert not ExperimentRevision.objects.exists()


def test_a_closed_experiment_is_not_edited(client_for, pm, feature):
    experiment = ExperimentFactory(feature=feature, status="analysed", verdict="won")
    response = client_for(pm).post(
        reverse("productops:experiment_edit", args=[experiment.pk]), plan_data(feature, mde="0.03")
    )
    assert response.status_code == 200
    experiment.refresh_from_db()
    assert experiment.mde == 0.02


def test_stop_keeps_the_reason(client_for, pm, running):
    client_for(pm).post(
        reverse("productops:experiment_stop", args=[running.pk]), {"reason": "Bug in variant"}
    )
    running.refresh_from_db()
    assert (running.status, running.stop_reason) == (Experiment.Status.STOPPED, "Bug in variant")


def test_another_organisations_experiment_is_404(assert_404_for_outsider, running):
    assert_404_for_outsider(reverse("productops:experiment_detail", args=[running.pk]))
    for name in ["experiment_edit", "experiment_results"]:
        assert_404_for_outsider(reverse(f"productops:{name}", args=[running.pk]), methods=("get", "post"))
    for name in ["experiment_start", "experiment_checklist", "experiment_stop"]:
        assert_404_for_outsider(reverse(f"productops:{name}", args=[running.pk]), methods=("post",))


def test_french_pages_are_translated(client_for, pm, running):
    client = client_for(pm)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("productops:experiment_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Expériences" in page
