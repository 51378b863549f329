from __future__ import annotations

import re
from typing import Any

import pytest

from integrations import crypto, services
from integrations.models import Backfill, Connection, Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def jira(org: Any, team: Any) -> Connection:
    connection, _secret = services.connection_create(org=org, provider="jira", name="Jira", team=team)
    return connection


def test_the_tracker_settings_are_saved_and_the_token_kept_encrypted(
    client_for: Any, ops: Any, team: Any, jira: Connection
) -> None:
    response = client_for(ops).post(
        f"/settings/connections/{jira.pk}/",
        {
            "team": team.pk,
            "sources": "",
            "project": "ENG",
            "site": "https://acme.atlassian.net/",
            "email": "pm@acme.example",
            "token": "ATATT-secret-token",
            "statuses": "To Do = idea\nCode review = in_progress\nDone = delivered",
            "kinds": "Bug = bug\ntech-debt = tech_debt",
            "estimate_field": "customfield_10016",
            "only": "",
            "issue_type": "Task",
        },
    )
    assert response.status_code == 302
    jira.refresh_from_db()
    assert jira.tracker == {
        "site": "https://acme.atlassian.net",
        "email": "pm@acme.example",
        "project": "ENG",
        "statuses": {"To Do": "idea", "Code review": "in_progress", "Done": "delivered"},
        "kinds": {"Bug": "bug", "tech-debt": "tech_debt"},
        "estimate_field": "customfield_10016",
        "issue_type": "Task",
    }
    assert b"ATATT-secret-token" not in bytes(jira.token_encrypted)
    assert crypto.decrypt(jira.token_encrypted) == "ATATT-secret-token"
    page = client_for(ops).get(f"/settings/connections/{jira.pk}/").content.decode()
    assert "ATATT-secret-token" not in page
    assert "Code review = in_progress" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("statuses", "Done = shipped"), ("kinds", "Story = feature"), ("site", "http://acme.atlassian.net")],
)
def test_a_wrong_mapping_is_a_field_error(
    client_for: Any, ops: Any, jira: Connection, field: str, value: str
) -> None:
    response = client_for(ops).post(f"/settings/connections/{jira.pk}/", {field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    jira.refresh_from_db()
    assert jira.tracker == {}


def test_unknown_statuses_are_listed_until_mapped(client_for: Any, ops: Any, jira: Connection) -> None:
    Delivery.objects.create(
        connection=jira, event="jira:issue_updated", status="recorded", reason="unmapped_status", detail="QA"
    )
    Backfill.objects.create(connection=jira, state="done", unmapped_statuses=["Blocked"])
    page = client_for(ops).get(f"/settings/connections/{jira.pk}/").content.decode()
    listed = re.search(r'id="unmapped-statuses".*?</section>', page, re.S)
    assert listed is not None
    assert "<code>QA</code>" in listed.group(0)
    assert "<code>Blocked</code>" in listed.group(0)
    jira.mappings["tracker"] = {"statuses": {"qa": "in_progress", "Blocked": "in_progress"}}
    jira.save(update_fields=["mappings"])
    assert (
        'id="unmapped-statuses"'
        not in client_for(ops).get(f"/settings/connections/{jira.pk}/").content.decode()
    )


def test_the_import_button_queues_a_task_and_the_page_shows_progress(
    client_for: Any, ops: Any, jira: Connection, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    client = client_for(ops)
    assert "Import existing issues" not in client.get(f"/settings/connections/{jira.pk}/").content.decode()
    services.connection_set_token(connection=jira, token="t")
    queued: list[Any] = []
    from integrations import tasks

    monkeypatch.setattr(tasks.tracker_backfill, "delay", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settings/connections/{jira.pk}/backfill/", {"query": "project = ENG"})
    assert response.status_code == 302
    assert queued == [{"connection_id": str(jira.pk)}]
    backfill = Backfill.objects.get(connection=jira)
    assert (backfill.state, backfill.query) == ("queued", "project = ENG")
    Backfill.objects.filter(pk=backfill.pk).update(
        state="running", total=200, done=50, recorded=48, skipped=2
    )
    part = client.get(
        f"/settings/connections/{jira.pk}/?part=backfill", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="25"' in part  # the progress bar
    assert "50 of 200 issues read" in part
    assert 'hx-trigger="every 2s"' in part
    Backfill.objects.filter(pk=backfill.pk).update(state="done", done=200)
    assert (
        'hx-trigger="every 2s"'
        not in client.get(f"/settings/connections/{jira.pk}/?part=backfill").content.decode()
    )


def test_another_organisation_gets_404(jira: Connection, assert_404_for_outsider: Any) -> None:
    assert_404_for_outsider(f"/settings/connections/{jira.pk}/backfill/", methods=("post",))


def test_the_command_adds_jira_and_linear(org: Any, team: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    for provider in ("jira", "linear"):
        out = StringIO()
        call_command("connectors", "add", org.slug, provider, "--team", team.slug, stdout=out)
        data = json.loads(out.getvalue())
        assert data["path"] == f"/hooks/{provider}/{data['id']}/"


def test_the_feature_page_and_list_link_to_the_tracker_issue(
    client_for: Any, pm: Any, org: Any, team: Any
) -> None:
    from collab.features.external import TrackedIssue, feature_track, feature_untrack

    feature, _created = feature_track(
        org=org,
        team=team,
        issue=TrackedIssue(
            provider="jira",
            key="ENG-42",
            url="https://acme.atlassian.net/browse/ENG-42",
            title="Paiement en un clic",
            kind="product",
            status="idea",
            effort_points=5,
        ),
    )
    client = client_for(pm)
    link = 'href="https://acme.atlassian.net/browse/ENG-42"'
    assert link in client.get(f"/features/{feature.key}/").content.decode()
    assert link in client.get("/features/").content.decode()
    feature_untrack(org=org, provider="jira", key="ENG-42")
    page = client.get(f"/features/{feature.key}/").content.decode()
    assert "the issue ENG-42 was deleted in Jira" in page
