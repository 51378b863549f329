"""Every API answer is JSON; errors are RFC 9457 problem details that keep `error` and `details`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from delivery.api import services

pytestmark = pytest.mark.django_db

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "error", "details"}


@pytest.fixture
def auth(team: Any) -> dict[str, str]:
    _, token = services.token_create(org=team.org, name="CI", by=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_MEMBERS
    assert body["status"] == status
    assert isinstance(body["details"], dict)
    assert body["error"] in body["detail"]
    return body


def test_a_refusal_is_a_problem_with_error_and_details(client: Any, auth: dict[str, str]) -> None:
    body = problem(client.post("/api/v1/incidents", data="{}", content_type="application/json", **auth), 400)
    assert body["title"] == "Bad Request"
    assert body["type"] == "about:blank"
    assert body["details"]["team"] == "is required"
    assert "team: is required" in body["detail"]


def test_missing_token_is_a_problem(client: Any) -> None:
    body = problem(client.get("/api/v1/deployments"), 401)
    assert "Authorization" in body["details"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v1/deployments/a/b",
        "/api/plugins/webhook/connections/abc/deployments",
        "/api/plugins/webhook/connections/-1/deployments",
        "/api/other",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_paths_under_api_are_json_404(
    client: Any, auth: dict[str, str], path: str, method: str
) -> None:
    body = problem(getattr(client, method)(path, **auth), 404)
    assert "path" in body["details"]


def test_wrong_method_is_a_json_405_with_allow(client: Any, auth: dict[str, str]) -> None:
    response = client.put("/api/v1/deployments", data="{}", content_type="application/json", **auth)
    body = problem(response, 405)
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert "PUT" in body["details"]["method"]
    response = client.post("/api/v1/openapi.json")
    problem(response, 405)
    assert response["Allow"] == "GET, HEAD"


def test_list_filters_are_checked_as_documented(client: Any, auth: dict[str, str], team: Any) -> None:
    for query, field in [
        ("team=", "team"),
        ("team=not%20a%20slug", "team"),
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("page=100001", "page"),
        ("page=", "page"),
        ("environment=", "environment"),
    ]:
        body = problem(client.get(f"/api/v1/deployments?{query}", **auth), 400)
        assert field in body["details"], query
    ok = client.get(
        f"/api/v1/deployments?team={team.slug}&from=2026-03-01&to=2026-03-02T10:00:00Z&page=100000", **auth
    )
    assert ok.status_code == 200


def test_docs_redirect_keeps_working(client: Any) -> None:
    assert client.get("/api/docs").status_code == 301
