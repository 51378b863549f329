from __future__ import annotations

import copy
from typing import Any

import pytest

from delivery.models import Deployment, PullRequest
from tests.collab.test_workspace_export import example_document
from workspace.exporter import export_workspace
from workspace.importer import WorkspaceImportError, check_workspace, import_workspace
from workspace.roundtrip import differences, normalise
from workspace.validation import validate_workspace

pytestmark = pytest.mark.django_db

SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"


def with_pull_requests() -> dict[str, Any]:
    doc = example_document()
    doc["organisation"]["slug"] = "pull-requests"
    team = doc["teams"][0]["slug"]
    doc["deployments"].append(
        {
            "key": "PR-DEPLOY-1",
            "team": team,
            "environment": "production",
            "result": "success",
            "finished_at": "2026-04-09T16:00:00+00:00",
            "commits": [{"sha": SHA, "authored_at": "2026-04-09T08:00:00+00:00"}],
            "features": [],
        }
    )
    doc["pull_requests"] = [
        {
            "team": team,
            "repository": "acme/shop",
            "number": 7,
            "title": "One-click checkout",
            "url": "https://github.com/acme/shop/pull/7",
            "opened_at": "2026-04-07T10:00:00+00:00",
            "merged_at": "2026-04-09T09:00:00+00:00",
            "first_commit_at": "2026-04-06T17:30:00+00:00",
            "merge_commit_sha": SHA,
            "deployment": "PR-DEPLOY-1",
        },
        {
            "team": team,
            "repository": "acme/shop",
            "number": 8,
            "opened_at": "2026-04-08T10:00:00+00:00",
            "merged_at": "2026-04-10T09:00:00+00:00",
        },
    ]
    return doc


def test_pull_requests_round_trip() -> None:
    doc = with_pull_requests()
    assert validate_workspace(doc) == []
    org = import_workspace(copy.deepcopy(doc))
    first, second = PullRequest.objects.filter(org=org).order_by("number")
    assert first.deployment == Deployment.objects.get(org=org, key="PR-DEPLOY-1")
    assert (second.deployment, second.first_commit_at, second.title) == (None, None, "")
    exported = export_workspace(org)
    assert differences(doc, exported) == []
    assert normalise(exported)["pull_requests"] == normalise(doc)["pull_requests"]
    assert validate_workspace(exported) == []


def test_a_workspace_without_pull_requests_exports_none() -> None:
    doc = example_document()
    doc.pop("pull_requests", None)
    assert "pull_requests" not in export_workspace(import_workspace(doc))


def test_duplicate_pull_request_and_unknown_references_are_refused() -> None:
    doc = with_pull_requests()
    doc["pull_requests"][1]["number"] = 7
    doc["pull_requests"][0]["deployment"] = "NOPE"
    doc["pull_requests"][0]["team"] = "ghost-team"
    paths = {error.path for error in validate_workspace(doc)}
    assert {"pull_requests[1].number", "pull_requests[0].deployment", "pull_requests[0].team"} <= paths
    with pytest.raises(WorkspaceImportError):
        import_workspace(doc)
    assert not PullRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", 0),
        ("number", 2**31),
        ("repository", "r" * 201),
        ("merge_commit_sha", "not-a-sha"),
        ("url", "javascript:alert(1)"),
        ("merged_at", "2026-04-01T00:00:00+00:00"),
    ],
)
def test_bad_pull_request_fields_are_refused(field: str, value: Any) -> None:
    doc = with_pull_requests()
    doc["pull_requests"][0][field] = value
    errors = check_workspace(doc)
    assert any(error.path == f"pull_requests[0].{field}" for error in errors), errors
