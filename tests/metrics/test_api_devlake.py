from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from delivery.api import services
from delivery.api.validation import DeploymentData
from delivery.models import Deployment
from integrations.devlake import devlake_clean
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/devlake/deployments"
ALIAS = "/api/plugins/webhook/connections/{id}/deployments"


@pytest.fixture
def token(org: Any) -> str:
    return services.token_create(org=org, name="DevLake scripts", by=None)[1]


@pytest.fixture
def post(client: Any, token: str) -> Any:
    def call(url: str, payload: Any, *, content_type: str = "application/json") -> Any:
        data = payload if isinstance(payload, bytes) else json.dumps(payload)
        return client.post(url, data=data, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}")

    return call


def devlake(**overrides: Any) -> dict[str, Any]:
    """DevLake's documented webhook example, as CI scripts send it."""
    payload = {
        "id": "Test 2",
        "createdDate": "2024-09-02T11:00:00+00:00",
        "startedDate": "2024-09-02T12:00:00+00:00",
        "finishedDate": "2024-09-03T13:00:00+00:00",
        "environment": "PRODUCTION",
        "result": "SUCCESS",
        "displayTitle": "optional-custom-deploy-display-title",
        "name": "Test Name",
        "deploymentCommits": [
            {
                "repoUrl": "https://git.example.com/shop/checkout",
                "refName": "main",
                "startedDate": "2024-09-02T12:00:00+00:00",
                "finishedDate": "2024-09-03T13:00:00+00:00",
                "commitSha": "015e3d3b480e417aede5a1293bd61de9b0fd051d",
                "commitMsg": "Retry card authorisation once",
                "result": "SUCCESS",
                "displayTitle": "commit title",
                "name": "deployment for 015e3d3",
            }
        ],
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not ...}


def test_devlake_payload_is_accepted_and_mapped(post: Any, team: Any) -> None:
    response = post(f"{URL}?team={team.slug}", devlake())
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["key"] == "Test 2"
    assert data["environment"] == "production"
    assert data["result"] == "success"
    assert data["finished_at"] == "2024-09-03T13:00:00Z"
    assert data["commits"] == [
        {"sha": "015e3d3b480e417aede5a1293bd61de9b0fd051d", "authored_at": "2024-09-02T12:00:00Z"}
    ]
    stored = Deployment.objects.get(key="Test 2")
    assert stored.team == team
    assert stored.source == "devlake"


def test_alias_path_ignores_the_connection_id(post: Any, team: Any) -> None:
    response = post(ALIAS.format(id=9) + f"?team={team.slug}", devlake(id="deploy-9"))
    assert response.status_code == 201
    assert Deployment.objects.get(key="deploy-9").org_id == team.org_id


def test_curl_dash_d_without_content_type_is_accepted(post: Any, team: Any) -> None:
    response = post(f"{URL}?team={team.slug}", devlake(), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201


def test_team_may_be_a_field(post: Any, team: Any) -> None:
    assert post(URL, devlake(team=team.slug)).status_code == 201


def test_team_is_required(post: Any) -> None:
    response = post(URL, devlake())
    assert response.status_code == 400
    assert "team" in response.json()["details"]["team"]


def test_team_field_and_query_must_agree(post: Any, team: Any) -> None:
    other = TeamFactory(org=team.org)
    response = post(f"{URL}?team={team.slug}", devlake(team=other.slug))
    assert response.status_code == 400
    assert "differs" in response.json()["details"]["team"]


def test_another_organisations_team_is_unknown(post: Any) -> None:
    stranger = TeamFactory(org=OrganisationFactory())
    response = post(f"{URL}?team={stranger.slug}", devlake())
    assert response.status_code == 400
    assert "unknown team" in response.json()["details"]["team"]


def test_idempotent_by_devlake_id(post: Any, team: Any) -> None:
    url = f"{URL}?team={team.slug}"
    assert post(url, devlake()).status_code == 201
    again = post(url, devlake())
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert post(url, devlake(result="FAILURE")).status_code == 409
    assert Deployment.objects.count() == 1


def test_same_body_for_another_team_is_a_conflict(post: Any, team: Any) -> None:
    other = TeamFactory(org=team.org)
    assert post(f"{URL}?team={team.slug}", devlake()).status_code == 201
    assert post(f"{URL}?team={other.slug}", devlake()).status_code == 409


@pytest.mark.parametrize(
    ("environment", "result", "expected"),
    [
        ("production", "success", ("production", "success")),
        ("Staging", "Failure", ("staging", "failure")),
        ("TESTING", "FAILED", ("test", "failure")),
        ("DEVELOPMENT", "ABORT", ("test", "failure")),
        (..., ..., ("production", "success")),
    ],
)
def test_environment_and_result_map_case_insensitively(
    environment: Any, result: Any, expected: tuple[str, str]
) -> None:
    data = devlake_clean(devlake(environment=environment, result=result), team="checkout")
    assert isinstance(data, DeploymentData)
    assert (data.environment, data.result) == expected


def test_commit_authored_date_wins_over_started_dates() -> None:
    commits = [
        {
            "repoUrl": "r",
            "commitSha": "aaaaaaa",
            "commitAuthoredDate": "2024-09-01T08:00:00+02:00",
            "startedDate": "2024-09-02T12:00:00Z",
        },
        {"repoUrl": "r", "commitSha": "bbbbbbb", "startedDate": "2024-09-02T10:00:00Z"},
        {"repoUrl": "r", "commitSha": "ccccccc"},
        {"repoUrl": "r2", "commitSha": "ccccccc"},
    ]
    data = devlake_clean(devlake(deploymentCommits=commits), team="checkout")
    assert isinstance(data, DeploymentData)
    assert [(c.sha, c.authored_at) for c in data.commits] == [
        ("aaaaaaa", datetime(2024, 9, 1, 6, tzinfo=UTC)),
        ("bbbbbbb", datetime(2024, 9, 2, 10, tzinfo=UTC)),
        ("ccccccc", datetime(2024, 9, 2, 12, tzinfo=UTC)),
    ]


def test_features_extension(post: Any, team: Any) -> None:
    FeatureFactory(team=team, key="F-1")
    response = post(f"{URL}?team={team.slug}", devlake(features=["F-1"]))
    assert response.status_code == 201
    assert response.json()["features"] == ["F-1"]


@pytest.mark.parametrize(
    ("overrides", "path", "reason"),
    [
        ({"finishedDate": ...}, "finishedDate", "is required"),
        ({"finishedDate": "2024-09-03 13:00"}, "finishedDate", "offset"),
        ({"finishedDate": "2024-09-02T11:00:00Z"}, "finishedDate", "before startedDate"),
        ({"environment": "QA"}, "environment", "PRODUCTION"),
        ({"result": "MAYBE"}, "result", "SUCCESS"),
        ({"result": 1}, "result", "SUCCESS"),
        ({"deploymentCommits": []}, "deploymentCommits", "non-empty"),
        ({"deploymentCommits": ...}, "deploymentCommits", "is required"),
        (
            {"deploymentCommits": [{"repoUrl": "r", "commitSha": "zzz"}]},
            "deploymentCommits.0.commitSha",
            "hexadecimal",
        ),
        ({"deploymentCommits": [{"commitSha": "abcdef1"}]}, "deploymentCommits.0.repoUrl", "is required"),
        (
            {"deploymentCommits": [{"repoUrl": "r", "commitSha": "abcdef1", "author": "me"}]},
            "deploymentCommits.0.author",
            "unknown",
        ),
        ({"pipeline_id": "x"}, "pipeline_id", "unknown"),
        ({"id": "a/b"}, "id", "'/'"),
        ({"displayTitle": 5}, "displayTitle", "string"),
    ],
)
def test_bad_devlake_payload_is_400(
    post: Any, team: Any, overrides: dict[str, Any], path: str, reason: str
) -> None:
    response = post(f"{URL}?team={team.slug}", devlake(**overrides))
    assert response.status_code == 400
    assert reason in response.json()["details"][path]
    assert not Deployment.objects.exists()


def test_commit_without_any_date_needs_the_deployment_started_date(post: Any, team: Any) -> None:
    payload = devlake(startedDate=..., deploymentCommits=[{"repoUrl": "r", "commitSha": "abcdef1"}])
    response = post(f"{URL}?team={team.slug}", payload)
    assert response.status_code == 400
    assert "startedDate" in response.json()["details"]["deploymentCommits.0.commitAuthoredDate"]


def test_devlake_needs_a_token_and_post(client: Any, team: Any) -> None:
    assert client.post(URL, data="{}", content_type="application/json").status_code == 401
    _, plain = services.token_create(org=team.org, name="x", by=None)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"


def test_clearly_wrong_content_type_is_415(post: Any, team: Any) -> None:
    assert post(f"{URL}?team={team.slug}", b"a,b\n1,2", content_type="text/csv").status_code == 415
