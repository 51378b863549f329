from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from delivery.models import Deployment, PullRequest
from integrations import services
from tests.factories import OrganisationFactory, TeamFactory
from tests.integrations.conftest import as_json, github_headers, payload

pytestmark = pytest.mark.django_db


def gitlab_headers(token: str, event: str, uuid: str) -> dict[str, str]:
    return {"HTTP_X_GITLAB_TOKEN": token, "HTTP_X_GITLAB_EVENT": event, "HTTP_X_GITLAB_EVENT_UUID": uuid}


def deployment_status(sha: str) -> bytes:
    status = json.loads(payload("github_deployment_status"))
    status["deployment"]["sha"] = sha
    return as_json(status)


def test_github_merged_pull_request_is_stored_once(github, post, org, team):
    connection, secret = github
    body = payload("github_pull_request_merged")
    assert post(connection, body, github_headers(secret, body, "pull_request", "p1")).status_code == 202
    # The same pull request again under another delivery id: still one row, unchanged.
    post(connection, body, github_headers(secret, body, "pull_request", "p2"))
    pull = PullRequest.objects.get()
    assert (pull.org, pull.team, pull.repository, pull.number, pull.title) == (
        org,
        team,
        "octo/shop",
        7,
        "One-click checkout (CHK-2)",
    )
    assert pull.opened_at == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert pull.merged_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert (pull.merge_commit_sha, pull.deployment) == ("c" * 40, None)


def test_github_pull_request_first_commit_from_its_branch_pushes(github, post):
    connection, secret = github
    push = json.loads(payload("github_push"))
    push["ref"] = "refs/heads/feature/CHK-3-express"
    push["commits"] = [
        {"id": "e" * 40, "timestamp": "2026-02-27T10:00:00Z", "message": "start"},
        {"id": "f" * 40, "timestamp": "2026-02-28T10:00:00Z", "message": "more"},
    ]
    raw = as_json(push)
    post(connection, raw, github_headers(secret, raw, "push", "push"))
    body = payload("github_pull_request_merged")
    post(connection, body, github_headers(secret, body, "pull_request", "p1"))
    assert PullRequest.objects.get().first_commit_at == datetime(2026, 2, 27, 10, tzinfo=UTC)


def test_pull_request_linked_to_deployment_shipping_its_merge_commit_either_order(github, post, org):
    connection, secret = github
    body = payload("github_pull_request_merged")
    post(connection, body, github_headers(secret, body, "pull_request", "p1"))
    raw = deployment_status("c" * 40)
    post(connection, raw, github_headers(secret, raw, "deployment_status", "d1"))
    deployment = Deployment.objects.get(org=org)
    assert PullRequest.objects.get().deployment == deployment
    # Deployment first, then the pull request: linked as well.
    PullRequest.objects.all().delete()
    post(connection, body, github_headers(secret, body, "pull_request", "p2"))
    assert PullRequest.objects.get().deployment == deployment


def test_pull_request_not_linked_to_a_deployment_without_its_commit(github, post):
    connection, secret = github
    raw = deployment_status("9" * 40)
    post(connection, raw, github_headers(secret, raw, "deployment_status", "d1"))
    body = payload("github_pull_request_merged")
    post(connection, body, github_headers(secret, body, "pull_request", "p1"))
    assert PullRequest.objects.get().deployment is None


def test_github_closed_unmerged_pull_request_is_not_stored(github, post):
    connection, secret = github
    data = json.loads(payload("github_pull_request_merged"))
    data["pull_request"]["merged"] = False
    raw = as_json(data)
    assert post(connection, raw, github_headers(secret, raw, "pull_request", "p1")).status_code == 202
    assert not PullRequest.objects.exists()


def test_pull_request_of_unmapped_repository_is_not_stored(org, post):
    connection, secret = services.connection_create(org=org, provider="github", name="GitHub")
    body = payload("github_pull_request_merged")
    assert post(connection, body, github_headers(secret, body, "pull_request", "p1")).status_code == 202
    assert not PullRequest.objects.exists()


def test_same_repository_and_number_in_two_organisations(github, post):
    connection, secret = github
    other_team = TeamFactory(org=OrganisationFactory())
    other, other_secret = services.connection_create(
        org=other_team.org, provider="github", name="GitHub", team=other_team
    )
    body = payload("github_pull_request_merged")
    post(connection, body, github_headers(secret, body, "pull_request", "p1"))
    post(other, body, github_headers(other_secret, body, "pull_request", "p1"))
    assert sorted(PullRequest.objects.values_list("org_id", flat=True)) == sorted(
        [connection.org_id, other.org_id]
    )


def test_gitlab_merge_request_is_stored_and_linked(org, team, post):
    connection, token = services.connection_create(org=org, provider="gitlab", name="GitLab", team=team)
    body = payload("gitlab_merge_request_merged")
    response = post(connection, body, gitlab_headers(token, "Merge Request Hook", "m1"))
    assert response.status_code == 202
    post(connection, payload("gitlab_deployment"), gitlab_headers(token, "Deployment Hook", "d1"))
    post(connection, body, gitlab_headers(token, "Merge Request Hook", "m2"))
    pull = PullRequest.objects.get()
    assert (pull.repository, pull.number, pull.url) == (
        "acme/shop",
        12,
        "https://gitlab.example.com/acme/shop/-/merge_requests/12",
    )
    assert (pull.opened_at, pull.merged_at) == (
        datetime(2026, 3, 1, 8, tzinfo=UTC),
        datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    assert pull.deployment == Deployment.objects.get(org=org, key="gl-acme/shop-15")


def test_gitlab_merge_request_opened_is_not_stored(org, team, post):
    connection, token = services.connection_create(org=org, provider="gitlab", name="GitLab", team=team)
    data: Any = json.loads(payload("gitlab_merge_request_merged"))
    data["object_attributes"].update(action="open", state="opened")
    post(connection, as_json(data), gitlab_headers(token, "Merge Request Hook", "m1"))
    assert not PullRequest.objects.exists()
