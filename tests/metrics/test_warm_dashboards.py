from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.models import Team
from metrics import dashboards, services, tasks
from metrics.models import RecomputeRun
from tests.factories import MembershipFactory, UserFactory
from tests.metrics import queues
from tests.metrics.example_org import import_example

pytestmark = pytest.mark.django_db

test_queue, cache_down = queues.test_queue, queues.cache_down
PAGES = ["metrics:overview", "metrics:health", "metrics:dora", "metrics:investment", "metrics:escalations"]


@pytest.fixture
def example_org():
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    cache.clear()
    return org


@pytest.fixture
def cto(example_org, client_for):
    return client_for(MembershipFactory(org=example_org, role="cto", user=UserFactory()))


def _partial(client, url, language):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"HX-Request": "true", "Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", [*PAGES, "team", "week", "13w"])
def test_a_warmed_page_is_a_cache_hit_with_what_the_page_renders(example_org, cto, name, language):
    team = Team.objects.get(org=example_org, slug="team-1")
    url = (
        reverse("metrics:team", args=[team.slug])
        if name == "team"
        else f"{reverse('metrics:overview')}?window={name}"
        if name in ("week", "13w")
        else reverse(name)
    )
    _, rendered_queries = _partial(cto, url, language)  # rendered now (then cached)
    rendered, _ = _partial(cto, url, language)
    cache.clear()
    assert dashboards.warm_pages(org=example_org, team=team) == 2 * (len(dashboards.WARMED_PAGES) + 1)
    warmed, warmed_queries = _partial(cto, url, language)
    assert warmed == rendered
    assert warmed_queries < rendered_queries  # the snapshot points were not read: a cache hit
    assert ("Comment est-ce calculé ?" in warmed) == (language == "fr")


def test_a_recompute_makes_the_warmed_pages_misses_until_warmed_again(example_org, cto):
    url = reverse("metrics:overview")
    _, miss = _partial(cto, url, "en")
    dashboards.warm_pages(org=example_org)
    _, hit = _partial(cto, url, "en")
    assert hit < miss
    services.org_metrics_refresh(org_id=example_org.pk)
    assert RecomputeRun.objects.filter(org=example_org, ok=True).count() == 2
    assert _partial(cto, url, "en")[1] == miss  # a new version: rendered again
    services.org_metrics_refresh(org_id=example_org.pk)
    tasks.warm_dashboards(org_id=example_org.pk)
    assert _partial(cto, url, "en")[1] == hit


def test_a_recompute_job_queues_the_warming(example_org, test_queue):
    tasks.org_metrics_refresh(org_id=example_org.pk)
    team = Team.objects.get(org=example_org, slug="team-2")
    tasks.team_metrics_refresh(team_id=team.pk)
    sent = [
        (m["headers"]["task"], m["headers"]["argsrepr"], m["headers"]["kwargsrepr"])
        for m in test_queue.messages()
    ]
    assert [task for task, *_ in sent] == ["metrics.tasks.warm_dashboards"] * 2
    assert sorted(kwargs for *_, kwargs in sent) == sorted(
        [
            f"{{'org_id': {example_org.pk}, 'team_id': None}}",
            f"{{'org_id': {example_org.pk}, 'team_id': {team.pk}}}",
        ]
    )


def test_pages_are_not_warmed_when_redis_is_down(example_org, cache_down):
    assert dashboards.warm_pages(org=example_org) == 0
