"""Lead time, explained: coding, review and deploy medians of the pull requests merged in the
dashboard's window, per team or for the organisation, on the DORA page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from delivery.models import Deployment, PullRequest
from metrics.lead_time_split import lead_time_split
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 2026-W10


def pull_request(team, number, *, coding_h, review_h, deploy_h=None, production=True, merged=MONDAY):
    deployment = None
    if deploy_h is not None:
        deployment = Deployment.objects.create(
            org=team.org,
            team=team,
            key=f"d-{team.pk}-{number}",
            environment="production" if production else "staging",
            result="success",
            finished_at=merged + timedelta(hours=deploy_h),
        )
    opened = merged - timedelta(hours=review_h)
    return PullRequest.objects.create(
        org=team.org,
        team=team,
        repository="acme/checkout",
        number=number,
        opened_at=opened,
        merged_at=merged,
        first_commit_at=None if coding_h is None else opened - timedelta(hours=coding_h),
        deployment=deployment,
    )


@pytest.fixture
def teams():
    org = OrganisationFactory(time_zone="Europe/Paris")
    return TeamFactory(org=org), TeamFactory(org=org)


def by_key(stages):
    return {s.key: (s.hours, s.count) for s in stages}


def test_each_stage_is_its_own_median_over_the_window(teams):
    checkout, search = teams
    pull_request(checkout, 1, coding_h=2, review_h=1, deploy_h=3)
    pull_request(checkout, 2, coding_h=4, review_h=5, deploy_h=1)
    pull_request(checkout, 3, coding_h=None, review_h=9, deploy_h=2, production=False)  # not shipped
    pull_request(search, 4, coding_h=10, review_h=2)
    pull_request(checkout, 5, coding_h=1, review_h=1, merged=MONDAY + timedelta(days=14))  # W12: outside

    team_stages = lead_time_split(
        org=checkout.org, team_id=checkout.pk, first_week="2026-W09", last_week="2026-W10"
    )
    assert by_key(team_stages) == {"coding": (3.0, 2), "review": (5.0, 3), "deploy": (2.0, 2)}
    org_stages = lead_time_split(org=checkout.org, team_id=None, first_week="2026-W09", last_week="2026-W10")
    assert by_key(org_stages) == {"coding": (4.0, 3), "review": (3.5, 4), "deploy": (2.0, 2)}


def test_a_request_opened_before_its_first_commit_codes_in_no_time(teams):
    checkout, _ = teams
    pull_request(checkout, 1, coding_h=-6, review_h=2)
    stages = lead_time_split(org=checkout.org, team_id=None, first_week="2026-W10", last_week="2026-W10")
    assert by_key(stages)["coding"] == (0.0, 1)
    assert by_key(stages)["deploy"] == (None, 0)


def test_weeks_are_the_organisations(teams):
    """Sunday 23:30 in UTC is already Monday in Paris: the pull request belongs to the next week."""
    checkout, _ = teams
    pull_request(checkout, 1, coding_h=1, review_h=1, merged=datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    assert (
        lead_time_split(org=checkout.org, team_id=None, first_week="2026-W10", last_week="2026-W10") is None
    )
    assert lead_time_split(org=checkout.org, team_id=None, first_week="2026-W11", last_week="2026-W11")


def test_the_dora_page_shows_the_split_or_where_it_comes_from(teams, client_for):
    checkout, _ = teams
    client = client_for(MembershipFactory(org=checkout.org, role="cto", user=UserFactory()))
    url = reverse("metrics:dora")  # the window ends this week
    empty = client.get(url).content.decode()
    assert "No pull request merged in this window" in empty
    merged = timezone.now() - timedelta(days=1)
    pull_request(checkout, 1, coding_h=30, review_h=5, deploy_h=2, merged=merged)
    pull_request(checkout, 2, coding_h=20, review_h=5, deploy_h=4, merged=merged)
    cache.clear()
    page = client.get(url).content.decode()
    split = page[page.index('id="lead-time-split"') :]
    assert "No pull request merged" not in split
    medians = re.findall(r"<strong>(\d+)\s+h</strong>", split)  # the unit after a no-break space
    assert medians == ["25", "5", "3"]
    cache.clear()
    checkout.org.language = "fr"
    checkout.org.save()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Le délai de livraison, détaillé" in french
    assert "Revue" in french


def test_another_organisations_pull_requests_are_not_counted(teams):
    checkout, _ = teams
    other = TeamFactory(org=OrganisationFactory())
    pull_request(other, 1, coding_h=1, review_h=1)
    assert (
        lead_time_split(org=checkout.org, team_id=None, first_week="2026-W10", last_week="2026-W10") is None
    )
