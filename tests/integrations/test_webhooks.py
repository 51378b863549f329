from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from delivery.models import Deployment, Incident
from integrations import services
from integrations.models import Delivery
from tests.factories import FeatureFactory, TeamFactory
from tests.integrations.conftest import as_json, github_headers, pagerduty_headers, payload

pytestmark = pytest.mark.django_db


def test_github_push_then_deployment_records_deployment_with_commits_and_features(github, post, org, team):
    connection, secret = github
    feature = FeatureFactory(team=team, key="CHK-1")
    push = payload("github_push")
    assert post(connection, push, github_headers(secret, push, "push", "d-1")).status_code == 202
    body = payload("github_deployment_status")
    response = post(connection, body, github_headers(secret, body, "deployment_status", "d-2"))
    assert response.status_code == 202
    deployment = Deployment.objects.get(org=org, key="gh-octo/shop-42")
    assert (deployment.team, deployment.environment, deployment.result) == (team, "production", "success")
    assert deployment.finished_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert sorted(c.sha[0] for c in deployment.commits.all()) == ["a", "b"]
    assert list(deployment.features.all()) == [feature]
    assert list(Delivery.objects.values_list("status", flat=True)) == ["recorded", "recorded"]


def test_github_deployment_takes_only_commits_since_previous_production(github, post, org):
    connection, secret = github
    push = payload("github_push")
    post(connection, push, github_headers(secret, push, "push", "d-1"))
    first = json.loads(payload("github_deployment_status"))
    first["deployment"].update(id=41, sha="a" * 40)
    first["deployment_status"]["updated_at"] = "2026-03-02T09:30:00Z"
    post(connection, as_json(first), github_headers(secret, as_json(first), "deployment_status", "d-2"))
    second = payload("github_deployment_status")
    post(connection, second, github_headers(secret, second, "deployment_status", "d-3"))
    assert [c.sha for c in Deployment.objects.get(key="gh-octo/shop-41").commits.all()] == ["a" * 40]
    assert [c.sha for c in Deployment.objects.get(key="gh-octo/shop-42").commits.all()] == ["b" * 40]


@pytest.mark.parametrize(
    ("state", "result"), [("success", "success"), ("failure", "failure"), ("error", "failure")]
)
def test_github_deployment_states(github, post, state, result):
    connection, secret = github
    data = json.loads(payload("github_deployment_status"))
    data["deployment_status"]["state"] = state
    post(connection, as_json(data), github_headers(secret, as_json(data), "deployment_status", "d"))
    assert Deployment.objects.get().result == result


def test_github_pending_status_is_ignored_with_reason(github, post):
    connection, secret = github
    data = json.loads(payload("github_deployment_status"))
    data["deployment_status"]["state"] = "in_progress"
    post(connection, as_json(data), github_headers(secret, as_json(data), "deployment_status", "d"))
    assert not Deployment.objects.exists()
    assert Delivery.objects.get().reason == "action_not_used"


def test_redelivery_changes_nothing(github, post):
    connection, secret = github
    body = payload("github_deployment_status")
    headers = github_headers(secret, body, "deployment_status", "same-guid")
    post(connection, body, headers)
    response = post(connection, body, headers)
    assert response.status_code == 202
    assert response.json()["duplicate"] is True
    assert Deployment.objects.count() == 1
    assert Delivery.objects.count() == 1
    # The same deployment sent again under another delivery id is still one deployment.
    post(connection, body, github_headers(secret, body, "deployment_status", "other-guid"))
    assert Deployment.objects.count() == 1
    assert Deployment.objects.get().commits.count() == 1


def test_unmapped_repository_is_listed_not_dropped(org, post):
    connection, secret = services.connection_create(org=org, provider="github", name="GH")
    body = payload("github_deployment_status")
    post(connection, body, github_headers(secret, body, "deployment_status", "d"))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.reason, delivery.detail) == ("ignored", "unmapped_source", "octo/shop")
    other = TeamFactory(org=org)
    services.connection_map(
        connection=connection, team=None, sources={"octo/shop": other.slug}, environments={}
    )
    with_body = Delivery.objects.get()
    services.delivery_retry(delivery=with_body)
    services.delivery_process(delivery_pk=with_body.pk)
    assert Deployment.objects.get().team == other


def test_environment_mapping_of_the_connection(github, post):
    connection, secret = github
    services.connection_map(
        connection=connection, team=connection.team, sources={}, environments={"prod": "staging"}
    )
    body = payload("github_deployment_status")
    post(connection, body, github_headers(secret, body, "deployment_status", "d"))
    assert Deployment.objects.get().environment == "staging"


def test_github_ping_and_unused_event(github, post):
    connection, secret = github
    ping = payload("github_ping")
    assert post(connection, ping, github_headers(secret, ping, "ping", "p")).status_code == 202
    response = post(connection, ping, github_headers(secret, ping, "issues", "i"))
    assert response.status_code == 202
    assert response.json()["status"] == "ignored"
    assert Delivery.objects.get(delivery_id="i").reason == "event_not_used"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"HTTP_X_GITHUB_EVENT": "push", "HTTP_X_GITHUB_DELIVERY": "x"}, "missing_signature"),
        (
            {
                "HTTP_X_GITHUB_EVENT": "push",
                "HTTP_X_GITHUB_DELIVERY": "x",
                "HTTP_X_HUB_SIGNATURE_256": "sha256=00",
            },
            "bad_signature",
        ),
    ],
)
def test_bad_signature_is_refused_and_logged_without_body(github, post, headers, reason):
    connection, _secret = github
    response = post(connection, payload("github_push"), headers)
    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.reason, bytes(delivery.body)) == ("refused", reason, b"")


def test_signature_of_another_secret_is_refused(github, post):
    connection, _secret = github
    body = payload("github_push")
    assert post(connection, body, github_headers("not-the-secret", body, "push", "x")).status_code == 401


def test_malformed_json_is_400(github, post):
    connection, secret = github
    body = b"{not json"
    assert post(connection, body, github_headers(secret, body, "push", "x")).status_code == 400
    assert not Delivery.objects.exists()


def test_paused_or_unknown_connection_is_404(github, post, client):
    connection, secret = github
    services.connection_pause(connection=connection, paused=True)
    body = payload("github_push")
    assert post(connection, body, github_headers(secret, body, "push", "x")).status_code == 404
    assert (
        client.post(f"/hooks/github/{uuid.uuid4()}/", body, content_type="application/json").status_code
        == 404
    )
    # The right id under another provider's path is unknown too.
    services.connection_pause(connection=connection, paused=False)
    assert (
        client.post(f"/hooks/pagerduty/{connection.pk}/", body, content_type="application/json").status_code
        == 404
    )


def test_body_over_5_mb_is_413(github, post):
    connection, secret = github
    body = b" " * (5 * 1024 * 1024 + 1)
    assert post(connection, body, github_headers(secret, body, "push", "x")).status_code == 413


def test_pagerduty_trigger_resolve_reopen(pagerduty, post, org, team):
    connection, secret = pagerduty
    triggered = payload("pagerduty_incident_triggered")
    assert post(connection, triggered, pagerduty_headers(secret, triggered)).status_code == 202
    incident = Incident.objects.get(org=org, key="pd-PGR0VU2")
    assert (incident.team, incident.title, incident.started_at) == (
        team,
        "Checkout returns 500",
        datetime(2026, 3, 2, 12, tzinfo=UTC),
    )
    resolved = payload("pagerduty_incident_resolved")
    post(connection, resolved, pagerduty_headers(secret, resolved, extra="v1=deadbeef,"))
    incident.refresh_from_db()
    assert incident.resolved_at == datetime(2026, 3, 2, 13, 15, tzinfo=UTC)
    reopened = payload("pagerduty_incident_reopened")
    post(connection, reopened, pagerduty_headers(secret, reopened))
    incident.refresh_from_db()
    assert incident.resolved_at is None
    # A redelivery of the trigger (same event id) and a second trigger change nothing.
    post(connection, triggered, pagerduty_headers(secret, triggered))
    assert Incident.objects.count() == 1
    assert Delivery.objects.count() == 3


def test_pagerduty_service_mapping_and_unused_event(org, post):
    other = TeamFactory(org=org)
    connection, secret = services.connection_create(
        org=org, provider="pagerduty", name="PD", sources={"PF9KMXH": other.slug}
    )
    triggered = payload("pagerduty_incident_triggered")
    post(connection, triggered, pagerduty_headers(secret, triggered))
    assert Incident.objects.get().team == other
    acknowledged = payload("pagerduty_incident_acknowledged")
    response = post(connection, acknowledged, pagerduty_headers(secret, acknowledged))
    assert response.json()["status"] == "ignored"


def test_pagerduty_bad_signature(pagerduty, post):
    connection, _secret = pagerduty
    body = payload("pagerduty_incident_triggered")
    response = post(connection, body, {"HTTP_X_PAGERDUTY_SIGNATURE": "v1=abc,v1=def"})
    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_delivery_waits_when_the_broker_is_down(
    github, client, broker_down, django_capture_on_commit_callbacks
):
    connection, secret = github
    body = payload("github_deployment_status")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/github/{connection.pk}/",
            body,
            content_type="application/json",
            **github_headers(secret, body, "deployment_status", "d"),
        )
    assert response.status_code == 202
    assert Delivery.objects.get().status == "pending"
    assert not Deployment.objects.exists()
    assert services.deliveries_process_pending() == 1
    assert Deployment.objects.count() == 1


@pytest.mark.parametrize("text", ["nul\\u0000here", "lone \\ud800 surrogate"])
def test_unstorable_text_is_400(pagerduty, post, text):
    connection, secret = pagerduty
    body = payload("pagerduty_incident_triggered").replace(b"Checkout returns 500", text.encode())
    response = post(connection, body, pagerduty_headers(secret, body))
    assert response.status_code == 400
    assert not Delivery.objects.exists()


def test_a_value_our_tables_refuse_marks_the_delivery_and_others_still_map(github, post):
    connection, secret = github
    data = json.loads(payload("github_deployment_status"))
    data["deployment"]["sha"] = "x" * 100
    raw = as_json(data)
    post(connection, raw, github_headers(secret, raw, "deployment_status", "bad"))
    good = payload("github_deployment_status")
    post(connection, good, github_headers(secret, good, "deployment_status", "good"))
    assert Delivery.objects.get(delivery_id="bad").status == "ignored"
    assert Delivery.objects.get(delivery_id="good").status == "recorded"
    assert Deployment.objects.count() == 1


@pytest.mark.parametrize("path", ["/hooks/github/not-a-uuid/", "/hooks/github/", "/hooks/"])
def test_malformed_hook_paths_answer_json_404(client, path):
    response = client.post(path, b"{}", content_type="application/json")
    assert response.status_code == 404
    assert "error" in response.json()


def test_get_on_a_hook_is_405(github, client):
    connection, _secret = github
    response = client.get(f"/hooks/github/{connection.pk}/")
    assert (response.status_code, response["Allow"]) == (405, "POST")
