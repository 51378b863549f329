from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.models import Incident
from integrations import backfill
from integrations.models import Delivery
from tests.integrations.conftest import pagerduty_headers, payload

pytestmark = pytest.mark.django_db

INCIDENTS = "https://api.pagerduty.com/incidents"


def incident(
    id_: str, *, status: str = "triggered", service: str = "PSVC1", **extra: object
) -> dict[str, object]:
    """An incident as GET /incidents lists it (PagerDuty REST API v2)."""
    return {
        "id": id_,
        "type": "incident",
        "summary": f"[#{id_}] Checkout down",
        "title": "Checkout down",
        "status": status,
        "created_at": "2026-03-02T10:00:00Z",
        "last_status_change_at": "2026-03-02T11:00:00Z",
        "service": {"id": service, "type": "service_reference", "summary": "Checkout"},
        **extra,
    }


def page(incidents: list[dict[str, object]], offset: int, more: bool) -> httpx.Response:
    body = {"incidents": incidents, "limit": 100, "offset": offset, "more": more, "total": None}
    return httpx.Response(200, json=body)


def run(connection_id: object, *args: str) -> dict[str, int]:
    out = StringIO()
    call_command("connectors", "backfill", str(connection_id), *args, stdout=out)
    return json.loads(out.getvalue())


@respx.mock
def test_pagerduty_backfill_pages_through_90_days_of_incidents(pagerduty, org, team, monkeypatch):
    connection, _secret = pagerduty
    monkeypatch.setenv("PAGERDUTY_TOKEN", "read-key")
    route = respx.get(INCIDENTS).mock(
        side_effect=[
            page([incident("P1", status="resolved", resolved_at="2026-03-02T10:45:00Z")], 0, True),
            page([incident("P2", status="acknowledged")], 100, False),
        ]
    )
    assert run(connection.pk, "--days", "90") == {"incidents": 2, "skipped": 0}
    first, second = (parse_qs(urlsplit(str(call.request.url)).query) for call in route.calls)
    assert (first["offset"], second["offset"], first["limit"]) == (["0"], ["100"], ["100"])
    since, until = datetime.fromisoformat(first["since"][0]), datetime.fromisoformat(first["until"][0])
    assert (until - since).days == 90
    assert route.calls[0].request.headers["Authorization"] == "Token token=read-key"
    resolved, open_ = Incident.objects.filter(org=org).order_by("key")
    assert (resolved.key, resolved.team, resolved.title, resolved.source) == (
        "pd-P1",
        team,
        "Checkout down",
        "pagerduty",
    )
    assert (resolved.started_at, resolved.resolved_at) == (
        datetime(2026, 3, 2, 10, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 45, tzinfo=UTC),
    )
    assert (open_.key, open_.resolved_at) == ("pd-P2", None)


@respx.mock
def test_pagerduty_backfill_then_webhook_changes_nothing(pagerduty, org, post):
    connection, secret = pagerduty
    triggered = json.loads(payload("pagerduty_incident_triggered"))
    data = triggered["event"]["data"]
    respx.get(INCIDENTS).mock(
        return_value=page(
            [incident(data["id"], service=data["service"]["id"], created_at=data["created_at"])], 0, False
        )
    )
    assert run(connection.pk, "--token", "read-key") == {"incidents": 1, "skipped": 0}
    body = payload("pagerduty_incident_triggered")
    assert post(connection, body, pagerduty_headers(secret, body)).status_code == 202
    assert Delivery.objects.get().status == "recorded"
    assert Incident.objects.filter(org=org).count() == 1


@respx.mock
def test_pagerduty_backfill_skips_unmapped_and_malformed_incidents(org, monkeypatch):
    from integrations import services

    connection, _secret = services.connection_create(org=org, provider="pagerduty", name="PD")
    respx.get(INCIDENTS).mock(return_value=page([incident("P1"), {"id": "P2"}], 0, False))
    assert backfill.pagerduty_backfill(connection=connection, token="k", days=30) == {
        "incidents": 0,
        "skipped": 2,
    }
    assert not Incident.objects.exists()


@respx.mock
def test_pagerduty_backfill_reports_a_refused_token(pagerduty, monkeypatch):
    connection, _secret = pagerduty
    monkeypatch.setenv("PAGERDUTY_TOKEN", "bad")
    respx.get(INCIDENTS).mock(return_value=httpx.Response(401, json={"error": {"message": "Unauthorized"}}))
    with pytest.raises(CommandError, match="401"):
        run(connection.pk)
    assert not Incident.objects.exists()


def test_pagerduty_backfill_needs_a_token_and_a_sane_range(pagerduty, monkeypatch):
    connection, _secret = pagerduty
    monkeypatch.delenv("PAGERDUTY_TOKEN", raising=False)
    with pytest.raises(CommandError, match="PAGERDUTY_TOKEN"):
        run(connection.pk)
    with pytest.raises(CommandError, match="--days"):
        run(connection.pk, "--token", "k", "--days", "400")
