from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from delivery.api import services
from delivery.api.csv_format import EXAMPLES, CsvError, csv_parse
from delivery.models import Commit, Deployment, Incident
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

DEPLOY_HEADER = "key,team,environment,result,finished_at,commit_shas,commit_authored_at,features\n"
INCIDENT_HEADER = "key,team,title,started_at,resolved_at,deployment\n"


@pytest.fixture
def checkout(org: Any) -> Any:
    team = TeamFactory(org=org, slug="checkout")
    FeatureFactory(team=team, key="F-12")
    FeatureFactory(team=team, key="F-13")
    TeamFactory(org=org, slug="search")
    return team


def upload(client: Any, kind: str, content: str | bytes, name: str = "data.csv") -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("delivery:csv_import"), {"kind": kind, "file": SimpleUploadedFile(name, data, "text/csv")}
    )


def test_example_files_import(client_for: Any, ops: Any, checkout: Any) -> None:
    client = client_for(ops)
    response = upload(client, "deployments", EXAMPLES["deployments"])
    assert response.status_code == 302
    assert Deployment.objects.filter(org=ops.org, source="csv").count() == 3
    d1001 = Deployment.objects.get(key="D-1001")
    assert d1001.finished_at == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
    assert sorted(c.sha for c in d1001.commits.all()) == ["3a1b2c4d", "9fceb02"]
    assert sorted(f.key for f in d1001.features.all()) == ["F-12", "F-13"]
    assert Deployment.objects.filter(key__startswith="D-", team__slug="search").exists()

    response = upload(client, "incidents", EXAMPLES["incidents"])
    assert response.status_code == 302
    assert Incident.objects.get(key="INC-7").deployment == d1001
    assert Incident.objects.get(key="INC-8").resolved_at is None
    assert "Imported 2 incidents" in client.get(reverse("delivery:csv_import")).content.decode()


def test_every_error_has_its_line_and_column_and_nothing_loads(checkout: Any, org: Any) -> None:
    content = (
        DEPLOY_HEADER
        + "D-1,checkout,production,success,2026-03-02T14:05:00+01:00,abcdef1,2026-03-01T10:00:00Z,F-12\n"  # line 2 ok
        + "D-2,ghosts,prod,success,2026-03-02T14:05:00,,,\n"  # line 3
        + "D-3,checkout,production,success,2026-03-02T14:05:00Z,abcdef1 xyz,2026-03-01T10:00:00Z,F-404\n"  # line 4
        + "\n"  # line 5 blank
        + "D-1,checkout,staging,failure,2026-03-02T14:05:00Z,,,\n"  # line 6 duplicate key
        + "D-7,checkout,production\n"  # line 7
        + "D-8,checkout,production,success,2026-03-02T14:05:00Z,abc1234,2026-03-01,\n"  # line 8
    )
    with pytest.raises(services.CsvRejected) as rejected:
        services.csv_import(org=org, kind="deployments", content=content.encode(), by=None)
    errors = [(e.line, e.column) for e in rejected.value.errors]
    assert errors == [
        (3, "environment"),
        (3, "finished_at"),
        (3, "team"),
        (4, "commit_authored_at"),
        (4, "features"),
        (6, "key"),
        (7, ""),
        (8, "commit_authored_at"),
    ]
    messages = {(e.line, e.column): e.message for e in rejected.value.errors}
    assert "unknown team" in messages[(3, "team")]
    assert "1 timestamp(s) for 2 commit sha(s)" in messages[(4, "commit_authored_at")]
    assert "line 2" in messages[(6, "key")]
    assert "Expected 8 values, found 3" in messages[(7, "")]
    assert not Deployment.objects.exists()
    assert not Commit.objects.exists()


def test_reference_errors_are_reported_with_lines_too(checkout: Any, org: Any) -> None:
    Deployment.objects.create(
        org=org,
        team=checkout,
        key="D-old",
        environment="production",
        result="success",
        finished_at=datetime.now(UTC),
    )
    content = (
        DEPLOY_HEADER
        + "D-old,checkout,production,success,2026-03-02T14:05:00Z,,,\n"
        + "D-new,checkout,production,success,2026-03-02T14:05:00Z,,,F-12 F-404\n"
    )
    with pytest.raises(services.CsvRejected) as rejected:
        services.csv_import(org=org, kind="deployments", content=content.encode(), by=None)
    assert [(e.line, e.column) for e in rejected.value.errors] == [(2, "key"), (3, "features")]
    assert "already exists" in rejected.value.errors[0].message
    assert "F-404" in rejected.value.errors[1].message
    assert Deployment.objects.count() == 1


def test_another_organisations_records_are_unknown(checkout: Any, org: Any) -> None:
    stranger = TeamFactory(org=OrganisationFactory(), slug="stranger")
    Deployment.objects.create(
        org=stranger.org,
        team=stranger,
        key="D-theirs",
        environment="production",
        result="success",
        finished_at=datetime.now(UTC),
    )
    content = (
        INCIDENT_HEADER
        + "I-1,stranger,Down,2026-03-02T14:05:00Z,,\nI-2,checkout,Down,2026-03-02T14:05:00Z,,D-theirs\n"
    )
    with pytest.raises(services.CsvRejected) as rejected:
        services.csv_import(org=org, kind="incidents", content=content.encode(), by=None)
    assert [(e.line, e.column) for e in rejected.value.errors] == [(2, "team"), (3, "deployment")]


def test_incident_rows_are_checked(checkout: Any, org: Any) -> None:
    content = (
        INCIDENT_HEADER
        + "I-1,checkout,,2026-03-02T14:05:00Z,,\n"
        + "I-2,checkout,Down,2026-03-02T14:05:00Z,2026-03-02T14:00:00Z,\n"
        + '"I-3",checkout,"Multi\nline title",2026-03-02T14:05:00Z,,\n'
        + "I-4,checkout,Fine,2026-03-02T14:05:00Z,,\n"
        + "I-5,checkout,Late,2026-03-02,,\n"
    )
    rows, errors = csv_parse("incidents", content.encode())
    assert [(e.line, e.column) for e in errors] == [
        (2, "title"),
        (3, "resolved_at"),
        (4, "title"),
        (7, "started_at"),
    ]
    assert [r.line for r in rows if r.data is not None] == [6]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [CsvError(1, "", "")]),
        (b"key,team\n", None),
        (INCIDENT_HEADER.encode(), [CsvError(2, "", "")]),
        (b"key,team,title,started_at,resolved_at,deployment,severity\n", [CsvError(1, "severity", "")]),
        (b"key,team,title,title,started_at,resolved_at,deployment\n", [CsvError(1, "title", "")]),
        (INCIDENT_HEADER.encode() + b"I-1,checkout,Caf\xe9,2026-03-02T14:05:00Z,,\n", [CsvError(2, "", "")]),
        (INCIDENT_HEADER.encode() + b"I-1,checkout,x\x00y,2026-03-02T14:05:00Z,,\n", [CsvError(2, "", "")]),
    ],
)
def test_file_level_problems(content: bytes, expected: list[CsvError] | None) -> None:
    rows, errors = csv_parse("incidents", content)
    assert rows == []
    assert errors
    if expected is not None:
        assert [(e.line, e.column) for e in errors] == [(e.line, e.column) for e in expected]
    else:
        assert {e.column for e in errors} == {"title", "started_at", "resolved_at", "deployment"}


def test_header_is_case_and_space_insensitive_and_bom_is_ignored(checkout: Any) -> None:
    content = "\ufeffKey, Team ,Title,started_at,RESOLVED_AT,deployment\r\nI-1,checkout,Down,2026-03-02T14:05:00Z,,\r\n"
    rows, errors = csv_parse("incidents", content.encode())
    assert errors == []
    assert rows[0].data.team == "checkout"


def test_page_lists_errors_by_line_and_loads_nothing(client_for: Any, ops: Any, checkout: Any) -> None:
    content = (
        DEPLOY_HEADER
        + "D-1,checkout,production,success,2026-03-02T14:05:00Z,,,\nD-2,ghosts,production,success,nope,,,\n"
    )
    response = upload(client_for(ops), "deployments", content, name="ci-export.csv")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "ci-export.csv" in page
    assert [(e.line, e.column) for e in response.context["errors"]] == [(3, "finished_at"), (3, "team")]
    assert not Deployment.objects.exists()


def test_page_in_french(client_for: Any, ops: Any, checkout: Any) -> None:
    client = client_for(ops)
    response = client.get(reverse("delivery:csv_import"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Importer" in response.content.decode()
    content = DEPLOY_HEADER + "D-2,ghosts,production,success,2026-03-02T14:05:00Z,,,\n"
    response = client.post(
        reverse("delivery:csv_import"),
        {"kind": "deployments", "file": SimpleUploadedFile("x.csv", content.encode(), "text/csv")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "Rien n’a été importé" in response.content.decode()
    assert "équipe inconnue" in response.content.decode()


def test_form_errors_without_a_file(client_for: Any, ops: Any) -> None:
    response = client_for(ops).post(reverse("delivery:csv_import"), {"kind": "deployments"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("role", ["pm", "engineer", "viewer", "engineering_manager"])
def test_only_recompute_holders_may_import(
    client_for: Any, make_member: Any, checkout: Any, role: str
) -> None:
    client = client_for(make_member(role))
    assert client.get(reverse("delivery:csv_import")).status_code == 403
    assert upload(client, "deployments", EXAMPLES["deployments"]).status_code == 403
    assert client.get(reverse("delivery:csv_example", args=["deployments"])).status_code == 403
    assert not Deployment.objects.exists()


def test_outsider_imports_into_their_own_organisation_only(other_org_client: Any, checkout: Any) -> None:
    response = upload(other_org_client, "deployments", EXAMPLES["deployments"])
    assert response.status_code == 400
    assert "unknown team" in {e.message.split(" '")[0] for e in response.context["errors"]}
    assert not Deployment.objects.exists()


def test_example_downloads(client_for: Any, ops: Any) -> None:
    client = client_for(ops)
    response = client.get(reverse("delivery:csv_example", args=["incidents"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().startswith("key,team,title")
    assert client.get(reverse("delivery:csv_example", args=["other"])).status_code == 404


def test_import_requests_one_recompute_per_team(
    checkout: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.csv_import(
            org=org, kind="deployments", content=EXAMPLES["deployments"].encode(), by=None
        )
    assert result.count == 3
    assert result.team_count == 2
    assert len({c.keywords["team_id"] for c in callbacks}) == 2
