from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from delivery.models import Deployment, Incident
from integrations import services
from integrations.models import Delivery
from tests.factories import FeatureFactory
from tests.integrations.conftest import github_headers, payload

pytestmark = pytest.mark.django_db


def gitlab_headers(token: str, event: str, uuid: str = "") -> dict[str, str]:
    headers = {"HTTP_X_GITLAB_TOKEN": token, "HTTP_X_GITLAB_EVENT": event}
    return {**headers, "HTTP_X_GITLAB_EVENT_UUID": uuid} if uuid else headers


@pytest.fixture
def gitlab(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(org=org, provider="gitlab", name="GitLab", team=team)


@pytest.fixture
def opsgenie(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(
        org=org, provider="opsgenie", name="Opsgenie", sources={"payments-api": team.slug}
    )


def test_gitlab_push_then_deployment(gitlab, post, org, team):
    connection, token = gitlab
    feature = FeatureFactory(team=team, key="CHK-1")
    assert (
        post(connection, payload("gitlab_push"), gitlab_headers(token, "Push Hook", "u1")).status_code == 202
    )
    response = post(connection, payload("gitlab_deployment"), gitlab_headers(token, "Deployment Hook", "u2"))
    assert response.status_code == 202
    deployment = Deployment.objects.get(org=org, key="gl-acme/shop-15")
    assert (deployment.environment, deployment.result, deployment.team) == ("production", "success", team)
    assert deployment.finished_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert [c.sha for c in deployment.commits.all()] == ["279484c09fbe69ededfced8c1bb6e6d24616b468"]
    assert list(deployment.features.all()) == [feature]
    # Redelivered with the same event UUID: nothing more.
    post(connection, payload("gitlab_deployment"), gitlab_headers(token, "Deployment Hook", "u2"))
    assert (Deployment.objects.count(), Delivery.objects.count()) == (1, 2)


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"HTTP_X_GITLAB_TOKEN": "wrong"}, 401)])
def test_gitlab_wrong_or_missing_token(gitlab, post, headers, status):
    connection, _token = gitlab
    response = post(
        connection, payload("gitlab_deployment"), {"HTTP_X_GITLAB_EVENT": "Deployment Hook", **headers}
    )
    assert response.status_code == status
    assert Delivery.objects.get().status == "refused"


def test_opsgenie_create_and_close(opsgenie, post, org, team):
    connection, token = opsgenie
    headers = {"HTTP_X_OPSGENIE_TOKEN": token}
    assert post(connection, payload("opsgenie_create"), headers).status_code == 202
    incident = Incident.objects.get(org=org)
    assert (incident.team, incident.title, incident.started_at) == (
        team,
        "Payments are failing",
        datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    post(connection, payload("opsgenie_close"), headers)
    incident.refresh_from_db()
    assert incident.resolved_at == datetime(2026, 3, 2, 11, tzinfo=UTC)
    post(connection, payload("opsgenie_create"), headers)
    assert Incident.objects.count() == 1


def test_opsgenie_wrong_token(opsgenie, post):
    connection, _token = opsgenie
    assert post(connection, payload("opsgenie_create"), {"HTTP_X_OPSGENIE_TOKEN": "nope"}).status_code == 401
    assert not Incident.objects.exists()


def test_github_merged_pull_request_links_features_of_title_and_branch(github, post, org, team):
    connection, secret = github
    by_title = FeatureFactory(team=team, key="CHK-2")
    by_branch = FeatureFactory(team=team, key="CHK-3")
    body = payload("github_pull_request_merged")
    assert post(connection, body, github_headers(secret, body, "pull_request", "pr")).status_code == 202
    import json

    status = json.loads(payload("github_deployment_status"))
    status["deployment"]["sha"] = "c" * 40
    raw = json.dumps(status).encode()
    post(connection, raw, github_headers(secret, raw, "deployment_status", "d"))
    deployment = Deployment.objects.get()
    assert set(deployment.features.all()) == {by_title, by_branch}
    assert [c.sha for c in deployment.commits.all()] == ["c" * 40]
