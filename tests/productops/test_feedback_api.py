from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from delivery.api import openapi_feedback
from delivery.api.openapi import openapi_document
from delivery.api.services import token_create
from productops.models import FeedbackItem
from tests.factories import OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/feedback/"


@pytest.fixture
def token(org):
    return token_create(org=org, name="zendesk", by=None)[1]


def post(client, token, body, **headers):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def test_post_logs_untriaged_feedback_for_the_tokens_organisation(client, token, team, org):
    response = post(
        client,
        token,
        {
            "text": "Exports are slow.\nReally.",
            "source": "support",
            "account": "Acme",
            "date": "2026-03-02",
            "team": team.slug,
        },
    )
    assert response.status_code == 201, response.content
    item = FeedbackItem.objects.get(org=org)
    assert (item.text, item.via, item.team, item.logged_by, item.status) == (
        "Exports are slow.\nReally.",
        "api",
        team,
        None,
        "untriaged",
    )
    assert response.json()["id"] == item.pk
    assert response.json()["team"] == team.slug


def test_idempotency_key_replays_and_refuses_another_body(client, token, org):
    body = {"text": "SSO please", "source": "sales"}
    first = post(client, token, body, **{"Idempotency-Key": "zd-1"})
    again = post(client, token, body, **{"Idempotency-Key": "zd-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert post(client, token, {**body, "text": "Other"}, **{"Idempotency-Key": "zd-1"}).status_code == 409
    assert FeedbackItem.objects.filter(org=org).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "support"}, "text"),
        ({"text": "   ", "source": "support"}, "text"),
        ({"text": "a\x00b", "source": "support"}, "text"),
        ({"text": "\ud800", "source": "support"}, "text"),
        ({"text": "ok", "source": "phone"}, "source"),
        ({"text": "ok", "source": "support", "date": "2026-02-30"}, "date"),
        ({"text": "ok", "source": "support", "date": "99999-01-01"}, "date"),
        ({"text": "ok", "source": "support", "team": "nope"}, "team"),
        ({"text": "ok", "source": "support", "account": "x" * 201}, "account"),
        ({"text": "ok", "source": "support", "colour": "red"}, "colour"),
        ({"text": 12, "source": "support"}, "text"),
    ],
)
def test_bad_bodies_are_400_with_the_reason(client, token, body, field):
    response = post(client, token, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["details"]
    assert not FeedbackItem.objects.exists()


def test_auth_and_content_errors(client, token):
    assert post(client, None, {"text": "x", "source": "other"}).status_code == 401
    assert post(client, "rit_nope", {"text": "x", "source": "other"}).status_code == 401
    assert post(client, token, "[1, 2]").status_code == 400
    assert post(client, token, "{nope").status_code == 400
    assert client.put(URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_get_lists_only_the_tokens_organisation(client, token, org, team):
    post(client, token, {"text": "Mine", "source": "survey", "team": team.slug})
    other = OrganisationFactory()
    other_token = token_create(org=other, name="x", by=None)[1]
    post(client, other_token, {"text": "Theirs", "source": "survey"})
    response = client.get(URL + "?source=survey", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Mine"]
    assert client.get(URL + "?status=bogus", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 400
    assert (
        client.get(URL + "?team=" + TeamFactory().slug, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 400
    )


def test_the_openapi_document_describes_feedback_and_stays_valid(client):
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert set(document["paths"]["/api/v1/feedback"]) == {"get", "post"}
    assert document["components"]["schemas"]["FeedbackInput"]["required"] == ["text", "source"]
    assert list(openapi_feedback.SOURCES) == FeedbackItem.Source.values
    assert list(openapi_feedback.STATUSES) == FeedbackItem.Status.values
    validate(openapi_document())
