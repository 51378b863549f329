from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collab.models import Membership, Organisation
from tests.collab.test_workspace_export import full_document
from tests.collab.test_workspace_import import row_counts
from tests.factories import FeatureFactory, TeamFactory
from workspace import forms as workspace_forms
from workspace import views as workspace_views
from workspace.importer import import_workspace
from workspace.roundtrip import differences

pytestmark = pytest.mark.django_db


def upload(content: bytes | str, name: str = "acme.json") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/json")


def post_document(client: Any, doc: Any, name: str = "doc.json") -> Any:
    text = doc if isinstance(doc, str | bytes) else json.dumps(doc)
    return client.post(reverse("workspace:workspace_import"), {"document": upload(text, name)})


def test_the_page_offers_export_and_import(client_for: Any, ops: Any) -> None:
    response = client_for(ops).get(reverse("workspace:workspace"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("workspace:workspace_export") in page
    assert 'enctype="multipart/form-data"' in page
    assert f"{ops.org.slug}-workspace.json" in page


@pytest.mark.parametrize("role", ["viewer", "pm", "engineer"])
def test_people_who_do_not_manage_the_organisation_get_403(
    client_for: Any, make_member: Any, role: str
) -> None:
    client = client_for(make_member(role))
    assert client.get(reverse("workspace:workspace")).status_code == 403
    assert client.get(reverse("workspace:workspace_export")).status_code == 403
    before = row_counts()
    assert post_document(client, full_document()).status_code == 403
    assert row_counts() == before


def test_anonymous_visitors_are_sent_to_log_in(client: Any) -> None:
    response = client.get(reverse("workspace:workspace"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_export_downloads_the_callers_organisation_only(client_for: Any, make_member: Any) -> None:
    mine = import_workspace(full_document("mine"))
    other = import_workspace(full_document("theirs"))
    FeatureFactory(team=TeamFactory(org=other), org=other, key="SECRET-1", title="Their secret feature")
    cpo = Membership.objects.get(org=mine, user__email="cpo@every.test")
    response = client_for(cpo).get(reverse("workspace:workspace_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mine-workspace.json"'
    doc = json.loads(response.content)
    assert doc["organisation"]["slug"] == "mine"
    assert "SECRET-1" not in response.content.decode()
    assert differences(full_document("mine"), doc) == []


def test_a_valid_upload_creates_the_organisation_and_shows_a_summary(client_for: Any, ops: Any) -> None:
    client = client_for(ops)
    response = post_document(client, full_document("uploaded"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:workspace")
    org = Organisation.objects.get(slug="uploaded")
    assert Membership.objects.get(org=org, user=ops.user).role == "product_ops"
    page = client.get(reverse("workspace:workspace")).content.decode()
    assert "Every Field Ltd (uploaded) was imported" in page
    assert re.search(r"<dt>Features</dt><dd[^>]*>3</dd>", page)
    assert re.search(r"<dt>Deployments</dt><dd[^>]*>2</dd>", page)
    assert 'name="org" value="uploaded"' in page
    # The summary is shown once.
    assert "was imported" not in client.get(reverse("workspace:workspace")).content.decode()


def test_the_uploader_can_switch_to_the_new_organisation(client_for: Any, ops: Any) -> None:
    client = client_for(ops)
    post_document(client, full_document("uploaded"))
    response = client.post(reverse("collab:org_switch"), {"org": "uploaded"}, follow=True)
    assert response.status_code == 200
    assert response.context["org"].slug == "uploaded"


def test_an_uploader_named_in_the_document_keeps_the_documents_role(
    client_for: Any, make_member: Any
) -> None:
    cto = make_member("cto", email="cto@every.test")
    post_document(client_for(cto), full_document("with-me"))
    assert Membership.objects.get(org__slug="with-me", user=cto.user).role == "cto"


def test_a_broken_document_shows_every_error_and_loads_nothing(client_for: Any, ops: Any) -> None:
    doc = full_document("broken")
    doc["features"][0]["team"] = "nowhere"
    doc["syncs"][0]["items"][0]["section"] = "demo"
    doc["pulses"][0]["score"] = 7
    before = row_counts()
    response = post_document(client_for(ops), doc, name="broken.json")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The document was refused: nothing was loaded" in page
    assert "3 problems" in page
    assert "broken.json" in page
    for where in ("features[0].team", "syncs[0].items[0].section", "pulses[0].score"):
        assert f"<td><code>{where}</code></td>" in page
    assert "unknown team &quot;nowhere&quot;" in page
    assert row_counts() == before


def test_an_existing_slug_is_reported(client_for: Any, ops: Any) -> None:
    response = post_document(client_for(ops), full_document(ops.org.slug))
    assert response.status_code == 400
    assert "<td><code>organisation.slug</code></td>" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "$</code></td><td>invalid JSON at line 1, column 2"),
        ("[]", "must be an object"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        ('{"format": "collab-workspace/2"}', "must be &quot;collab-workspace/1&quot;"),
        ("id,title\n1,x\n", "invalid JSON at line 1"),
    ],
    ids=["invalid json", "not an object", "not utf-8", "wrong format", "csv"],
)
def test_files_that_are_not_a_workspace_document(
    client_for: Any, ops: Any, content: Any, message: str
) -> None:
    before = row_counts()
    response = post_document(client_for(ops), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_an_empty_file_gets_a_clear_message(client_for: Any, ops: Any) -> None:
    response = post_document(client_for(ops), "")
    assert response.status_code == 400
    assert "The file is empty: choose a workspace document." in response.content.decode()


def test_no_file_gets_a_clear_message(client_for: Any, ops: Any) -> None:
    response = client_for(ops).post(reverse("workspace:workspace_import"), {})
    assert response.status_code == 400
    assert "Choose a JSON file to import." in response.content.decode()


def test_a_file_over_the_limit_is_refused(client_for: Any, ops: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_forms, "MAX_UPLOAD_BYTES", 1000)
    response = post_document(client_for(ops), json.dumps(full_document()))
    assert response.status_code == 400
    assert "the limit is 1000\xa0bytes" in response.content.decode()
    assert not Organisation.objects.filter(slug="every-field").exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client_for: Any, ops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace_views, "MAX_UPLOAD_BYTES", 10)
    monkeypatch.setattr(workspace_views, "_ENVELOPE_BYTES", 10)
    response = post_document(client_for(ops), json.dumps(full_document()))
    assert response.status_code == 400
    assert "The file is larger than 10\xa0bytes" in response.content.decode()


def test_a_long_error_list_is_cut_with_a_count(client_for: Any, ops: Any) -> None:
    doc = full_document("many")
    doc["pulses"] = [{"team": "payments", "week": "2026-W15", "score": 9} for _ in range(520)]
    response = post_document(client_for(ops), doc)
    page = response.content.decode()
    assert "520 problems" in page
    assert page.count("<td><code>pulses[") == 500
    assert "…and 20 more problems, not shown." in page


def test_the_page_reads_in_french(client_for: Any, ops: Any) -> None:
    client = client_for(ops)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("workspace:workspace"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Importer dans une nouvelle organisation" in page
    assert "Télécharger le document" in page
