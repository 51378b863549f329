"""What a dashboard page costs: a cached page one query more than a trivial page (the teams, the
history and the recompute runs together), a page rendered anew one more (the snapshots), whatever
the number of teams; and the overview's table of every team, loaded after first paint."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collab.models import Team
from metrics import dashboards, selectors, services, views
from metrics.computations import METRICS
from metrics.models import MetricSnapshot, RecomputeRun
from metrics.texts import format_value
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory, UserFactory
from tests.metrics.example_org import LAST_WEEK, import_example

pytestmark = pytest.mark.django_db

PAGES = ["metrics:overview", "metrics:health", "metrics:dora", "metrics:investment", "metrics:escalations"]
# Read live, beside the snapshots: the escalations waiting for a decision (on every view), the lead
# time's stages from the pull requests (with the DORA page's numbers).
LIVE_EVERY_VIEW = {"metrics:escalations": 1}
LIVE_WITH_NUMBERS = {"metrics:dora": 1}


def _client(org: Any) -> Client:
    membership = MembershipFactory(org=org, role="cto", user=UserFactory())
    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["active_org_id"] = org.pk
    session.save()
    return client


def _queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=headers).status_code == 200
    return len(queries)


@pytest.fixture
def big_and_small():
    small, big = OrganisationFactory(), OrganisationFactory()
    TeamFactory(org=small)
    for _ in range(12):
        TeamFactory(org=big)
    for org in (small, big):
        services.org_metrics_refresh(org_id=org.pk)
    return big, small


@pytest.mark.parametrize("name", [*PAGES, "metrics:team"])
def test_a_page_costs_one_query_more_than_a_trivial_page_cached_and_two_rendered(big_and_small, name):
    big, small = big_and_small
    for org in (big, small):
        client = _client(org)
        team = Team.objects.filter(org=org).first()
        url = reverse(name, args=[team.slug]) if name == "metrics:team" else reverse(name)
        trivial = _queries(client, reverse("password_change"))
        cache.clear()
        rendered = _queries(client, url)
        cached = _queries(client, url)
        assert cached == trivial + 1 + LIVE_EVERY_VIEW.get(name, 0), org  # the frame, in one query
        assert rendered == cached + 1 + LIVE_WITH_NUMBERS.get(name, 0), org  # the snapshots, in one


def test_the_table_of_every_team_costs_the_same_queries_whatever_the_number_of_teams(big_and_small):
    big, small = big_and_small
    url = reverse("metrics:team_table")
    counts = []
    for org in (big, small):
        client = _client(org)
        cache.clear()
        counts.append((_queries(client, url, HX_Request="true"), _queries(client, url, HX_Request="true")))
    assert counts[0] == counts[1]
    rendered, cached = counts[0]
    assert rendered == cached + 1


@pytest.fixture
def example_org():
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    cache.clear()
    return org


@pytest.fixture
def cto(example_org, client_for):
    return client_for(MembershipFactory(org=example_org, role="cto", user=UserFactory()))


def test_the_overview_loads_the_table_of_every_team_after_first_paint(cto, example_org):
    url = reverse("metrics:overview") + f"?window=13w&to={LAST_WEEK}"
    body = cto.get(url).content.decode()
    assert "team-table-wrap" not in body  # not in the first paint...
    loading = re.search(
        r'<div class="team-table-loading" hx-get="([^"]+)" hx-trigger="load"[^>]*>(.*?)</div>', body, re.S
    )
    assert loading, "...but loaded as soon as the page is: no second click"
    fragment_url = loading.group(1).replace("&amp;", "&")
    assert "Loading every team’s numbers…" in loading.group(2)
    assert f'href="{loading.group(1)}"' in loading.group(2)  # and a link without JavaScript
    assert fragment_url.startswith(reverse("metrics:team_table") + "?")

    table = cto.get(fragment_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in table
    rows = re.findall(r"<tr( class=\"org-row\")?>\s*<th scope=\"row\">(.*?)</th>", table, re.S)
    teams = list(Team.objects.filter(org=example_org).order_by("name", "slug"))
    assert [re.sub(r"<[^>]+>", "", name) for _, name in rows] == [t.name for t in teams] + ["Organisation"]
    assert table.count('<td class="num">') == (len(teams) + 1) * len(METRICS)
    team = teams[0]
    snapshot = MetricSnapshot.objects.get(
        org=example_org, team=team, metric="velocity", window_kind="13w", window_end=LAST_WEEK
    )
    cell = f'href="/dashboards/records/velocity/?window=13w&amp;to={LAST_WEEK}&amp;team={team.slug}">'
    assert cell + format_value("velocity", snapshot.value, short=True) + "</a>" in table


def test_without_javascript_the_link_shows_the_overview_with_its_table(cto):
    query = f"?window=13w&to={LAST_WEEK}&metric=velocity"
    page = cto.get(reverse("metrics:team_table") + query).content.decode()
    assert "<html" in page
    assert 'class="table team-table"' in page
    assert "team-table-loading" not in page
    assert 'data-figure="fig-multiples"' in page  # the whole overview, its table in place
    table = cto.get(reverse("metrics:team_table") + query, headers={"HX-Request": "true"}).content.decode()
    assert table.strip() in page


def test_the_table_of_every_team_is_the_callers_organisations(example_org, assert_404_for_outsider):
    assert_404_for_outsider(reverse("metrics:team_table") + "?team=team-1")  # another's team: 404
    own = _client(example_org)
    headers = {"HX-Request": "true"}
    assert own.get(reverse("metrics:team_table") + "?team=nobody", headers=headers).status_code == 404
    assert "Team 1" in own.get(reverse("metrics:team_table"), headers=headers).content.decode()
    outsider = _client(OrganisationFactory())
    body = outsider.get(reverse("metrics:team_table"), headers=headers).content.decode()
    assert "Team 1" not in body  # the caller's own organisation's (no team: no table)
    assert Client().get(reverse("metrics:team_table"), headers=headers).status_code == 302  # signed in


def test_the_warmed_overview_comes_with_its_table(cto, example_org):
    url = (
        reverse("metrics:team_table")
        + "?window=4w&to="
        + services.current_week(example_org)
        + "&metric=velocity"
    )
    with CaptureQueriesContext(connection) as miss:
        rendered = cto.get(url, headers={"HX-Request": "true"}).content.decode()
    cache.clear()
    dashboards.warm_pages(org=example_org)
    with CaptureQueriesContext(connection) as hit:
        warmed = cto.get(url, headers={"HX-Request": "true"}).content.decode()
    assert warmed == rendered
    assert len(hit) < len(miss)


def test_the_frame_reads_what_the_separate_reads_did(example_org):
    RecomputeRun.objects.create(
        org=example_org, started_at=timezone.now(), finished_at=timezone.now(), ok=False, message="boom"
    )
    RecomputeRun.objects.create(org=example_org, started_at=timezone.now(), finished_at=None)
    frame = selectors.dashboard_frame(org=example_org)
    assert [(t.pk, t.slug, t.name) for t in frame.teams] == [
        (t.pk, t.slug, t.name) for t in selectors.team_list(org=example_org)
    ]
    assert frame.history == selectors.history_range(org=example_org, kind="4w")
    at = timezone.now()
    assert selectors.freshness(org=example_org, runs=frame.runs, now=at) == selectors.freshness(
        org=example_org, now=at
    )


def test_value_only_parts_read_the_values_and_a_full_read_wins(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    weeks = selectors.trend_weeks(LAST_WEEK, 4)
    values = selectors.snapshot_points_any(
        org=example_org, kind="13w", parts=[selectors.Part(weeks, ["escalations"], team.pk, full=False)]
    )
    full = selectors.snapshot_points_any(
        org=example_org, kind="13w", parts=[selectors.Part(weeks, ["escalations"], team.pk)]
    )
    assert sorted((p.end, p.value) for p in values) == sorted((p.end, p.value) for p in full)
    assert all(p.extra == {} and p.cohort == 0 and p.numerator is None for p in values)
    assert any(p.extra for p in full)
    both = selectors.snapshot_points_any(
        org=example_org,
        kind="13w",
        parts=[
            selectors.Part(weeks, ["escalations"], team.pk, full=False),
            selectors.Part([LAST_WEEK], ["escalations"], selectors.ALL_TEAMS),
        ],
    )
    at_end = [p for p in both if p.team_id == team.pk and p.end == LAST_WEEK]
    assert len(at_end) == 1
    assert at_end[0] == next(p for p in full if p.end == LAST_WEEK)
    assert len(both) == len(weeks) + Team.objects.filter(org=example_org).count()  # and the organisation's


@pytest.mark.parametrize(
    ("page", "metrics"),
    [
        ("health", views.PAGES["health"][0]),
        ("dora", views.PAGES["dora"][0]),
        ("investment", views.PAGES["investment"][0]),
        ("escalations", views.PAGES["escalations"][0]),
    ],
)
def test_every_page_of_the_organisation_loads_its_team_table_after_first_paint(
    cto, example_org, page, metrics
):
    body = cto.get(reverse(f"metrics:{page}") + f"?window=13w&to={LAST_WEEK}").content.decode()
    assert "team-table-wrap" not in body
    loading = re.search(r'<div class="team-table-loading" hx-get="([^"]+)" hx-trigger="load"', body)
    assert loading, "the table comes as soon as the page is shown"
    fragment_url = loading.group(1).replace("&amp;", "&")
    assert f"page={page}" in fragment_url
    table = cto.get(fragment_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in table
    teams = Team.objects.filter(org=example_org).count()
    assert table.count('<td class="num">') == (teams + 1) * len(metrics)
    assert 'data-figure="fig-multiples"' not in table  # the overview's only
    # A team's page has none; an unknown page is a 404.
    team = Team.objects.filter(org=example_org).first()
    team_body = cto.get(reverse("metrics:team", args=[team.slug])).content.decode()
    assert "team-table-loading" not in team_body
    assert (
        cto.get(reverse("metrics:team_table") + "?page=nope", headers={"HX-Request": "true"}).status_code
        == 404
    )


def test_the_team_options_are_escaped_once_for_a_list_of_teams():
    from metrics.forms import team_options

    teams = (("a", "Alpha & Co"), ("b", "<Beta>"))
    html = team_options(teams, "b")
    assert html == (
        '<option value="a">Alpha &amp; Co</option><option value="b" selected>&lt;Beta&gt;</option>'
    )
    assert team_options(teams, "b") is html  # built once
    assert team_options(teams, "a") != html
