from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from delivery.api import services
from delivery.models import Deployment, Incident
from tests.factories import OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents"


@pytest.fixture
def api(client: Any, org: Any) -> Any:
    _, token = services.token_create(org=org, name="on-call", by=None)

    def call(
        method: str, url: str, payload: Any = None, *, content_type: str = "application/json", **headers: str
    ) -> Any:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        kwargs: dict[str, Any] = {"content_type": content_type}
        if payload is not None:
            kwargs["data"] = payload if isinstance(payload, bytes) else json.dumps(payload)
        return getattr(client, method)(url, **kwargs, **extra)

    return call


@pytest.fixture
def deployment(team: Any) -> Deployment:
    return Deployment.objects.create(
        org=team.org,
        team=team,
        key="D-1001",
        environment="production",
        result="success",
        finished_at=datetime(2026, 3, 2, 13, 5, tzinfo=UTC),
    )


def incident(owner: Any, /, **overrides: Any) -> dict[str, Any]:
    payload = {
        "team": owner.slug,
        "title": "Payment page returns 502",
        "started_at": "2026-03-02T15:00:00+01:00",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not ...}


def test_create_an_incident_linked_to_a_deployment(api: Any, team: Any, deployment: Deployment) -> None:
    response = api(
        "post", URL, incident(team, key="INC-7", deployment="D-1001", resolved_at="2026-03-02T15:40:00+01:00")
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "key": "INC-7",
        "team": team.slug,
        "title": "Payment page returns 502",
        "started_at": "2026-03-02T14:00:00Z",
        "resolved_at": "2026-03-02T14:40:00Z",
        "deployment": "D-1001",
        "source": "api",
        "created_at": response.json()["created_at"],
    }
    stored = Incident.objects.get(key="INC-7")
    assert stored.deployment == deployment
    assert stored.org_id == team.org_id


def test_open_incident_without_deployment(api: Any, team: Any) -> None:
    response = api("post", URL, incident(team))
    assert response.status_code == 201
    assert response.json()["key"].startswith("I-")
    assert response.json()["resolved_at"] is None
    assert response.json()["deployment"] is None


def test_idempotent_replay_and_conflict(api: Any, team: Any) -> None:
    first = api("post", URL, incident(team), **{"Idempotency-Key": "INC-1"})
    again = api("post", URL, incident(team), **{"Idempotency-Key": "INC-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = api("post", URL, incident(team, title="Something else"), **{"Idempotency-Key": "INC-1"})
    assert other.status_code == 409
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "path", "reason"),
    [
        ({"title": ...}, "title", "is required"),
        ({"title": "   "}, "title", "empty"),
        ({"title": "x" * 301}, "title", "300"),
        ({"title": "two\nlines"}, "title", "one line"),
        ({"title": ["x"]}, "title", "string"),
        ({"started_at": ...}, "started_at", "is required"),
        ({"started_at": "2026-03-02T15:00:00"}, "started_at", "offset"),
        ({"resolved_at": "2026-03-02T14:59:00+01:00"}, "resolved_at", "before started_at"),
        ({"resolved_at": "2026-03-02 16:00"}, "resolved_at", "offset"),
        ({"deployment": "D-404"}, "deployment", "unknown deployment"),
        ({"deployment": 5}, "deployment", "string"),
        ({"team": "nobody"}, "team", "unknown team"),
        ({"severity": "high"}, "severity", "unknown field"),
    ],
)
def test_bad_incident_is_400(api: Any, team: Any, overrides: dict[str, Any], path: str, reason: str) -> None:
    response = api("post", URL, incident(team, **overrides))
    assert response.status_code == 400
    assert reason in response.json()["details"][path]
    assert not Incident.objects.exists()


def test_another_organisations_deployment_is_unknown(api: Any, team: Any) -> None:
    stranger = TeamFactory(org=OrganisationFactory())
    Deployment.objects.create(
        org=stranger.org,
        team=stranger,
        key="D-theirs",
        environment="production",
        result="success",
        finished_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    response = api("post", URL, incident(team, deployment="D-theirs"))
    assert response.status_code == 400
    assert "unknown deployment" in response.json()["details"]["deployment"]


def test_patch_resolves_and_renames(api: Any, team: Any) -> None:
    api("post", URL, incident(team, key="INC-2"))
    response = api(
        "patch", URL + "/INC-2", {"resolved_at": "2026-03-02T15:30:00+01:00", "title": "502 on payment"}
    )
    assert response.status_code == 200
    assert response.json()["resolved_at"] == "2026-03-02T14:30:00Z"
    stored = Incident.objects.get(key="INC-2")
    assert stored.title == "502 on payment"
    assert stored.resolved_at == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    reopened = api("patch", URL + "/INC-2", {"resolved_at": None})
    assert reopened.json()["resolved_at"] is None


@pytest.mark.parametrize(
    ("payload", "path", "reason"),
    [
        ({}, "body", "at least one"),
        ([], "body", "object"),
        ({"resolved_at": "2026-03-02T13:00:00Z"}, "resolved_at", "before started_at"),
        ({"resolved_at": "soon"}, "resolved_at", "ISO 8601"),
        ({"started_at": "2026-03-02T13:00:00Z"}, "started_at", "unknown field"),
        ({"title": ""}, "title", "empty"),
    ],
)
def test_bad_patch_is_400(api: Any, team: Any, payload: Any, path: str, reason: str) -> None:
    api("post", URL, incident(team, key="INC-3"))
    response = api("patch", URL + "/INC-3", payload)
    assert response.status_code == 400
    assert reason in response.json()["details"][path]
    assert Incident.objects.get(key="INC-3").resolved_at is None


def test_patch_unknown_incident_is_404(api: Any) -> None:
    response = api("patch", URL + "/INC-404", {"resolved_at": "2026-03-02T13:00:00Z"})
    assert response.status_code == 404
    assert response.json()["details"]["key"]


def test_patch_needs_json(api: Any, team: Any) -> None:
    api("post", URL, incident(team, key="INC-4"))
    assert (
        api(
            "patch", URL + "/INC-4", b"resolved_at=now", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 415
    )
    assert api("patch", URL + "/INC-4", b"{oops").status_code == 400


def test_wrong_methods_are_405(api: Any) -> None:
    response = api("delete", URL + "/INC-1")
    assert response.status_code == 405
    assert response["Allow"] == "GET, PATCH, HEAD, OPTIONS"
    assert api("put", URL)["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_list_filters_open_incidents(api: Any, team: Any) -> None:
    api("post", URL, incident(team, key="INC-a", resolved_at="2026-03-02T16:00:00+01:00"))
    api("post", URL, incident(team, key="INC-b", started_at="2026-03-03T10:00:00+01:00"))
    assert [i["key"] for i in api("get", URL).json()["results"]] == ["INC-b", "INC-a"]
    assert [i["key"] for i in api("get", URL + "?open=true").json()["results"]] == ["INC-b"]
    assert [i["key"] for i in api("get", URL + "?open=false").json()["results"]] == ["INC-a"]
    assert [i["key"] for i in api("get", URL + "?from=2026-03-03").json()["results"]] == ["INC-b"]
    assert api("get", URL + "?open=maybe").status_code == 400


def test_resolving_requests_a_recompute(api: Any, team: Any, django_capture_on_commit_callbacks: Any) -> None:
    api("post", URL, incident(team, key="INC-5"))
    with django_capture_on_commit_callbacks() as callbacks:
        api("patch", URL + "/INC-5", {"title": "renamed"})
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        api("patch", URL + "/INC-5", {"resolved_at": "2026-03-02T17:00:00+01:00"})
    assert [c.keywords["team_id"] for c in callbacks] == [team.id]
