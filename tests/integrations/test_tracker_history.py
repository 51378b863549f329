from __future__ import annotations

import base64
import json
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.management import call_command
from django.core.management.base import CommandError

from collab.models import Feature
from integrations import services
from integrations.models import Backfill

pytestmark = pytest.mark.django_db

SITE = "https://acme.atlassian.net"
SEARCH = f"{SITE}/rest/api/3/search/jql"
COUNT = f"{SITE}/rest/api/3/search/approximate-count"
LINEAR = "https://api.linear.app/graphql"


def jira_issue(key: str, status: str = "To Do", category: str = "new", **fields: Any) -> dict[str, Any]:
    """An issue as GET /rest/api/3/search/jql lists it (the fields asked for)."""
    return {
        "expand": "",
        "id": str(10000 + int(key.split("-")[1])),
        "self": f"{SITE}/rest/api/3/issue/{10000 + int(key.split('-')[1])}",
        "key": key,
        "fields": {
            "summary": f"Issue {key}",
            "status": {
                "name": status,
                "id": "1",
                "statusCategory": {"id": 2, "key": category, "name": status},
            },
            "issuetype": {"id": "10001", "name": "Story", "subtask": False},
            "project": {"id": "10000", "key": "ENG", "name": "Engineering"},
            "labels": [],
            "resolutiondate": None,
            "description": None,
            "customfield_10016": 3,
            **fields,
        },
    }


def linear_node(
    identifier: str, state: str = "Todo", kind: str = "unstarted", **extra: Any
) -> dict[str, Any]:
    """An issue as the GraphQL `issues` query answers it (the fields asked for)."""
    return {
        "id": f"00000000-0000-4000-8000-{int(identifier.split('-')[1]):012d}",
        "identifier": identifier,
        "title": f"Issue {identifier}",
        "description": None,
        "url": f"https://linear.app/acme/issue/{identifier}/issue",
        "estimate": 2,
        "completedAt": None,
        "state": {"name": state, "type": kind},
        "team": {"id": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "key": "APP"},
        "labels": {"nodes": [{"name": "Feature"}]},
        **extra,
    }


@pytest.fixture
def jira(org: Any, team: Any) -> Any:
    connection, _secret = services.connection_create(
        org=org,
        provider="jira",
        name="Jira",
        team=team,
        tracker={"site": SITE, "email": "pm@acme.example", "project": "ENG", "statuses": {"To Do": "idea"}},
    )
    services.connection_set_token(connection=connection, token="jira-api-token")
    return connection


@pytest.fixture
def linear(org: Any, team: Any) -> Any:
    connection, _secret = services.connection_create(
        org=org, provider="linear", name="Linear", team=team, tracker={"project": "APP"}
    )
    services.connection_set_token(connection=connection, token="lin_api_key")
    return connection


def run(connection: Any, *args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("connectors", "backfill", str(connection.pk), *args, stdout=out)
    return json.loads(out.getvalue())


@respx.mock
def test_jira_history_pages_with_next_page_token(jira: Any) -> None:
    respx.post(COUNT).mock(return_value=httpx.Response(200, json={"count": 3}))
    search = respx.get(SEARCH).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "issues": [jira_issue("ENG-1"), jira_issue("ENG-2", "Review", "indeterminate")],
                    "nextPageToken": "CAEaAggD",
                    "isLast": False,
                },
            ),
            httpx.Response(
                200,
                json={
                    "issues": [
                        jira_issue("ENG-3", "Done", "done", resolutiondate="2026-11-30T17:00:00.000+0100")
                    ],
                    "isLast": True,
                },
            ),
        ]
    )
    result = run(jira, "--jql", "project = ENG AND created >= -90d")
    assert result == {
        "state": "done",
        "read": 3,
        "total": 3,
        "recorded": 3,
        "skipped": 0,
        "unmapped_statuses": ["Done", "Review"],
    }
    first, second = (parse_qs(urlsplit(str(call.request.url)).query) for call in search.calls)
    assert first["jql"] == ["project = ENG AND created >= -90d"]
    assert "nextPageToken" not in first
    assert second["nextPageToken"] == ["CAEaAggD"]
    assert "customfield_10016" in first["fields"][0]
    auth = search.calls[0].request.headers["Authorization"]
    assert auth == "Basic " + base64.b64encode(b"pm@acme.example:jira-api-token").decode()
    statuses = dict(Feature.objects.values_list("external_key", "status"))
    assert statuses == {"ENG-1": "idea", "ENG-2": "in_progress", "ENG-3": "delivered"}
    assert Feature.objects.get(external_key="ENG-3").delivered_at.isoformat() == "2026-11-30T16:00:00+00:00"
    backfill = Backfill.objects.get(connection=jira)
    assert (backfill.state, backfill.percent) == ("done", 100)


@respx.mock
def test_a_second_import_updates_the_same_features(jira: Any) -> None:
    respx.post(COUNT).mock(return_value=httpx.Response(200, json={"count": 1}))
    respx.get(SEARCH).mock(
        side_effect=[
            httpx.Response(200, json={"issues": [jira_issue("ENG-1")], "isLast": True}),
            httpx.Response(200, json={"issues": [jira_issue("ENG-1", summary="Renamed")], "isLast": True}),
        ]
    )
    run(jira)
    run(jira)
    assert list(Feature.objects.values_list("external_key", "title")) == [("ENG-1", "Renamed")]


@respx.mock
def test_the_default_jql_reads_the_connection_project(jira: Any) -> None:
    respx.post(COUNT).mock(return_value=httpx.Response(200, json={"count": 0}))
    search = respx.get(SEARCH).mock(return_value=httpx.Response(200, json={"issues": [], "isLast": True}))
    run(jira)
    assert parse_qs(urlsplit(str(search.calls[0].request.url)).query)["jql"] == [
        'project = "ENG" ORDER BY created ASC'
    ]


@respx.mock
def test_a_refused_token_fails_the_import_with_its_reason(jira: Any) -> None:
    respx.post(COUNT).mock(return_value=httpx.Response(401, json={"errorMessages": ["Unauthorized"]}))
    respx.get(SEARCH).mock(return_value=httpx.Response(401, json={"errorMessages": ["Unauthorized"]}))
    with pytest.raises(CommandError, match="tracker_refused"):
        run(jira)
    backfill = Backfill.objects.get(connection=jira)
    assert (backfill.state, backfill.error) == ("failed", "tracker_refused")
    assert not Feature.objects.exists()


@respx.mock
def test_linear_history_pages_with_end_cursor(linear: Any) -> None:
    route = respx.post(LINEAR).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "data": {
                        "issues": {
                            "nodes": [linear_node("APP-1"), linear_node("APP-2", "In Progress", "started")],
                            "pageInfo": {"hasNextPage": True, "endCursor": "c2"},
                        }
                    }
                },
            ),
            httpx.Response(
                200,
                json={
                    "data": {
                        "issues": {
                            "nodes": [linear_node("APP-3", "Canceled", "canceled")],
                            "pageInfo": {"hasNextPage": False, "endCursor": "c3"},
                        }
                    }
                },
            ),
        ]
    )
    result = run(linear)
    assert (result["read"], result["recorded"], result["total"]) == (3, 3, None)
    first, second = (json.loads(call.request.content) for call in route.calls)
    assert first["variables"] == {"filter": {"team": {"key": {"eq": "APP"}}}, "after": None}
    assert second["variables"]["after"] == "c2"
    assert "issues(first: 50" in first["query"]
    assert route.calls[0].request.headers["Authorization"] == "lin_api_key"
    statuses = dict(Feature.objects.values_list("external_key", "status"))
    assert statuses == {"APP-1": "idea", "APP-2": "in_progress", "APP-3": "dropped"}
    assert Feature.objects.get(external_key="APP-1").effort_points == 2.0


@respx.mock
def test_linear_graphql_errors_fail_the_import(linear: Any) -> None:
    respx.post(LINEAR).mock(
        return_value=httpx.Response(
            200, json={"errors": [{"message": "Authentication required, not authenticated"}]}
        )
    )
    with pytest.raises(CommandError, match="tracker_refused"):
        run(linear, "--filter", '{"state": {"type": {"neq": "canceled"}}}')
    assert Backfill.objects.get(connection=linear).detail == "200 Authentication required, not authenticated"


def test_a_linear_filter_that_is_not_json_is_refused(linear: Any) -> None:
    with pytest.raises(CommandError, match="malformed"):
        run(linear, "--filter", "state = done")


def test_an_import_without_token_says_so(org: Any, team: Any) -> None:
    connection, _secret = services.connection_create(org=org, provider="linear", name="L", team=team)
    with pytest.raises(CommandError, match="LINEAR_TOKEN"):
        run(connection)
