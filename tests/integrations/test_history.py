"""GitLab and Opsgenie history through their REST APIs (`connectors backfill`), outside HTTP mocked
at the boundary with the response shapes GitLab's Deployments, Commits and Merge requests APIs and
Opsgenie's Alert and Team APIs document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.models import Deployment, Incident, PullRequest
from integrations import history, services
from integrations.backfill import BackfillError

pytestmark = pytest.mark.django_db

GITLAB = "https://gitlab.com/api/v4/projects/acme%2Fcheckout"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def gitlab(org: Any, team: Any) -> Any:
    return services.connection_create(org=org, provider="gitlab", name="GitLab", team=team)[0]


@pytest.fixture
def opsgenie(org: Any, team: Any) -> Any:
    return services.connection_create(
        org=org, provider="opsgenie", name="Opsgenie", sources={"Payments": team.slug}
    )[0]


def run(connection: Any, *args: str) -> dict[str, int]:
    out = StringIO()
    call_command("connectors", "backfill", str(connection.pk), *args, stdout=out)
    return json.loads(out.getvalue())


def gl_deployment(id_: int, status: str, sha: str, env: str = "production", **extra: Any) -> dict[str, Any]:
    """A deployment as `GET /projects/:id/deployments` lists it."""
    return {
        "id": id_,
        "iid": id_,
        "ref": "main",
        "sha": sha,
        "created_at": "2026-03-10T09:00:00.000Z",
        "updated_at": "2026-03-10T09:12:00.000Z",
        "finished_at": "2026-03-10T09:10:00.000Z",
        "status": status,
        "user": {"id": 1, "username": "ana"},
        "environment": {"id": 9, "name": env, "external_url": "https://checkout.example.com"},
        "deployable": {
            "id": 70,
            "status": status,
            "commit": {"id": sha, "short_id": sha[:8], "title": "CHK-12 one-click pay"},
        },
        **extra,
    }


def gl_commit(sha: str, when: str, message: str) -> dict[str, Any]:
    return {
        "id": sha,
        "short_id": sha[:8],
        "title": message,
        "message": message,
        "authored_date": when,
        "committed_date": when,
        "created_at": when,
    }


@respx.mock
def test_gitlab_history_records_deployments_commits_and_merge_requests(gitlab, org, team, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-read")
    merge_requests = respx.get(f"{GITLAB}/merge_requests").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "id": 501,
                    "iid": 42,
                    "title": "One-click pay",
                    "state": "merged",
                    "source_branch": "chk-12-pay",
                    "target_branch": "main",
                    "created_at": "2026-03-08T10:00:00.000Z",
                    "updated_at": "2026-03-09T16:00:00.000Z",
                    "merged_at": "2026-03-09T16:00:00.000Z",
                    "merge_commit_sha": "b" * 40,
                    "squash_commit_sha": None,
                    "web_url": "https://gitlab.com/acme/checkout/-/merge_requests/42",
                }
            ],
        )
    )
    deployments = respx.get(f"{GITLAB}/deployments").mock(
        side_effect=[
            httpx.Response(
                200,
                json=[gl_deployment(1, "success", "b" * 40), gl_deployment(2, "running", "c" * 40)],
                headers={"X-Next-Page": "2"},
            ),
            httpx.Response(
                200, json=[gl_deployment(3, "failed", "d" * 40, env="staging")], headers={"X-Next-Page": ""}
            ),
        ]
    )
    commits = respx.get(f"{GITLAB}/repository/commits").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json=[
                gl_commit(
                    request.url.params["ref_name"], "2026-03-08T11:00:00.000+01:00", "CHK-12 first step"
                )
            ],
        )
    )

    result = run(gitlab, "acme/checkout", "--days", "30")

    assert result == {"deployments": 2, "merge_requests": 1, "skipped": 1}
    production = Deployment.objects.get(org=org, environment="production")
    assert (production.team, production.result, production.source) == (team, "success", "gitlab")
    assert production.finished_at == datetime(2026, 3, 10, 9, 10, tzinfo=UTC)
    assert list(production.commits.values_list("sha", flat=True)) == ["b" * 40]
    staging = Deployment.objects.get(org=org, environment="staging")
    assert staging.result == "failure"
    pr = PullRequest.objects.get(org=org)
    assert (pr.number, pr.repository, pr.merge_commit_sha) == (42, "acme/checkout", "b" * 40)
    # The read token travels as GitLab documents it; the period is asked for, not filtered here.
    assert deployments.calls[0].request.headers["PRIVATE-TOKEN"] == "glpat-read"
    assert parse_qs(urlsplit(str(deployments.calls[1].request.url)).query)["page"] == ["2"]
    assert "updated_after" in merge_requests.calls[0].request.url.params
    assert commits.call_count == 2  # the running deployment is not read further

    # Reading the same history again (or the webhooks of the same deployments) changes nothing.
    respx.get(f"{GITLAB}/deployments").mock(
        return_value=httpx.Response(200, json=[gl_deployment(1, "success", "b" * 40)])
    )
    run(gitlab, "acme/checkout", "--days", "30")
    assert Deployment.objects.filter(org=org).count() == 2
    assert PullRequest.objects.filter(org=org).count() == 1


@respx.mock
def test_gitlab_history_on_a_self_managed_instance_and_its_refusals(gitlab, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "bad")
    route = respx.get("https://git.acme.test/api/v4/projects/acme%2Fcheckout/merge_requests").mock(
        return_value=httpx.Response(401, json={"message": "401 Unauthorized"})
    )
    with pytest.raises(CommandError, match="401"):
        run(gitlab, "acme/checkout", "--base-url", "https://git.acme.test/")
    assert route.called
    assert not Deployment.objects.exists()
    with pytest.raises(CommandError, match="group/name"):
        run(gitlab, "checkout")
    with pytest.raises(CommandError, match="name the repository"):
        run(gitlab)
    monkeypatch.delenv("GITLAB_TOKEN")
    with pytest.raises(CommandError, match="GITLAB_TOKEN"):
        run(gitlab, "acme/checkout")


def og_alert(id_: str, status: str, *, team_id: str = "t-1", close_ms: int | None = None) -> dict[str, Any]:
    """An alert as `GET /v2/alerts` lists it."""
    alert: dict[str, Any] = {
        "id": id_,
        "tinyId": "14",
        "alias": f"alias-{id_}",
        "message": "Payments API error rate above 5 %",
        "status": status,
        "acknowledged": False,
        "isSeen": True,
        "tags": ["prod"],
        "snoozed": False,
        "count": 1,
        "lastOccurredAt": "2026-03-12T08:00:00.000Z",
        "createdAt": "2026-03-12T08:00:00.000Z",
        "updatedAt": "2026-03-12T09:30:00.000Z",
        "source": "datadog",
        "owner": "",
        "priority": "P2",
        "teams": [{"id": team_id}],
        "responders": [{"type": "team", "id": team_id}],
        "integration": {"id": "i-1", "name": "Datadog", "type": "Datadog"},
        "report": {},
    }
    if close_ms is not None:
        alert["report"] = {"closeTime": close_ms, "closedBy": "ana"}
    return alert


def og_page(alerts: list[dict[str, Any]], more: bool) -> httpx.Response:
    paging = {"first": "https://api.opsgenie.com/v2/alerts?offset=0&limit=100"}
    if more:
        paging["next"] = "https://api.opsgenie.com/v2/alerts?offset=100&limit=100"
    return httpx.Response(200, json={"data": alerts, "paging": paging, "took": 0.1, "requestId": "r"})


@respx.mock
def test_opsgenie_history_opens_and_resolves_incidents_of_mapped_teams(opsgenie, org, team):
    respx.get("https://api.opsgenie.com/v2/teams").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [{"id": "t-1", "name": "Payments"}, {"id": "t-2", "name": "Search"}],
                "took": 0.1,
                "requestId": "r",
            },
        )
    )
    alerts = respx.get("https://api.opsgenie.com/v2/alerts").mock(
        side_effect=[
            og_page([og_alert("a-1", "closed", close_ms=45 * 60 * 1000)], more=True),
            og_page([og_alert("a-2", "open"), og_alert("a-3", "closed", team_id="t-2")], more=False),
        ]
    )

    result = history.opsgenie_backfill(connection=opsgenie, token="genie", days=30, now=NOW)

    assert result == {"incidents": 2, "skipped": 1}  # Search is not mapped: listed as skipped
    closed = Incident.objects.get(org=org, key="og-a-1")
    assert closed.team == team
    assert closed.source == "opsgenie"
    assert closed.started_at == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert closed.resolved_at == datetime(2026, 3, 12, 8, 45, tzinfo=UTC)
    assert Incident.objects.get(org=org, key="og-a-2").resolved_at is None
    first = alerts.calls[0].request
    assert first.headers["Authorization"] == "GenieKey genie"
    since_ms = int(datetime(2026, 2, 18, 12, 0, tzinfo=UTC).timestamp() * 1000)
    assert first.url.params["query"] == f"createdAt >= {since_ms}"
    assert alerts.calls[1].request.url.params["offset"] == "100"


@respx.mock
def test_opsgenie_history_refusals(opsgenie, gitlab, monkeypatch):
    monkeypatch.setenv("OPSGENIE_TOKEN", "bad")
    respx.get("https://api.opsgenie.com/v2/teams").mock(
        return_value=httpx.Response(401, json={"message": "Could not authenticate"})
    )
    with pytest.raises(CommandError, match="401"):
        run(opsgenie)
    with pytest.raises(CommandError, match="--days"):
        run(opsgenie, "--days", "0")
    with pytest.raises(BackfillError, match="Opsgenie connections only"):
        history.opsgenie_backfill(connection=gitlab, token="t", days=5)
    assert not Incident.objects.exists()
