"""Reading a delivery connection's history from its page: the token kept encrypted, a Celery task
reading the provider's API (mocked at the HTTP boundary), the progress shown while it runs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from delivery.models import Deployment, Incident
from integrations import delivery_history, services
from integrations.models import Backfill, Connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def pagerduty(org: Any, team: Any) -> Connection:
    return services.connection_create(org=org, provider="pagerduty", name="PagerDuty", team=team)[0]


@pytest.fixture
def github(org: Any, team: Any) -> Connection:
    return services.connection_create(org=org, provider="github", name="GitHub", team=team)[0]


def incidents_page() -> httpx.Response:
    incident = {
        "id": "PX1",
        "title": "Checkout down",
        "status": "resolved",
        "created_at": "2026-11-02T10:00:00Z",
        "resolved_at": "2026-11-02T10:40:00Z",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "Checkout"},
    }
    return httpx.Response(200, json={"incidents": [incident], "limit": 100, "offset": 0, "more": False})


@respx.mock
def test_the_page_reads_pagerduty_history_with_a_token_kept_encrypted(
    client_for, ops, org, pagerduty, celery_eager, django_capture_on_commit_callbacks
):
    route = respx.get("https://api.pagerduty.com/incidents").mock(return_value=incidents_page())
    client = client_for(ops)
    page = client.get(f"/settings/connections/{pagerduty.pk}/").content.decode()
    assert "Read the history" in page
    assert 'name="source"' not in page  # PagerDuty needs no repository
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settings/connections/{pagerduty.pk}/backfill/", {"days": "30", "token": "pd-read-key"}
        )
    assert response.status_code == 302
    assert route.calls[0].request.headers["Authorization"] == "Token token=pd-read-key"
    run = Backfill.objects.get(connection=pagerduty)
    assert (run.state, run.done, run.recorded, run.skipped) == ("done", 1, 1, 0)
    assert Incident.objects.get(org=org, key="pd-PX1").resolved_at is not None
    pagerduty.refresh_from_db()
    assert b"pd-read-key" not in bytes(pagerduty.token_encrypted)
    assert services.connection_token(pagerduty) == "pd-read-key"
    progress = client.get(f"/settings/connections/{pagerduty.pk}/?part=backfill").content.decode()
    assert "1 recorded, 0 skipped" in progress
    assert "pd-read-key" not in client.get(f"/settings/connections/{pagerduty.pk}/").content.decode()


@respx.mock
def test_a_refused_token_is_shown_with_its_reason(
    pagerduty, celery_eager, django_capture_on_commit_callbacks, client_for, ops
):
    respx.get("https://api.pagerduty.com/incidents").mock(return_value=httpx.Response(401, json={}))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(ops).post(f"/settings/connections/{pagerduty.pk}/backfill/", {"days": "7", "token": "bad"})
    run = Backfill.objects.get(connection=pagerduty)
    assert run.state == "failed"
    assert run.error == "history_refused"
    assert "401" in run.detail
    page = client_for(ops).get(f"/settings/connections/{pagerduty.pk}/").content.decode()
    assert "the provider refused to give the history" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"token": "t"}, "source", "Name the repository or project to read."),
        ({"source": "not a repo", "token": "t"}, "source", "Write it as owner/name"),
        ({"source": "acme/checkout"}, "token", "Give a token that may read this history."),
        ({"source": "acme/checkout", "token": "t\x00"}, "token", ""),
    ],
)
def test_bad_history_requests_get_field_errors_and_start_nothing(
    client_for, ops, github, data, field, message
):
    response = client_for(ops).post(f"/settings/connections/{github.pk}/backfill/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Backfill.objects.exists()
    assert not Deployment.objects.exists()


def test_days_are_bounded_by_the_provider(client_for, ops, pagerduty):
    response = client_for(ops).post(
        f"/settings/connections/{pagerduty.pk}/backfill/", {"days": "400", "token": "t"}
    )
    assert response.status_code == 400
    assert "180" in response.content.decode()
    assert not Backfill.objects.exists()


def test_only_managers_start_it(client_for, viewer, github):
    assert client_for(viewer).post(f"/settings/connections/{github.pk}/backfill/", {}).status_code == 403
    assert not Backfill.objects.exists()


def test_another_organisations_connection_is_not_found(other_org_client, github):
    for url in (
        f"/settings/connections/{github.pk}/backfill/",
        f"/settings/connections/{github.pk}/?part=backfill",
    ):
        method = other_org_client.post if url.endswith("backfill/") else other_org_client.get
        assert method(url, {"source": "acme/checkout", "token": "t"}).status_code == 404
    assert not Backfill.objects.exists()


def test_a_run_without_a_token_fails_with_a_reason(github):
    Backfill.objects.create(connection=github, query='{"source": "acme/checkout"}')
    run = delivery_history.history_run(connection_id=github.pk)
    assert run is not None
    assert (run.state, run.error) == ("failed", "no_token")


@respx.mock
def test_github_progress_knows_its_total(github, org):
    repo = "https://api.github.com/repos/acme/checkout"
    respx.get(f"{repo}/deployments").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "id": 1,
                    "sha": "a" * 40,
                    "ref": "main",
                    "environment": "production",
                    "created_at": "2026-11-02T10:00:00Z",
                },
                {
                    "id": 2,
                    "sha": "b" * 40,
                    "ref": "main",
                    "environment": "production",
                    "created_at": "2026-11-03T10:00:00Z",
                },
            ],
        )
    )
    respx.get(f"{repo}/deployments/1/statuses").mock(
        return_value=httpx.Response(
            200,
            json=[{"state": "success", "updated_at": "2026-11-02T10:05:00Z", "environment": "production"}],
        )
    )
    respx.get(f"{repo}/deployments/2/statuses").mock(
        return_value=httpx.Response(200, json=[{"state": "pending"}])
    )
    respx.get(f"{repo}/commits").mock(return_value=httpx.Response(200, json=[]))
    services.connection_set_token(connection=github, token="ghp-read")
    Backfill.objects.create(connection=github, query='{"source": "acme/checkout"}')
    run = delivery_history.history_run(connection_id=github.pk)
    assert run is not None
    assert (run.state, run.total, run.done, run.recorded, run.skipped, run.percent) == (
        "done",
        2,
        2,
        1,
        1,
        100,
    )
    assert Deployment.objects.filter(org=org).count() == 1


def test_a_run_stopped_by_its_time_limit_says_so(github, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_long(*args: Any, **kwargs: Any) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(delivery_history, "_read", too_long)
    services.connection_set_token(connection=github, token="ghp-read")
    Backfill.objects.create(connection=github, query='{"source": "acme/checkout"}')
    run = delivery_history.history_run(connection_id=github.pk)
    assert run is not None
    assert (run.state, run.error) == ("failed", "history_too_long")
    assert run.finished_at is not None
