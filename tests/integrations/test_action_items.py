from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import respx
from django.urls import reverse

from integrations import services
from rituals.models import ActionItem
from rituals.syncs import services as sync_services
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db

SITE = "https://acme.atlassian.net"
LINEAR = "https://api.linear.app/graphql"


@pytest.fixture
def action(org: Any, team: Any, pm: Any, tech_lead: Any) -> ActionItem:
    sync = drive_sync(org, team, pm)
    section = sync.sections.get(code="issues")
    return sync_services.action_item_add(
        sync=sync, section=section, title="Écrire l'ADR du cache", owner=tech_lead
    )


def tracker(org: Any, team: Any, provider: str, **settings: Any) -> Any:
    connection, _secret = services.connection_create(
        org=org, provider=provider, name=provider, team=team, tracker=settings
    )
    services.connection_set_token(connection=connection, token=f"{provider}-token")
    return connection


def send(client_for: Any, member: Any, action: ActionItem, capture: Any) -> Any:
    with capture(execute=True):
        return client_for(member).post(reverse("rituals:action_send", args=[action.sync_id, action.pk]))


def test_no_button_without_a_tracker(client_for: Any, pm: Any, action: ActionItem) -> None:
    page = client_for(pm).get(reverse("rituals:sync_detail", args=[action.sync_id])).content.decode()
    assert reverse("rituals:action_send", args=[action.sync_id, action.pk]) not in page


def test_a_tracker_without_token_shows_no_button(
    client_for: Any, pm: Any, org: Any, team: Any, action: ActionItem
) -> None:
    services.connection_create(
        org=org, provider="jira", name="J", team=team, tracker={"site": SITE, "project": "ENG"}
    )
    page = client_for(pm).get(reverse("rituals:sync_detail", args=[action.sync_id])).content.decode()
    assert "Send to Jira" not in page


@respx.mock
def test_an_action_item_becomes_a_jira_issue_and_its_link_comes_back(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tracker(org, team, "jira", site=SITE, email="pm@acme.example", project="ENG")
    page = client_for(pm).get(reverse("rituals:sync_detail", args=[action.sync_id])).content.decode()
    assert "Send to Jira" in page
    route = respx.post(f"{SITE}/rest/api/3/issue").mock(
        return_value=httpx.Response(
            201, json={"id": "10077", "key": "ENG-77", "self": f"{SITE}/rest/api/3/issue/10077"}
        )
    )
    response = send(client_for, pm, action, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.external_state, action.external_provider, action.external_key, action.external_url) == (
        "sent",
        "jira",
        "ENG-77",
        f"{SITE}/browse/ENG-77",
    )
    sent = json.loads(route.calls[0].request.content)
    assert sent["fields"]["project"] == {"key": "ENG"}
    assert sent["fields"]["summary"] == "Écrire l'ADR du cache"
    assert sent["fields"]["issuetype"] == {"name": "Task"}
    assert sent["fields"]["description"]["type"] == "doc"
    assert (
        route.calls[0].request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"pm@acme.example:jira-token").decode()
    )
    page = client_for(pm).get(reverse("rituals:sync_detail", args=[action.sync_id])).content.decode()
    assert f'href="{SITE}/browse/ENG-77"' in page
    # Sent once: pressing again creates nothing more.
    send(client_for, pm, action, django_capture_on_commit_callbacks)
    assert route.call_count == 1


@respx.mock
def test_an_action_item_becomes_a_linear_issue(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tracker(org, team, "linear", project="APP")
    route = respx.post(LINEAR).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "data": {
                        "teams": {"nodes": [{"id": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "key": "APP"}]}
                    }
                },
            ),
            httpx.Response(
                200,
                json={
                    "data": {
                        "issueCreate": {
                            "success": True,
                            "issue": {
                                "id": "9f0e",
                                "identifier": "APP-12",
                                "url": "https://linear.app/acme/issue/APP-12/ecrire-ladr",
                            },
                        }
                    }
                },
            ),
        ]
    )
    send(client_for, pm, action, django_capture_on_commit_callbacks)
    action.refresh_from_db()
    assert (action.external_key, action.external_url) == (
        "APP-12",
        "https://linear.app/acme/issue/APP-12/ecrire-ladr",
    )
    mutation = json.loads(route.calls[1].request.content)
    assert "issueCreate" in mutation["query"]
    assert mutation["variables"]["input"]["teamId"] == "72b2a2dc-6f4f-4423-9d34-24b5bd10634a"
    assert mutation["variables"]["input"]["title"] == "Écrire l'ADR du cache"
    assert route.calls[0].request.headers["Authorization"] == "linear-token"


@respx.mock
def test_a_refusal_marks_the_item_failed_with_send_again(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tracker(org, team, "jira", site=SITE, email="pm@acme.example", project="ENG")
    respx.post(f"{SITE}/rest/api/3/issue").mock(
        return_value=httpx.Response(400, json={"errors": {"issuetype": "Specify a valid issue type"}})
    )
    send(client_for, pm, action, django_capture_on_commit_callbacks)
    action.refresh_from_db()
    assert (action.external_state, action.external_key) == ("failed", "")
    page = client_for(pm).get(reverse("rituals:sync_detail", args=[action.sync_id])).content.decode()
    assert "Send again" in page


@respx.mock
def test_an_unreachable_tracker_is_retried_then_marked_failed(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tracker(org, team, "jira", site=SITE, email="pm@acme.example", project="ENG")
    route = respx.post(f"{SITE}/rest/api/3/issue").mock(side_effect=httpx.ConnectError("no route"))
    send(client_for, pm, action, django_capture_on_commit_callbacks)
    action.refresh_from_db()
    assert action.external_state == "failed"
    assert route.call_count == 6  # the first try and five retries


def test_the_request_only_queues_the_sending(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    tracker(org, team, "jira", site=SITE, email="pm@acme.example", project="ENG")
    queued: list[dict[str, Any]] = []
    from integrations import tasks

    monkeypatch.setattr(tasks.action_item_send, "delay", lambda **kwargs: queued.append(kwargs))
    send(client_for, pm, action, django_capture_on_commit_callbacks)
    action.refresh_from_db()
    assert action.external_state == "sending"
    assert queued == [{"action_id": action.pk}]


def test_another_organisation_cannot_send(other_org_client: Any, action: ActionItem) -> None:
    response = other_org_client.post(reverse("rituals:action_send", args=[action.sync_id, action.pk]))
    assert response.status_code == 404


@respx.mock
def test_after_the_sync_closes_its_summary_sends_and_links(
    client_for: Any,
    pm: Any,
    org: Any,
    team: Any,
    action: ActionItem,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tracker(org, team, "jira", site=SITE, email="pm@acme.example", project="ENG")
    sync_services.sync_start(sync=action.sync)
    sync_services.sync_close(sync=action.sync, send_summary=False)
    summary = reverse("rituals:sync_summary", args=[action.sync_id])
    assert (
        reverse("rituals:action_send", args=[action.sync_id, action.pk])
        in client_for(pm).get(summary).content.decode()
    )
    respx.post(f"{SITE}/rest/api/3/issue").mock(
        return_value=httpx.Response(
            201, json={"id": "10078", "key": "ENG-78", "self": f"{SITE}/rest/api/3/issue/10078"}
        )
    )
    response = send(client_for, pm, action, django_capture_on_commit_callbacks)
    assert response["Location"].startswith(summary)
    assert f'href="{SITE}/browse/ENG-78"' in client_for(pm).get(summary).content.decode()
