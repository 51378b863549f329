from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from delivery.api import services
from delivery.models import Commit, Deployment, IdempotencyRecord
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/deployments"


@pytest.fixture
def token(org: Any) -> str:
    return services.token_create(org=org, name="CI", by=None)[1]


@pytest.fixture
def api(client: Any, token: str) -> Any:
    def call(method: str, url: str, body: Any = None, *, raw: bytes | None = None, **headers: str) -> Any:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"content_type": extra.pop("HTTP_CONTENT_TYPE", "application/json")}
        if data is not None:
            kwargs["data"] = data
        return getattr(client, method)(url, **kwargs, **extra)

    return call


def body(owner: Any, /, **overrides: Any) -> dict[str, Any]:
    payload = {
        "team": owner.slug,
        "environment": "production",
        "result": "success",
        "finished_at": "2026-03-02T14:05:00+01:00",
        "commits": [
            {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8", "authored_at": "2026-03-01T10:00:00+01:00"}
        ],
        "features": [],
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not ...}


def test_create_stores_the_deployment_with_commits_and_features(api: Any, team: Any) -> None:
    feature = FeatureFactory(team=team, key="F-12")
    response = api("post", URL, body(team, key="D-1", features=["F-12"]))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["key"] == "D-1"
    assert data["team"] == team.slug
    assert data["finished_at"] == "2026-03-02T13:05:00Z"
    assert data["commits"] == [
        {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8", "authored_at": "2026-03-01T09:00:00Z"}
    ]
    assert data["features"] == ["F-12"]
    deployment = Deployment.objects.get(key="D-1")
    assert deployment.org_id == team.org_id
    assert deployment.source == "api"
    assert deployment.finished_at == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
    assert list(deployment.features.all()) == [feature]
    assert deployment.commits.count() == 1


def test_key_is_generated_when_absent(api: Any, team: Any) -> None:
    response = api("post", URL, body(team))
    assert response.status_code == 201
    assert response.json()["key"].startswith("D-")
    assert Deployment.objects.filter(key=response.json()["key"]).exists()


def test_commit_authored_after_finish_is_accepted(api: Any, team: Any) -> None:
    late = [{"sha": "abcdef1", "authored_at": "2026-03-03T00:00:00Z"}]
    assert api("post", URL, body(team, commits=late)).status_code == 201


def test_same_key_same_body_replays_the_first_response(api: Any, team: Any) -> None:
    first = api("post", URL, body(team), **{"Idempotency-Key": "D-7"})
    again = api("post", URL, body(team), **{"Idempotency-Key": "D-7"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Deployment.objects.filter(key="D-7").count() == 1
    assert Commit.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="D-7", endpoint="deployments").count() == 1


def test_key_field_is_the_idempotency_key_too(api: Any, team: Any) -> None:
    assert api("post", URL, body(team, key="D-8")).status_code == 201
    again = api("post", URL, body(team, key="D-8"))
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"


def test_same_key_other_body_is_a_conflict(api: Any, team: Any) -> None:
    assert api("post", URL, body(team, key="D-9")).status_code == 201
    response = api("post", URL, body(team, key="D-9", result="failure"))
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["details"]
    assert Deployment.objects.get(key="D-9").result == "success"


def test_header_and_key_field_must_agree(api: Any, team: Any) -> None:
    response = api("post", URL, body(team, key="D-1"), **{"Idempotency-Key": "D-2"})
    assert response.status_code == 400
    assert "key" in response.json()["details"]


def test_key_already_used_by_an_imported_deployment_is_a_conflict(api: Any, team: Any) -> None:
    Deployment.objects.create(
        org=team.org,
        team=team,
        key="D-old",
        environment="production",
        result="success",
        finished_at=datetime.now(UTC),
    )
    response = api("post", URL, body(team, key="D-old"))
    assert response.status_code == 409
    assert response.json()["details"]["key"]


def test_validation_errors_are_not_remembered(api: Any, team: Any) -> None:
    assert api("post", URL, body(team, key="D-10", environment="prod")).status_code == 400
    assert api("post", URL, body(team, key="D-10")).status_code == 201


BAD_BODIES = [
    ({"team": ...}, "team", "is required"),
    ({"finished_at": ...}, "finished_at", "is required"),
    ({"environment": None}, "environment", "is required"),
    ({"colour": "blue"}, "colour", "unknown field"),
    ({"team": 12}, "team", "team slug"),
    ({"environment": "prod"}, "environment", "one of"),
    ({"environment": "Production"}, "environment", "one of"),
    ({"result": "ok"}, "result", "one of"),
    ({"finished_at": "2026-03-02T14:05:00"}, "finished_at", "offset"),
    ({"finished_at": "2026-03-02"}, "finished_at", "offset"),
    ({"finished_at": "yesterday"}, "finished_at", "ISO 8601"),
    ({"finished_at": 1700000000}, "finished_at", "ISO 8601"),
    ({"finished_at": "0001-01-01T00:00:00+05:00"}, "finished_at", "range"),
    ({"commits": "abc"}, "commits", "list"),
    (
        {"commits": [{"sha": "xyz1234", "authored_at": "2026-03-01T10:00:00Z"}]},
        "commits.0.sha",
        "hexadecimal",
    ),
    ({"commits": [{"sha": "abc12", "authored_at": "2026-03-01T10:00:00Z"}]}, "commits.0.sha", "7 to 64"),
    ({"commits": [{"sha": "a" * 65, "authored_at": "2026-03-01T10:00:00Z"}]}, "commits.0.sha", "7 to 64"),
    ({"commits": [{"sha": "abcdef1"}]}, "commits.0.authored_at", "is required"),
    (
        {"commits": [{"sha": "abcdef1", "authored_at": "2026-03-01T10:00:00"}]},
        "commits.0.authored_at",
        "offset",
    ),
    (
        {"commits": [{"sha": "abcdef1", "authored_at": "2026-03-01T10:00:00Z", "author": "x"}]},
        "commits.0.author",
        "unknown",
    ),
    ({"commits": ["abcdef1"]}, "commits.0", "object"),
    (
        {
            "commits": [
                {"sha": "abcdef1", "authored_at": "2026-03-01T10:00:00Z"},
                {"sha": "ABCDEF1", "authored_at": "2026-03-01T10:00:00Z"},
            ]
        },
        "commits.1.sha",
        "twice",
    ),
    ({"features": "F-1"}, "features", "list"),
    ({"features": [1]}, "features.0", "string"),
    ({"key": ""}, "key", "empty"),
    ({"key": "a/b"}, "key", "'/'"),
    ({"key": "x" * 129}, "key", "128"),
    ({"key": "bad\x00key"}, "key", "printable"),
]


@pytest.mark.parametrize(("overrides", "path", "reason"), BAD_BODIES)
def test_bad_input_is_400_with_the_field_and_reason(
    api: Any, team: Any, overrides: dict[str, Any], path: str, reason: str
) -> None:
    response = api("post", URL, body(team, **overrides))
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"]
    assert reason in payload["details"][path]
    assert not Deployment.objects.exists()


def test_every_error_is_reported_at_once(api: Any, team: Any) -> None:
    response = api(
        "post", URL, {"team": "nope", "environment": "x", "result": "y", "finished_at": "z", "extra": 1}
    )
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"environment", "result", "finished_at", "extra"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "Expecting"),
        (b"  \n", "send a JSON object"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"team": NaN}', "NaN"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
    ],
)
def test_malformed_bodies_are_400(api: Any, raw: bytes, reason: str) -> None:
    response = api("post", URL, raw=raw)
    assert response.status_code == 400
    assert reason in json.dumps(response.json()["details"])


def test_unknown_team_and_features_are_400(api: Any, team: Any) -> None:
    response = api("post", URL, body(team, team="ghosts", features=["F-404"]))
    assert response.status_code == 400
    details = response.json()["details"]
    assert "unknown team" in details["team"]
    assert "unknown feature" in details["features.0"]


def test_another_organisations_team_and_features_are_unknown(api: Any, team: Any) -> None:
    elsewhere = TeamFactory(org=OrganisationFactory())
    FeatureFactory(team=elsewhere, key="F-theirs")
    response = api("post", URL, body(team, team=elsewhere.slug))
    assert response.status_code == 400
    assert "unknown team" in response.json()["details"]["team"]
    response = api("post", URL, body(team, features=["F-theirs"]))
    assert response.status_code == 400
    assert "unknown feature" in response.json()["details"]["features.0"]
    assert not Deployment.objects.exists()


def test_body_too_large_is_413(api: Any, team: Any) -> None:
    response = api("post", URL, raw=b'{"team": "' + b"x" * (1024 * 1024 + 10) + b'"}')
    assert response.status_code == 413
    assert response.json()["details"]["body"]


@pytest.mark.parametrize(
    "content_type", ["text/csv", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]
)
def test_wrong_content_type_is_415(api: Any, team: Any, content_type: str) -> None:
    response = api("post", URL, body(team), **{"Content-Type": content_type})
    assert response.status_code == 415
    assert "Content-Type" in response.json()["details"]


def test_json_with_charset_and_vendor_types_are_accepted(api: Any, team: Any) -> None:
    assert (
        api("post", URL, body(team), **{"Content-Type": "application/json; charset=utf-8"}).status_code == 201
    )
    assert api("post", URL, body(team), **{"Content-Type": "application/vnd.api+json"}).status_code == 201
    assert (
        api("post", URL, body(team), **{"Content-Type": "application/json; charset=latin-1"}).status_code
        == 415
    )


@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_method_is_405_with_allow(api: Any, method: str) -> None:
    response = api(method, URL)
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert response.json()["error"] == "method not allowed"


def test_trailing_slash_is_the_same_endpoint(api: Any, team: Any) -> None:
    assert api("post", URL + "/", body(team)).status_code == 201


def test_unknown_api_path_is_json_404(api: Any) -> None:
    response = api("get", "/api/v1/deploys")
    assert response.status_code == 404
    assert response.json()["error"] == "not found"


def test_list_is_scoped_filtered_and_paginated(api: Any, team: Any, org: Any) -> None:
    other_team = TeamFactory(org=org)
    for day in range(1, 6):
        api("post", URL, body(team, key=f"D-{day}", finished_at=f"2026-03-0{day}T12:00:00+01:00"))
    api("post", URL, body(other_team, key="D-other"))
    stranger = TeamFactory(org=OrganisationFactory())
    Deployment.objects.create(
        org=stranger.org,
        team=stranger,
        key="D-stranger",
        environment="production",
        result="success",
        finished_at=datetime(2026, 3, 3, tzinfo=UTC),
    )
    everything = api("get", URL).json()
    assert everything["count"] == 6
    assert "D-stranger" not in [d["key"] for d in everything["results"]]

    page = api("get", URL + f"?team={team.slug}&from=2026-03-02&to=2026-03-04&page_size=2").json()
    assert page["count"] == 3
    assert [d["key"] for d in page["results"]] == ["D-4", "D-3"]
    assert page["next"]
    assert "page=2" in page["next"]
    second = api("get", page["next"].replace("http://testserver", "")).json()
    assert [d["key"] for d in second["results"]] == ["D-2"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("team=nope", "team"),
        ("from=soon", "from"),
        ("to=2026-02-30", "to"),
        ("page=0", "page"),
        ("page_size=500", "page_size"),
        ("environment=prod", "environment"),
        ("sort=key", "sort"),
    ],
)
def test_list_bad_query_is_400(api: Any, query: str, field: str) -> None:
    response = api("get", f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_list_has_a_fixed_number_of_queries(api: Any, team: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(12):
        api(
            "post",
            URL,
            body(
                team, key=f"D-{n}", commits=[{"sha": f"abcdef{n:02d}", "authored_at": "2026-03-01T10:00:00Z"}]
            ),
        )
    with django_assert_max_num_queries(6):
        response = api("get", URL + "?page_size=200")
    assert len(response.json()["results"]) == 12


def test_read_one_deployment(api: Any, team: Any) -> None:
    api("post", URL, body(team, key="D-read"))
    assert api("get", URL + "/D-read").json()["key"] == "D-read"
    assert api("get", URL + "/D-missing").status_code == 404


def test_recompute_is_requested_after_commit(
    api: Any, team: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert api("post", URL, body(team)).status_code == 201
    assert [c.keywords["team_id"] for c in callbacks] == [team.id]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_record_once() -> None:
    import threading

    from django.db import connection
    from django.test import Client

    team = TeamFactory()
    _, plain = services.token_create(org=team.org, name="CI", by=None)
    payload = json.dumps(body(team, key="D-race"))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post(
                URL, data=payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {plain}"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Deployment.objects.filter(key="D-race").count() == 1
