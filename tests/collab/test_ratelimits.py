"""Every rate-limited door answers 429 with Retry-After once over its setting's limit, and a page
(or, for the API, a problem document) that says when to try again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.urls import reverse

from collab.models import Invitation
from delivery.api.services import token_create
from rituals.syncs import services as sync_services
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def _assert_limited(response: Any, *, within: int) -> None:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= within


def _assert_page(response: Any, *, within: int, text: str = "Too many attempts") -> None:
    _assert_limited(response, within=within)
    body = response.content.decode()
    assert text in body
    assert "before trying again" in body or "avant de réessayer" in body


def test_sign_up_is_limited(client, settings):
    settings.RATELIMIT_SIGNUP = "2/h"
    for _ in range(2):
        assert client.post(reverse("signup"), {}).status_code == 200
    response = client.post(reverse("signup"), {})
    _assert_page(response, within=3600)
    assert client.get(reverse("signup")).status_code == 200  # reading the form is not counted


def test_the_limit_page_speaks_french(client, settings):
    settings.RATELIMIT_SIGNUP = "1/m"
    client.post(reverse("signup"), {})
    response = client.post(reverse("signup"), {}, HTTP_ACCEPT_LANGUAGE="fr")
    _assert_page(response, within=60, text="Trop de tentatives")


def test_password_reset_is_limited(client, settings):
    settings.RATELIMIT_PASSWORD_RESET = "3/h"
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "nobody@example.test"}).status_code == 302
    _assert_page(client.post(reverse("password_reset"), {"email": "nobody@example.test"}), within=3600)


def test_invitation_acceptance_is_limited(client, settings, org):
    settings.RATELIMIT_INVITATION_ACCEPT = "2/m"
    invitation = Invitation.objects.create(
        org=org, email="new@example.test", token="tok", expires_at=datetime(2099, 1, 1, tzinfo=UTC)
    )
    url = reverse("collab:invitation_accept", args=[invitation.token])
    assert client.get(url).status_code == 200
    assert client.get(reverse("collab:invitation_accept", args=["guess"])).status_code == 404
    _assert_page(client.get(url), within=60)


def test_the_ics_feed_is_limited(client, settings, org, pm):
    settings.RATELIMIT_ICS_FEED = "2/h"
    team = TeamFactory(org=org)
    TeamMemberFactory(team=team, membership=pm, role="pm")
    schedule = sync_services.schedule_create(
        org=org,
        team=team,
        weekday=1,
        at=time(10, 30),
        facilitator=pm,
        now=datetime(2026, 3, 2, 8, tzinfo=UTC),
    )
    url = reverse("rituals:schedule_feed", args=[schedule.feed_token])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    _assert_limited(client.get(url), within=3600)


def _api_get(client: Any, token: str) -> Any:
    return client.get("/api/v1/deployments", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_is_limited_per_token(client, settings, org, team):
    settings.RATELIMIT_API = "2/m"
    _token, plain = token_create(org=org, name="CI", by=None)
    _other, other_plain = token_create(org=org, name="Nightly", by=None)
    for _ in range(2):
        assert _api_get(client, plain).status_code == 200
    response = _api_get(client, plain)
    _assert_limited(response, within=60)
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 429
    assert body["title"] == "Too Many Requests"
    assert body["error"] == "too many requests"
    assert "retry in" in body["details"]["token"]
    assert _api_get(client, other_plain).status_code == 200  # each token has its own budget


def test_a_limit_left_empty_is_off(client, settings):
    settings.RATELIMIT_SIGNUP = ""
    for _ in range(8):
        assert client.post(reverse("signup"), {}).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "RATELIMIT_SIGNUP",
        "RATELIMIT_PASSWORD_RESET",
        "RATELIMIT_INVITATION_ACCEPT",
        "RATELIMIT_ICS_FEED",
        "RATELIMIT_API",
    ],
)
def test_every_limit_has_a_default_and_a_readme_row(settings, name):
    from pathlib import Path

    assert getattr(settings, name)
    assert f"| `{name}` |" in (Path(settings.BASE_DIR) / "README.md").read_text()
