from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from delivery.api import services
from delivery.models import ApiToken, Deployment, Incident
from tests.factories import OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

DEPLOYMENTS = "/api/v1/deployments"


def post_json(client: Any, url: str, payload: Any, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def deployment_body(team: Any) -> dict[str, Any]:
    return {
        "team": team.slug,
        "environment": "production",
        "result": "success",
        "finished_at": "2026-03-02T14:05:00Z",
    }


def rows_containing(text: str) -> list[str]:
    """Every table whose rows, cast to text, contain `text`."""
    with connection.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(f'select count(*) from "{table}" as t where t::text like %s', [f"%{text}%"])  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_token_is_stored_hashed_with_a_display_prefix(org: Any) -> None:
    token, plain = services.token_create(org=org, name="GitHub Actions", by=None)
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:8]
    assert len(plain) > 40
    assert rows_containing(plain) == []


def test_page_creates_a_token_shown_once_and_never_stored(client_for: Any, ops: Any) -> None:
    client = client_for(ops)
    response = client.post(reverse("delivery:api_tokens"), {"name": "CI checkout"})
    assert response.status_code == 200
    plain = response.context["created"]["plain"]
    assert plain in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert rows_containing(plain) == []
    listing = client.get(reverse("delivery:api_tokens"))
    page = listing.content.decode()
    assert plain not in page
    assert plain[:8] in page
    assert "CI checkout" in page
    # The token works.
    team = TeamFactory(org=ops.org)
    assert post_json(client, DEPLOYMENTS, deployment_body(team), plain).status_code == 201


def test_page_rejects_an_empty_name(client_for: Any, ops: Any) -> None:
    response = client_for(ops).post(reverse("delivery:api_tokens"), {"name": "   "})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page_makes_calls_401(client_for: Any, ops: Any, team: Any) -> None:
    token, plain = services.token_create(org=ops.org, name="CI", by=ops)
    client = client_for(ops)
    confirm = client.get(reverse("delivery:api_token_revoke", args=[token.pk]))
    assert confirm.status_code == 200
    assert "401" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(reverse("delivery:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = post_json(client, DEPLOYMENTS, deployment_body(team), plain)
    assert api.status_code == 401
    assert api.json()["error"] == "token revoked"
    assert "revoked" in client.get(reverse("delivery:api_tokens")).content.decode()


@pytest.mark.parametrize("role", ["pm", "tech_lead", "engineer", "viewer"])
def test_only_org_managers_reach_the_tokens_page(client_for: Any, make_member: Any, role: str) -> None:
    client = client_for(make_member(role))
    assert client.get(reverse("delivery:api_tokens")).status_code == 403
    assert client.post(reverse("delivery:api_tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_active_tokens_are_listed_first(client_for: Any, ops: Any) -> None:
    old, _ = services.token_create(org=ops.org, name="Old Jenkins", by=None)
    services.token_revoke(token=old, by=None)
    services.token_create(org=ops.org, name="GitHub Actions", by=None)
    tokens = list(client_for(ops).get(reverse("delivery:api_tokens")).context["tokens"])
    assert [t.name for t in tokens] == ["GitHub Actions", "Old Jenkins"]


def test_tokens_page_has_a_fixed_number_of_queries(
    client_for: Any, ops: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(ops)
    for n in range(8):
        services.token_create(org=ops.org, name=f"CI {n}", by=ops)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("delivery:api_tokens")).status_code == 200


def test_anonymous_is_sent_to_login(client: Any) -> None:
    response = client.get(reverse("delivery:api_tokens"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_organisations_token_cannot_be_revoked(org: Any, assert_404_for_outsider: Any) -> None:
    token, _ = services.token_create(org=org, name="CI", by=None)
    assert_404_for_outsider(reverse("delivery:api_token_revoke", args=[token.pk]), methods=("get", "post"))
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("header", "error", "reason"),
    [
        (None, "authentication required", "missing"),
        ("Basic dXNlcjpwYXNz", "authentication required", "Bearer"),
        ("Bearer", "authentication required", "Bearer"),
        ("Bearer rit_not-a-real-token", "invalid token", "unknown"),
        ("Bearer " + "x" * 5000, "invalid token", "unknown"),
    ],
)
def test_bad_credentials_are_401_with_a_reason(
    client: Any, header: str | None, error: str, reason: str
) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(DEPLOYMENTS, **extra)
    assert response.status_code == 401
    assert response.json()["error"] == error
    assert reason in response.json()["details"]["Authorization"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_login_is_not_enough_for_the_api(client_for: Any, ops: Any) -> None:
    assert client_for(ops).get(DEPLOYMENTS).status_code == 401


def test_bearer_scheme_is_case_insensitive_and_last_use_is_recorded(client: Any, org: Any) -> None:
    token, plain = services.token_create(org=org, name="CI", by=None)
    assert token.last_used_at is None
    assert client.get(DEPLOYMENTS, HTTP_AUTHORIZATION=f"bearer {plain}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_only_sees_and_references_its_own_organisation(client: Any, org: Any, team: Any) -> None:
    _, mine = services.token_create(org=org, name="mine", by=None)
    other_org = OrganisationFactory()
    _, theirs = services.token_create(org=other_org, name="theirs", by=None)
    assert post_json(client, DEPLOYMENTS, {**deployment_body(team), "key": "D-1"}, mine).status_code == 201
    Incident.objects.create(
        org=org, team=team, key="INC-1", title="Down", started_at=datetime(2026, 3, 2, tzinfo=UTC)
    )

    listing = client.get(DEPLOYMENTS, HTTP_AUTHORIZATION=f"Bearer {theirs}").json()
    assert listing["count"] == 0
    assert client.get(DEPLOYMENTS + "/D-1", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 404
    assert client.get("/api/v1/incidents/INC-1", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 404
    patch = client.patch(
        "/api/v1/incidents/INC-1",
        data=json.dumps({"resolved_at": "2026-03-02T01:00:00Z"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {theirs}",
    )
    assert patch.status_code == 404
    # Their token cannot use our team, nor link to our deployment.
    response = post_json(client, DEPLOYMENTS, deployment_body(team), theirs)
    assert response.status_code == 400
    assert "unknown team" in response.json()["details"]["team"]
    their_team = TeamFactory(org=other_org)
    incident = {
        "team": their_team.slug,
        "title": "x",
        "started_at": "2026-03-02T14:05:00Z",
        "deployment": "D-1",
    }
    response = post_json(client, "/api/v1/incidents", incident, theirs)
    assert response.status_code == 400
    assert "unknown deployment" in response.json()["details"]["deployment"]
    assert Deployment.objects.filter(org=other_org).count() == 0
    assert Incident.objects.get(key="INC-1").resolved_at is None


def test_same_key_in_two_organisations_is_independent(client: Any, org: Any, team: Any) -> None:
    _, mine = services.token_create(org=org, name="mine", by=None)
    other_team = TeamFactory(org=OrganisationFactory())
    _, theirs = services.token_create(org=other_team.org, name="theirs", by=None)
    assert post_json(client, DEPLOYMENTS, {**deployment_body(team), "key": "D-1"}, mine).status_code == 201
    assert (
        post_json(client, DEPLOYMENTS, {**deployment_body(other_team), "key": "D-1"}, theirs).status_code
        == 201
    )
