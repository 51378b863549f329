from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

import pytest

from delivery.api import services
from tests.factories import FeatureFactory

pytestmark = pytest.mark.django_db

ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**400,
    1.5e308,
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\ud800",
    "é" * 3000,
    "2026-03-02T14:05:00",
    "2026-03-02T14:05:00+25:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "2026-02-30T10:00:00Z",
    "abcdef1",
    "ABCDEF0123456789" * 5,
    "../../etc/passwd",
    "a/b",
    "<script>alert(1)</script>",
    [],
    [None],
    [{}],
    [[["deep"]]],
    {},
    {"sha": None},
    {"$ref": "#/"},
]

VALID = {
    "/api/v1/deployments": {
        "key": "D-1",
        "team": "squad",
        "environment": "production",
        "result": "success",
        "finished_at": "2026-03-02T14:05:00+01:00",
        "commits": [{"sha": "abcdef1", "authored_at": "2026-03-01T10:00:00Z"}],
        "features": ["F-1"],
    },
    "/api/v1/incidents": {
        "key": "INC-1",
        "team": "squad",
        "title": "Down",
        "started_at": "2026-03-02T14:05:00Z",
        "resolved_at": "2026-03-02T15:05:00Z",
        "deployment": "D-1",
    },
    "/api/v1/devlake/deployments?team=squad": {
        "id": "dl-1",
        "startedDate": "2026-03-02T13:00:00Z",
        "finishedDate": "2026-03-02T14:00:00Z",
        "environment": "PRODUCTION",
        "result": "SUCCESS",
        "deploymentCommits": [
            {"repoUrl": "r", "commitSha": "abcdef1", "commitAuthoredDate": "2026-03-01T10:00:00Z"}
        ],
    },
    "/api/v1/incidents/INC-0": {"resolved_at": "2026-03-02T15:05:00Z", "title": "Down"},
}


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """The valid body with some values (at any depth) replaced, removed, or extra fields added."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            roll = rng.random()
            if roll < 0.1:
                continue
            out[k] = rng.choice(ODD_VALUES) if roll < 0.35 else mutate(v, rng, depth + 1)
        if rng.random() < 0.15:
            out[rng.choice(["extra", "Team", "", "\x00", "key\ud800"])] = rng.choice(ODD_VALUES)
        return out
    if isinstance(value, list):
        return [mutate(v, rng, depth + 1) for v in value] + (
            [rng.choice(ODD_VALUES)] if rng.random() < 0.2 else []
        )
    return rng.choice(ODD_VALUES) if rng.random() < 0.3 else value


def raw_bodies(rng: random.Random) -> list[bytes]:
    valid = json.dumps(VALID["/api/v1/deployments"]).encode()
    return [
        b"",
        b"null",
        b"[]",
        b"{}",
        b"{" * 5000,
        b"[" * 50_000 + b"]" * 50_000,
        b'{"team": ' + b"9" * 5000 + b"}",
        b'{"team": Infinity}',
        b"\xef\xbb\xbf" + valid,
        valid[: len(valid) // 2],
        valid.replace(b'"', b"'"),
        b'{"a": "\\ud800"}',
        b'{"team": "\\u0000"}',
        bytes(rng.randrange(256) for _ in range(200)),
        valid + b"garbage",
        valid.decode().encode("utf-16"),
    ]


@pytest.fixture
def setup(client: Any, org: Any, team: Any) -> Any:
    team.slug = "squad"
    team.save(update_fields=["slug"])
    FeatureFactory(team=team, key="F-1")
    _, token = services.token_create(org=org, name="fuzz", by=None)
    response = client.post(
        "/api/v1/incidents",
        data=json.dumps(
            {"key": "INC-0", "team": "squad", "title": "x", "started_at": "2026-03-02T14:05:00Z"}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    return token


def send(client: Any, token: str, url: str, data: bytes, content_type: str = "application/json") -> int:
    method = "PATCH" if url.startswith("/api/v1/incidents/") else "POST"
    # generic() sends the bytes as they are, whatever charset the content type claims.
    response = client.generic(
        method, url, data, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response["Content-Type"].split(";")[0] in {"application/json", "application/problem+json"}, url
    json.loads(response.content)
    return response.status_code


@pytest.mark.parametrize("seed", range(4))
def test_mutated_bodies_never_cause_a_server_error(client: Any, setup: str, seed: int) -> None:
    rng = random.Random(seed)
    statuses = []
    for url, valid in VALID.items():
        for _ in range(15):
            body = json.dumps(mutate(valid, rng), ensure_ascii=rng.random() < 0.5).encode(
                "utf-8", "surrogatepass"
            )
            statuses.append(send(client, setup, url, body))
    assert all(status < 500 for status in statuses)
    assert any(400 <= status < 500 for status in statuses)


def test_malformed_raw_bodies_never_cause_a_server_error(client: Any, setup: str) -> None:
    rng = random.Random(42)
    for url in VALID:
        for body in raw_bodies(rng):
            for content_type in ("application/json", "application/json; charset=utf-16", "text/plain", ""):
                assert send(client, setup, url, body, content_type) < 500


def test_odd_query_strings_and_paths_never_cause_a_server_error(client: Any, setup: str) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {setup}"}
    odd = [
        "",
        "%00",
        "%ff",
        "x" * 3000,
        "2026-13-01",
        "2026-03-02T10:00:00",
        "-1",
        "1e9",
        "true",
        "\u202e",
        "a/b",
    ]
    for name in ("team", "from", "to", "page", "page_size", "environment", "result", "open", "unknown"):
        for value in odd:
            for path in ("/api/v1/deployments", "/api/v1/incidents"):
                response = client.get(f"{path}?{name}={quote(value)}", **auth)
                assert response.status_code < 500, (name, value)
    for key in ("%00", "%ff", "x" * 500, "..", "%2F", "%20lead", "INC-0%00"):
        assert client.get(f"/api/v1/incidents/{key}", **auth).status_code < 500
        assert client.get(f"/api/v1/deployments/{key}", **auth).status_code < 500
    for header in ("Bearer \x00", "Bearer " + "é" * 10, "Bearer\t", "bearer  ", "Token x"):
        assert client.get("/api/v1/deployments", HTTP_AUTHORIZATION=header).status_code == 401
    for key in ("\x00", "a/b", "x" * 300, " "):
        response = client.post(
            "/api/v1/deployments",
            data=json.dumps(VALID["/api/v1/deployments"]),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **auth,
        )
        assert response.status_code == 400
