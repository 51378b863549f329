from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from collab.models import Team
from metrics import charts, services
from metrics.computations import METADATA, METRICS
from metrics.drilldown import cohort_listing
from metrics.models import MetricSnapshot, RecomputeRun
from metrics.selectors import team_velocity_summary
from metrics.texts import METRIC_TEXTS
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory, UserFactory
from tests.metrics import queues
from tests.metrics.example_org import FIRST_WEEK, LAST_WEEK, import_example

pytestmark = pytest.mark.django_db

test_queue, broker_down, cache_down = queues.test_queue, queues.broker_down, queues.cache_down
W14 = f"?to={LAST_WEEK}"


@pytest.fixture
def example_org():
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    return org


@pytest.fixture
def member_of(client_for):
    def login(org, role="cto"):
        return client_for(MembershipFactory(org=org, role=role, user=UserFactory()))

    return login


@pytest.fixture
def cto(example_org, member_of):
    return member_of(example_org, "cto")


def html(response) -> str:
    return response.content.decode()


PAGES = ["metrics:overview", "metrics:health", "metrics:dora", "metrics:investment", "metrics:escalations"]


@pytest.mark.parametrize("name", PAGES)
def test_every_dashboard_page_renders_and_links_the_others(cto, name):
    response = cto.get(reverse(name) + W14)
    assert response.status_code == 200
    body = html(response)
    for other in PAGES:
        assert reverse(other) in body
    assert 'id="partial"' in body
    assert "vendor/plotly-basic.min.js" in body


def test_overview_shows_every_metric_with_target_light_trend_and_how(cto):
    body = html(cto.get(reverse("metrics:overview") + W14 + "&window=13w"))
    for metric in METRICS:
        assert f'id="metric-{metric}"' in body
        assert escape(str(METRIC_TEXTS[metric]["how"])) in body
    assert body.count("How is this computed?") == len(METRICS)
    assert re.search(r'class="light light-(good|warn|bad)"', body)
    assert 'data-figure="fig-time_to_alignment"' in body
    assert 'id="fig-time_to_alignment"' in body  # the figure's JSON
    assert "Target: <strong>≤ 2\u00a0sessions</strong>" in body
    # The teams compared come right after first paint, the small multiples with their figure.
    teams = cto.get(reverse("metrics:team_table") + W14 + "&window=13w", headers={"HX-Request": "true"})
    assert 'data-figure="fig-multiples"' in teams.content.decode()
    assert 'id="fig-multiples"' in teams.content.decode()


def test_overview_values_come_from_the_snapshots(cto, example_org):
    snapshot = MetricSnapshot.objects.get(
        org=example_org, team=None, metric="rework_rate", window_kind="13w", window_end=LAST_WEEK
    )
    snapshot.value = 0.777
    snapshot.save(update_fields=["value"])
    body = html(cto.get(reverse("metrics:overview") + W14 + "&window=13w"))
    assert "78\u00a0%" in body


def test_every_figure_is_a_valid_plotly_figure(cto):
    for name in PAGES:
        response = cto.get(reverse(name) + W14)
        figures = response.context["figures"]
        assert figures, name
        for _, figure in figures:
            charts.validate(figure)
            assert figure["layout"]["template"] is not None
            assert all(trace["type"] in {"scatter", "bar"} for trace in figure["data"])


def test_the_team_page_shows_the_team_beside_the_organisation(cto, example_org):
    response = cto.get(reverse("metrics:team", args=["team-1"]) + W14)
    assert response.status_code == 200
    body = html(response)
    assert "Team 1 · Overview" in body
    assert "Organisation: <strong>" in body
    assert response.context["scope"].team.slug == "team-1"


def test_filters_work_without_javascript_and_htmx_gets_the_partial(cto):
    url = reverse("metrics:overview") + f"?team=team-2&window=week&to={LAST_WEEK}"
    full = html(cto.get(url))
    assert "<html" in full
    assert '<option value="week" selected>' in full
    partial = cto.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = html(partial)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="partial"')
    assert "Team 2 · Overview" in body
    assert partial["Vary"]
    assert "HX-Request" in partial["Vary"]


def test_unreadable_filters_fall_back_to_the_defaults(cto):
    response = cto.get(reverse("metrics:overview") + "?window=forever&to=2026-W99&metric=nonsense")
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.kind, scope.metric) == ("4w", "velocity")


@pytest.mark.parametrize(
    "url",
    [
        reverse("metrics:team", args=["team-1"]),
        reverse("metrics:overview") + "?team=team-1",
        reverse("metrics:health") + "?team=team-1",
        reverse("metrics:drilldown", args=["velocity"]) + "?team=team-1",
        reverse("metrics:export_csv") + "?team=team-1",
    ],
)
def test_another_organisations_team_is_not_found(example_org, assert_404_for_outsider, url):
    assert_404_for_outsider(url)


def test_an_unknown_metric_has_no_records_page(cto):
    assert cto.get(reverse("metrics:drilldown", args=["happiness"])).status_code == 404


def _page_queries(client, url):
    cache.clear()  # a page rendered for the first time: the costliest case
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def own_client():
    def login(org, role="cto"):
        membership = MembershipFactory(org=org, role=role, user=UserFactory())
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["active_org_id"] = org.pk
        session.save()
        return client

    return login


def test_pages_cost_a_fixed_number_of_queries_whatever_the_number_of_teams(
    own_client, django_assert_max_num_queries
):
    small, big = OrganisationFactory(), OrganisationFactory()
    TeamFactory(org=small)
    for _ in range(25):
        TeamFactory(org=big)
    for org in (small, big):
        services.org_metrics_refresh(org_id=org.pk)
    assert (
        MetricSnapshot.objects.filter(org=big).count() > 10 * MetricSnapshot.objects.filter(org=small).count()
    )
    small_client, big_client = own_client(small), own_client(big)
    team = Team.objects.filter(org=big).first()
    urls = [reverse(name) for name in PAGES] + [reverse("metrics:team", args=[team.slug])]
    for url in urls:
        small_url = url.replace(team.slug, Team.objects.get(org=small).slug)
        assert _page_queries(small_client, small_url) == _page_queries(big_client, url), url
        cache.clear()
        with django_assert_max_num_queries(10):
            big_client.get(url)


def test_a_page_seen_again_is_served_from_the_cache_until_the_next_recompute(cto, example_org):
    url = reverse("metrics:overview") + W14
    partial = {"HX-Request": "true"}
    first = html(cto.get(url, headers=partial))
    MetricSnapshot.objects.filter(org=example_org, team=None, metric="rework_rate").update(value=0.777)
    assert html(cto.get(url, headers=partial)) == first  # no recompute yet: the same numbers
    services.org_metrics_refresh(org_id=example_org.pk)  # puts the engine's numbers back, a new run
    MetricSnapshot.objects.filter(org=example_org, team=None, metric="rework_rate", window_kind="4w").update(
        value=0.777
    )
    RecomputeRun.objects.create(
        org=example_org, started_at=timezone.now(), finished_at=timezone.now(), ok=True
    )
    assert "78\u00a0%" in html(cto.get(url))


def test_empty_cohorts_say_what_to_record(member_of):
    org = OrganisationFactory()
    TeamFactory(org=org)
    services.org_metrics_refresh(org_id=org.pk)
    body = html(member_of(org).get(reverse("metrics:overview")))
    assert body.count("No data yet") >= len(METRICS) - 1  # escalations: 0 is a value
    assert escape(str(METRIC_TEXTS["lead_time_for_changes"]["record"])) in body
    assert "Record this to see it" in body


def test_an_organisation_never_computed_says_so(member_of):
    org = OrganisationFactory()
    body = html(member_of(org, "product_ops").get(reverse("metrics:overview")))
    assert "Not computed yet." in body
    assert "No numbers yet" in body
    assert "Recompute now" in body


def test_redis_down_the_pages_render_and_say_so(cto, cache_down):
    response = cto.get(reverse("metrics:overview") + W14)
    assert response.status_code == 200
    body = html(response)
    assert "The job queue (Redis) is unreachable" in body
    assert "Last computed at" in body


def test_changes_waiting_for_a_worker_say_the_worker_may_be_down(cto, example_org):
    cache.set(services.queued_key(example_org.pk), (timezone.now() - timedelta(minutes=10)).timestamp())
    body = html(cto.get(reverse("metrics:overview")))
    assert "the worker may be down" in body


def test_numbers_older_than_a_day_are_called_stale(cto, example_org):
    RecomputeRun.objects.filter(org=example_org).update(
        started_at=timezone.now() - timedelta(days=2), finished_at=timezone.now() - timedelta(days=2)
    )
    assert "more than a day old" in html(cto.get(reverse("metrics:overview")))


def test_a_failed_recompute_is_reported(cto, example_org):
    RecomputeRun.objects.create(
        org=example_org,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        ok=False,
        message="OperationalError: boom",
    )
    body = html(cto.get(reverse("metrics:overview")))
    assert "The last recompute failed" in body
    assert "boom" in body


def test_fresh_numbers_carry_no_alert(cto):
    body = html(cto.get(reverse("metrics:overview")))
    assert "freshness-alert" not in body


def test_csv_export_holds_the_snapshot_table(cto, example_org):
    response = cto.get(reverse("metrics:export_csv") + "?all=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == MetricSnapshot.objects.filter(org=example_org).count()
    row = next(
        r
        for r in rows
        if r["team"] == ""
        and r["metric"] == "velocity"
        and r["window_kind"] == "13w"
        and r["from"] == FIRST_WEEK
    )
    assert row["to"] == LAST_WEEK
    snapshot = MetricSnapshot.objects.get(
        org=example_org, team=None, metric="velocity", window_kind="13w", window_start=FIRST_WEEK
    )
    assert float(row["value"]) == snapshot.value


def test_csv_export_of_one_team_and_window(cto, example_org):
    response = cto.get(reverse("metrics:export_csv") + "?all=1&team=team-1&window=week")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r["team"] for r in rows} == {"team-1"}
    assert {r["window_kind"] for r in rows} == {"week"}


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("team", [None, "team-1"])
def test_the_records_listed_are_the_snapshot_cohort(example_org, metric, team):
    team_obj = Team.objects.get(org=example_org, slug=team) if team else None
    listing = cohort_listing(
        org=example_org, metric=metric, team=team_obj, first_week=FIRST_WEEK, last_week=LAST_WEEK
    )
    snapshot = MetricSnapshot.objects.get(
        org=example_org, team=team_obj, metric=metric, window_kind="13w", window_start=FIRST_WEEK
    )
    assert listing.total == snapshot.cohort
    if metric == "change_failure_rate":
        assert sum(row[-1].text == "yes" for row in listing.rows) == snapshot.numerator


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("team", [None, "team-1"])
def test_every_window_lists_the_cohort_the_engine_counted(example_org, metric, team):
    """The drill-down's queries (cohort_queries.py) and the engine state each cohort rule apart:
    held equal for every window the example workspace has snapshots of, week, 4 and 13 weeks."""
    team_obj = Team.objects.get(org=example_org, slug=team) if team else None
    snapshots = MetricSnapshot.objects.filter(
        org=example_org, team=team_obj, metric=metric, window_start__gte=FIRST_WEEK, window_end__lte=LAST_WEEK
    )
    counted = {}
    listed = {}
    for snapshot in snapshots:
        window = (snapshot.window_kind, snapshot.window_start)
        counted[window] = snapshot.cohort
        listed[window] = cohort_listing(
            org=example_org,
            metric=metric,
            team=team_obj,
            first_week=snapshot.window_start,
            last_week=snapshot.window_end,
        ).total
    assert {kind for kind, _start in counted} == {"week", "4w", "13w"}
    assert listed == counted


def test_the_records_page_lists_and_paginates(cto, example_org):
    url = reverse("metrics:drilldown", args=["lead_time_for_changes"]) + f"?window=13w&to={LAST_WEEK}"
    response = cto.get(url)
    assert response.status_code == 200
    listing = response.context["listing"]
    assert listing.total > 0
    assert "Commits shipped by those deployments" in html(response)
    assert cto.get(url + "&page=999").status_code == 200
    assert cto.get(url + "&page=abc").status_code == 200


def test_the_records_page_of_an_empty_cohort_says_what_to_record(cto):
    body = html(cto.get(reverse("metrics:drilldown", args=["time_to_restore"]) + "?window=week&to=2025-W10"))
    assert "No data yet" in body


def test_records_page_costs_a_fixed_number_of_queries(cto, django_assert_max_num_queries):
    for metric in METRICS:
        with django_assert_max_num_queries(16):
            assert (
                cto.get(
                    reverse("metrics:drilldown", args=[metric]) + f"?window=13w&to={LAST_WEEK}"
                ).status_code
                == 200
            )


# --- targets ---------------------------------------------------------------------------------------


def test_targets_need_the_right_to_manage_the_organisation(example_org, member_of):
    assert member_of(example_org, "pm").get(reverse("metrics:targets")).status_code == 403
    assert member_of(example_org, "product_ops").get(reverse("metrics:targets")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rework_rate": "150"}, "rework_rate", "less than or equal to 100"),
        ({"time_to_alignment": "abc"}, "time_to_alignment", "Enter a number"),
        ({"team_pulse": "9"}, "team_pulse", "less than or equal to 5"),
        ({"lead_time_for_changes": "-3"}, "lead_time_for_changes", "greater than or equal to"),
        (
            {"predictability_low": "90", "predictability_high": "60"},
            "predictability_high",
            "must not be below",
        ),
        ({"deployment_frequency": "nan"}, "deployment_frequency", "Enter a number"),
    ],
)
def test_bad_targets_get_field_errors(example_org, member_of, data, field, message):
    response = member_of(example_org, "cto").post(reverse("metrics:targets"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in html(response)
    example_org.refresh_from_db()
    assert example_org.targets in ({}, None)


def test_saved_targets_are_stored_as_the_engine_reads_them_and_trigger_a_recompute(
    example_org, member_of, test_queue, django_capture_on_commit_callbacks
):
    client = member_of(example_org, "cto")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("metrics:targets"),
            {"rework_rate": "10", "time_to_alignment": "3", "predictability_low": "60", "team_pulse": "4"},
        )
    assert response.status_code == 302
    example_org.refresh_from_db()
    assert example_org.targets == {
        "rework_rate": 0.1,
        "time_to_alignment": 3.0,
        "predictability": [0.6, 0.95],
    }
    (message,) = test_queue.messages()
    assert message["headers"]["task"] == "metrics.tasks.org_metrics_refresh"
    page = client.get(reverse("metrics:targets"))
    assert 'value="10"' in html(page)
    body = html(client.get(reverse("metrics:overview")))
    assert "Target: <strong>&lt; 10\u00a0%</strong>" in body


def test_targets_accept_french_decimals(example_org, member_of, client):
    member_of(example_org, "cto")
    client.post(reverse("set_language"), {"language": "fr"})
    response = client.post(reverse("metrics:targets"), {"lead_time_for_changes": "12,5"})
    assert response.status_code == 302
    example_org.refresh_from_db()
    assert example_org.targets == {"lead_time_for_changes": 12.5}


# --- recompute now ---------------------------------------------------------------------------------


def test_recompute_now_queues_a_job(example_org, member_of, test_queue):
    response = member_of(example_org, "product_ops").post(
        reverse("metrics:recompute"), {"next": reverse("metrics:dora")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:dora")
    assert len(test_queue) == 1


def test_recompute_now_with_the_broker_down_computes_and_says_so(example_org, member_of, broker_down):
    client = member_of(example_org, "cto")
    runs = RecomputeRun.objects.filter(org=example_org).count()
    response = client.post(reverse("metrics:recompute"), {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("metrics:overview")
    assert "recomputed now, on this request" in html(response)
    assert RecomputeRun.objects.filter(org=example_org).count() == runs + 1


def test_recompute_now_is_for_product_ops_and_leadership(example_org, member_of):
    assert member_of(example_org, "engineer").post(reverse("metrics:recompute")).status_code == 403
    assert member_of(example_org, "engineer").get(reverse("metrics:recompute")).status_code == 405
    body = html(member_of(example_org, "engineer").get(reverse("metrics:overview")))
    assert "Recompute now" not in body


# --- the sync's Velocity section -------------------------------------------------------------------


def test_team_velocity_summary_reads_the_last_four_complete_weeks(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    end = services.shift_week(services.current_week(example_org), -1)
    previous = services.shift_week(end, -4)
    for week, value in ((end, 6.0), (previous, 4.0)):
        MetricSnapshot.objects.filter(
            org=example_org, team=team, metric="velocity", window_kind="4w", window_end=week
        ).update(value=value, cohort=3)
    summary = team_velocity_summary(team)
    assert summary["to"] == end
    assert summary["velocity"] == {"value": 6.0, "previous": 4.0, "trend": "up", "cohort": 3}
    assert set(summary["predictability"]) == {"value", "previous", "trend", "cohort"}


def test_team_velocity_summary_is_none_without_snapshots():
    assert team_velocity_summary(TeamFactory()) is None


def test_the_translated_texts_say_what_the_engine_says():
    for metric, meta in METADATA.items():
        for key in ("label", "unit", "how", "record"):
            assert str(METRIC_TEXTS[metric][key]) == meta[key], (metric, key)
