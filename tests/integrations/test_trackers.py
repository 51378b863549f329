from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from collab.audit import Action
from collab.models import AuditEvent, Feature
from integrations import services
from integrations.models import Delivery
from tests.factories import FeatureFactory, TeamFactory
from tests.integrations.conftest import payload

pytestmark = pytest.mark.django_db


def jira_headers(secret: str, body: bytes, delivery: str = "") -> dict[str, str]:
    headers = {
        "HTTP_X_HUB_SIGNATURE": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    }
    if delivery:
        headers["HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER"] = delivery
    return headers


def linear_body(name: str, **data: Any) -> bytes:
    doc = json.loads(payload(name))
    doc["webhookTimestamp"] = int(time.time() * 1000)
    doc["data"].update(data)
    return json.dumps(doc).encode()


def linear_headers(secret: str, body: bytes, delivery: str = "") -> dict[str, str]:
    headers = {
        "HTTP_LINEAR_SIGNATURE": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "HTTP_LINEAR_EVENT": "Issue",
    }
    if delivery:
        headers["HTTP_LINEAR_DELIVERY"] = delivery
    return headers


@pytest.fixture
def jira(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(
        org=org,
        provider="jira",
        name="Jira",
        team=team,
        tracker={"statuses": {"To Do": "idea", "In Progress": "in_progress", "Done": "delivered"}},
    )


@pytest.fixture
def linear(org: Any, team: Any) -> tuple[Any, str]:
    return services.connection_create(org=org, provider="linear", name="Linear", team=team)


def test_a_jira_issue_becomes_one_feature_kept_in_step(jira: Any, post: Any, team: Any) -> None:
    connection, secret = jira
    FeatureFactory(org=team.org, team=team, key="PAY-7")
    body = payload("jira_issue_created")
    assert post(connection, body, jira_headers(secret, body, "d-1")).status_code == 202
    feature = Feature.objects.get(external_provider="jira", external_key="ENG-42")
    assert feature.key == "PAY-8"  # ours, team-prefixed: not the tracker's
    assert (feature.team, feature.status, feature.effort_points) == (team, "idea", 5.0)
    assert feature.external_url == "https://acme.atlassian.net/browse/ENG-42"
    assert feature.description == "Les clients fidèles paient sans ressaisir leur carte."

    body = payload("jira_issue_updated")
    assert post(connection, body, jira_headers(secret, body, "d-2")).status_code == 202
    assert Feature.objects.filter(external_key="ENG-42").count() == 1
    feature.refresh_from_db()
    assert (feature.title, feature.status, feature.effort_points) == (
        "Paiement en un clic (clients fidèles)",
        "in_progress",
        8.0,
    )


def test_a_deleted_jira_issue_drops_its_feature_and_keeps_it(jira: Any, post: Any) -> None:
    connection, secret = jira
    for name in ("jira_issue_created", "jira_issue_deleted"):
        body = payload(name)
        post(connection, body, jira_headers(secret, body))
    feature = Feature.objects.get(external_key="ENG-42")
    assert feature.status == "dropped"
    event = AuditEvent.objects.get(action=Action.FEATURE_DROPPED, target=feature.key)
    assert (event.details["tracker"], event.details["issue"]) == ("jira", "ENG-42")


def test_a_deleted_issue_without_feature_is_ignored_with_its_reason(jira: Any, post: Any) -> None:
    connection, secret = jira
    body = payload("jira_issue_deleted")
    post(connection, body, jira_headers(secret, body))
    delivery = Delivery.objects.get(connection=connection)
    assert (delivery.status, delivery.reason, delivery.detail) == ("ignored", "unknown_issue", "ENG-42")


def test_an_unmapped_status_follows_its_category_and_is_listed(org: Any, team: Any, post: Any) -> None:
    connection, secret = services.connection_create(org=org, provider="jira", name="J", team=team)
    body = payload("jira_issue_updated")
    post(connection, body, jira_headers(secret, body))
    assert Feature.objects.get(external_key="ENG-42").status == "in_progress"
    delivery = Delivery.objects.get(connection=connection)
    assert (delivery.status, delivery.reason, delivery.detail) == (
        "recorded",
        "unmapped_status",
        "In Progress",
    )
    from integrations import selectors

    assert selectors.unmapped_statuses(connection=connection) == ["In Progress"]


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        ({}, "product"),
        ({"kinds": {"story": "platform"}}, "platform"),
        ({"kinds": {"checkout": "tech_debt"}}, "tech_debt"),
    ],
)
def test_the_kind_follows_the_issue_type_or_a_label(
    org: Any, team: Any, post: Any, settings: Any, kind: str
) -> None:
    connection, secret = services.connection_create(
        org=org, provider="jira", name="J", team=team, tracker=settings
    )
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body))
    assert Feature.objects.get(external_key="ENG-42").kind == kind


def test_only_issues_with_the_chosen_label_become_features(org: Any, team: Any, post: Any) -> None:
    connection, secret = services.connection_create(
        org=org, provider="jira", name="J", team=team, tracker={"only": "roadmap"}
    )
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body))
    assert not Feature.objects.exists()
    assert Delivery.objects.get(connection=connection).reason == "not_selected"
    connection.mappings["tracker"]["only"] = "Checkout"
    connection.save(update_fields=["mappings"])
    post(connection, body, jira_headers(secret, body))
    assert Feature.objects.filter(external_key="ENG-42").exists()


def test_a_project_mapped_to_another_team_feeds_it(org: Any, team: Any, post: Any) -> None:
    other = TeamFactory(org=org, slug="payments")
    connection, secret = services.connection_create(
        org=org, provider="jira", name="J", team=team, sources={"ENG": "payments"}
    )
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body))
    assert Feature.objects.get(external_key="ENG-42").team == other


def test_an_unmapped_project_is_listed_not_dropped(org: Any, post: Any) -> None:
    connection, secret = services.connection_create(org=org, provider="jira", name="J")
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body))
    delivery = Delivery.objects.get(connection=connection)
    assert (delivery.reason, delivery.detail) == ("unmapped_source", "ENG")


def test_a_linear_issue_created_updated_removed(linear: Any, post: Any, team: Any) -> None:
    connection, secret = linear
    body = linear_body("linear_issue_create")
    assert post(connection, body, linear_headers(secret, body, "l-1")).status_code == 202
    feature = Feature.objects.get(external_provider="linear", external_key="APP-7")
    assert (feature.status, feature.effort_points, feature.team) == ("idea", 3.0, team)
    assert feature.external_url == "https://linear.app/acme/issue/APP-7/export-des-factures-en-csv"

    body = linear_body("linear_issue_update")
    post(connection, body, linear_headers(secret, body, "l-2"))
    feature.refresh_from_db()
    assert (feature.title, feature.status, feature.effort_points) == (
        "Export des factures en CSV et Excel",
        "delivered",
        5.0,
    )
    assert feature.delivered_at is not None
    assert feature.delivered_at.isoformat().startswith("2026-12-07T15:30")

    body = linear_body("linear_issue_remove")
    post(connection, body, linear_headers(secret, body, "l-3"))
    feature.refresh_from_db()
    assert feature.status == "dropped"
    assert Feature.objects.count() == 1


def test_an_aligned_feature_stays_aligned_while_the_tracker_says_todo(jira: Any, post: Any) -> None:
    connection, secret = jira
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body, "a"))
    Feature.objects.filter(external_key="ENG-42").update(status="aligned")
    post(connection, body, jira_headers(secret, body, "b"))
    assert Feature.objects.get(external_key="ENG-42").status == "aligned"


# --- Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "error"),
    [({}, "signature missing"), ({"HTTP_X_HUB_SIGNATURE": "sha256=" + "0" * 64}, "signature does not match")],
)
def test_jira_refuses_a_missing_or_bad_signature(jira: Any, post: Any, headers: Any, error: str) -> None:
    connection, _secret = jira
    response = post(connection, payload("jira_issue_created"), headers)
    assert (response.status_code, response.json()["error"]) == (401, error)
    assert not Feature.objects.exists()
    assert Delivery.objects.get().status == "refused"


def test_jira_refuses_a_body_signed_with_another_secret(jira: Any, post: Any) -> None:
    connection, _secret = jira
    body = payload("jira_issue_created")
    assert post(connection, body, jira_headers("another-secret-entirely", body)).status_code == 401


def test_malformed_json_is_a_400(jira: Any, post: Any) -> None:
    connection, secret = jira
    body = b'{"webhookEvent": "jira:issue_created", '
    assert post(connection, body, jira_headers(secret, body)).status_code == 400


def test_an_event_not_used_is_a_202_ignored(jira: Any, post: Any) -> None:
    connection, secret = jira
    body = payload("jira_comment_created")
    response = post(connection, body, jira_headers(secret, body))
    assert (response.status_code, response.json()["status"]) == (202, "ignored")
    assert Delivery.objects.get().reason == "event_not_used"


def test_a_paused_or_unknown_connection_is_a_404(jira: Any, post: Any) -> None:
    connection, secret = jira
    services.connection_pause(connection=connection, paused=True)
    body = payload("jira_issue_created")
    assert post(connection, body, jira_headers(secret, body)).status_code == 404
    connection.provider = "linear"  # the same id under another provider is no connection
    assert post(connection, body, jira_headers(secret, body)).status_code == 404


def test_linear_refuses_a_bad_signature_and_a_stale_timestamp(linear: Any, post: Any) -> None:
    connection, secret = linear
    body = linear_body("linear_issue_create")
    assert post(connection, body, {"HTTP_LINEAR_SIGNATURE": "ab" * 32}).status_code == 401
    assert post(connection, body, {}).status_code == 401
    stale = payload("linear_issue_create")  # webhookTimestamp of the fixture: long ago
    response = post(connection, stale, linear_headers(secret, stale))
    assert (response.status_code, response.json()["error"]) == (401, "webhookTimestamp is not recent")
    assert not Feature.objects.exists()
    assert list(Delivery.objects.values_list("reason", flat=True).order_by("id")) == [
        "bad_signature",
        "missing_signature",
        "stale_timestamp",
    ]


def test_a_redelivery_changes_nothing(linear: Any, post: Any) -> None:
    connection, secret = linear
    body = linear_body("linear_issue_create")
    post(connection, body, linear_headers(secret, body, "same"))
    response = post(connection, body, linear_headers(secret, body, "same"))
    assert response.json().get("duplicate") is True
    assert Feature.objects.count() == 1


def test_an_issue_without_estimate_keeps_the_effort_given_here(jira: Any, post: Any) -> None:
    connection, secret = jira
    body = payload("jira_issue_created")
    post(connection, body, jira_headers(secret, body, "e1"))
    doc = json.loads(payload("jira_issue_updated"))
    del doc["issue"]["fields"]["customfield_10016"]
    body = json.dumps(doc).encode()
    post(connection, body, jira_headers(secret, body, "e2"))
    feature = Feature.objects.get(external_key="ENG-42")
    assert (feature.effort_points, feature.status) == (5.0, "in_progress")
