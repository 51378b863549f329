from __future__ import annotations

import json
from io import StringIO

import httpx
import pytest
import respx
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.models import Deployment

pytestmark = pytest.mark.django_db

REPO = "https://api.github.com/repos/octo/shop"


def deployment(id_: int, sha: str, created: str) -> dict[str, object]:
    return {"id": id_, "sha": sha, "ref": "main", "environment": "production", "created_at": created}


def status(state: str, at: str) -> dict[str, object]:
    return {"id": 1, "state": state, "environment": "production", "created_at": at, "updated_at": at}


def commit(sha: str, at: str, message: str) -> dict[str, object]:
    return {"sha": sha, "commit": {"message": message, "committer": {"date": at}}}


@respx.mock
def test_backfill_records_past_deployments_with_their_commits(github, org, monkeypatch):
    connection, _secret = github
    monkeypatch.setenv("GITHUB_TOKEN", "read-token")
    a, b = "a" * 40, "b" * 40
    route = respx.get(f"{REPO}/deployments").mock(
        return_value=httpx.Response(
            200, json=[deployment(2, b, "2026-03-03T10:00:00Z"), deployment(1, a, "2026-03-02T10:00:00Z")]
        )
    )
    respx.get(f"{REPO}/deployments/1/statuses").mock(
        return_value=httpx.Response(200, json=[status("success", "2026-03-02T10:05:00Z")])
    )
    respx.get(f"{REPO}/deployments/2/statuses").mock(
        return_value=httpx.Response(200, json=[status("in_progress", "2026-03-03T10:01:00Z")])
    )
    respx.get(f"{REPO}/commits").mock(
        return_value=httpx.Response(200, json=[commit(a, "2026-03-02T09:00:00Z", "first")])
    )
    out = StringIO()
    call_command("connectors", "backfill", str(connection.pk), "octo/shop", stdout=out)
    assert json.loads(out.getvalue()) == {"deployments": 1, "skipped": 1}
    assert route.calls[0].request.headers["Authorization"] == "Bearer read-token"
    recorded = Deployment.objects.get(org=org)
    assert (recorded.key, recorded.result) == ("gh-octo/shop-1", "success")
    assert [c.sha for c in recorded.commits.all()] == [a]


@respx.mock
def test_backfill_reports_a_refused_token(github, monkeypatch):
    connection, _secret = github
    monkeypatch.setenv("GITHUB_TOKEN", "bad")
    respx.get(f"{REPO}/deployments").mock(
        return_value=httpx.Response(401, json={"message": "Bad credentials"})
    )
    with pytest.raises(CommandError, match="401"):
        call_command("connectors", "backfill", str(connection.pk), "octo/shop", stdout=StringIO())
    assert not Deployment.objects.exists()


def test_backfill_needs_a_token(github, monkeypatch):
    connection, _secret = github
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(CommandError, match="GITHUB_TOKEN"):
        call_command("connectors", "backfill", str(connection.pk), "octo/shop", stdout=StringIO())
