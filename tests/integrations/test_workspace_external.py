from __future__ import annotations

import copy
from typing import Any

import pytest

from collab.models import Feature
from tests.collab.test_workspace_export import example_document
from workspace.exporter import export_workspace
from workspace.importer import WorkspaceImportError, check_workspace, import_workspace
from workspace.roundtrip import differences
from workspace.validation import validate_workspace

pytestmark = pytest.mark.django_db


def with_external() -> dict[str, Any]:
    doc = example_document()
    doc["organisation"]["slug"] = "tracked"
    doc["features"][0]["external"] = {
        "provider": "jira",
        "key": "ENG-42",
        "url": "https://acme.atlassian.net/browse/ENG-42",
    }
    doc["features"][1]["external"] = {"provider": "linear", "key": "APP-7"}
    return doc


def test_the_tracker_link_of_a_feature_round_trips() -> None:
    doc = with_external()
    assert validate_workspace(doc) == []
    org = import_workspace(copy.deepcopy(doc))
    feature = Feature.objects.get(org=org, key=doc["features"][0]["key"])
    assert (feature.external_provider, feature.external_key, feature.external_url) == (
        "jira",
        "ENG-42",
        "https://acme.atlassian.net/browse/ENG-42",
    )
    exported = export_workspace(org)
    assert differences(doc, exported) == []
    assert exported["features"][0]["external"] == doc["features"][0]["external"]
    assert exported["features"][1]["external"] == {"provider": "linear", "key": "APP-7"}
    assert "external" not in exported["features"][2]
    assert validate_workspace(exported) == []


def test_two_features_mirroring_one_issue_are_refused() -> None:
    doc = with_external()
    doc["features"][1]["external"] = {"provider": "jira", "key": "ENG-42"}
    assert any(error.path == "features[1].external.key" for error in validate_workspace(doc))
    with pytest.raises(WorkspaceImportError):
        import_workspace(doc)
    assert not Feature.objects.filter(external_key="ENG-42").exists()


@pytest.mark.parametrize(
    ("external", "path"),
    [
        ({"provider": "trello", "key": "X-1"}, "features[0].external.provider"),
        ({"provider": "jira", "key": ""}, "features[0].external.key"),
        ({"provider": "jira", "key": "K" * 65}, "features[0].external.key"),
        ({"provider": "jira", "key": "ENG-1", "url": "javascript:alert(1)"}, "features[0].external.url"),
        ({"provider": "jira", "key": "ENG-1", "extra": 1}, "features[0].external"),
        ({"key": "ENG-1"}, "features[0].external"),
    ],
)
def test_bad_external_fields_are_refused(external: dict[str, Any], path: str) -> None:
    doc = with_external()
    doc["features"][0]["external"] = external
    errors = check_workspace(doc)
    assert any(error.path.startswith(path) for error in errors), errors
