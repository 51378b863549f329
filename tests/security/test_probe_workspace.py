"""Findings of the hostile probe of the workspace import/export app, each reproduced first."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from collab import services as collab_services
from collab.models import Invitation, Membership, Organisation, TeamMember
from tests.collab.test_workspace_export import full_document
from tests.collab.test_workspace_import import row_counts
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.metrics import queues
from tests.metrics.queues import QueueProbe
from workspace import jobs
from workspace import views as workspace_views
from workspace.importer import import_workspace
from workspace.models import ImportJob
from workspace.tasks import import_job_run
from workspace.validation import load_workspace_json

pytestmark = pytest.mark.django_db

test_queue = queues.test_queue
broker_down = queues.broker_down


def post_document(client: Any, text: str | bytes, name: str = "doc.json") -> Any:
    data = text.encode() if isinstance(text, str) else text
    upload = SimpleUploadedFile(name, data, content_type="application/json")
    return client.post(reverse("workspace:workspace_import"), {"document": upload}, follow=True)


# --- 1. an import never enrols someone who already has an account ---------------------------------


@pytest.fixture
def acme_cto() -> Membership:
    """A real person of another organisation, whose e-mail the probe's document names."""
    acme = OrganisationFactory(slug="acme", name="Acme")
    return MembershipFactory(
        org=acme, role="cto", user=UserFactory(email="cto@every.test", name="Real Secret Name")
    )


def test_import_invites_an_existing_user_instead_of_enrolling_them(
    client_for: Any,
    ops: Membership,
    acme_cto: Membership,
    django_capture_on_commit_callbacks: Any,
    celery_eager: None,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_document(client_for(ops), json.dumps(full_document("probe")))
    assert response.status_code == 200
    org = Organisation.objects.get(slug="probe")
    # No membership of the existing account, active or not.
    assert not Membership.objects.filter(org=org, user=acme_cto.user).exists()
    invitation = Invitation.objects.get(org=org, email="cto@every.test")
    assert invitation.is_pending
    assert invitation.role == "cto"
    assert [message.to for message in mail.outbox] == [["cto@every.test"]]
    # The records that name them still import, on a pending stand-in with the document's name.
    stand_in = Membership.objects.get(org=org, user__name="Chloé Tran")
    assert not stand_in.is_active
    assert not stand_in.user.is_active
    assert not stand_in.user.has_usable_password()
    assert org.syncs.filter(facilitator=stand_in).exists()
    # The summary says who was invited; no page shows the real name.
    page = response.content.decode()
    assert "1 person already has an account and was invited" in page
    settings_page = client_for(Membership.objects.get(org=org, user=ops.user)).get(reverse("collab:settings"))
    assert settings_page.status_code == 200
    assert "Real Secret Name" not in settings_page.content.decode()
    assert "Real Secret Name" not in response.content.decode()
    # The existing account is untouched and sees nothing of the new organisation.
    acme_cto.user.refresh_from_db()
    assert acme_cto.user.name == "Real Secret Name"
    home = client_for(acme_cto).get(reverse("home"))
    assert "probe" not in home.content.decode()


def test_accepting_the_invitation_hands_the_records_over(acme_cto: Membership) -> None:
    org = import_workspace(full_document("probe"))
    stand_in = Membership.objects.get(org=org, user__name="Chloé Tran")
    placeholder = stand_in.user
    invitation = Invitation.objects.get(org=org, email="cto@every.test")
    membership = collab_services.invitation_accept(invitation=invitation, user=acme_cto.user)
    assert membership.pk == stand_in.pk
    membership.refresh_from_db()
    assert membership.user == acme_cto.user
    assert membership.is_active
    assert membership.role == "cto"
    assert org.syncs.filter(facilitator=membership).exists()
    assert not type(placeholder).objects.filter(pk=placeholder.pk).exists()


def test_import_does_not_rename_an_existing_account() -> None:
    known = UserFactory(email="tl@every.test", name="")
    org = import_workspace(full_document("probe"))
    known.refresh_from_db()
    assert known.name == ""
    assert not Membership.objects.filter(org=org, user=known).exists()
    stand_in = TeamMember.objects.get(team__org=org, role="tech_lead").membership
    assert stand_in.user.name == "Théo Lambert"
    assert not stand_in.is_active


# --- 3 and 4. text the database cannot hold, keys given twice -------------------------------------


def surrogate_document() -> str:
    text = json.dumps(full_document("surrogate"))
    return text.replace('"Paula Martin"', '"Paula \\ud800 Martin"', 1)


def duplicate_document() -> str:
    text = json.dumps(full_document("twice"))
    return text.replace('"name": "Every Field Ltd"', '"name": "Every Field Ltd", "name": "Other Ltd"', 1)


def test_a_lone_surrogate_is_refused_with_its_path() -> None:
    doc, errors = load_workspace_json(surrogate_document().encode())
    assert doc is None
    assert [(e.path, e.message) for e in errors] == [
        ("people[0].name", "contains a lone surrogate (\\ud800), which is not Unicode text")
    ]


def test_a_lone_surrogate_is_refused_on_the_web(client_for: Any, ops: Membership) -> None:
    before = row_counts()
    response = post_document(client_for(ops), surrogate_document())
    assert response.status_code == 400
    assert "<td><code>people[0].name</code></td>" in response.content.decode()
    assert row_counts() == before


def test_a_lone_surrogate_is_refused_by_the_command(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    target.write_text(surrogate_document(), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("workspace", "import", str(target), stdout=io.StringIO(), stderr=err)
    assert "people[0].name: contains a lone surrogate" in err.getvalue()


def test_a_key_given_twice_is_refused_with_its_path(client_for: Any, ops: Membership) -> None:
    doc, errors = load_workspace_json(duplicate_document())
    assert doc is None
    assert [(e.path, e.message) for e in errors] == [
        ("organisation.name", "is given more than once in the object")
    ]
    response = post_document(client_for(ops), duplicate_document())
    assert response.status_code == 400
    assert "<td><code>organisation.name</code></td>" in response.content.decode()
    assert not Organisation.objects.filter(slug="twice").exists()


def test_a_surrogate_pair_is_text() -> None:
    doc, errors = load_workspace_json(json.dumps({"name": "\U0001f600"}, ensure_ascii=True))
    assert errors == []
    assert doc == {"name": "\U0001f600"}


# --- 5. /healthz keeps its error texts for staff --------------------------------------------------


def test_healthz_shows_no_error_text_to_anonymous_callers(client: Any, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": {"ok": True}, "redis": {"ok": False}, "celery": {"ok": False}},
    }


def test_healthz_shows_error_text_to_staff(client: Any, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(UserFactory(is_staff=True))
    body = client.get("/healthz").json()
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]
    assert body["checks"]["celery"]["error"] == "redis is down"


def test_healthz_shows_no_error_text_to_other_signed_in_people(
    client_for: Any, ops: Membership, settings: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    body = client_for(ops).get("/healthz").json()
    assert "error" not in body["checks"]["redis"]


# --- 2. a large document is imported by a worker, with progress -----------------------------------


@pytest.fixture
def through_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every upload counts as large: it goes through the job, as a 48 MB one does."""
    monkeypatch.setattr(workspace_views, "SYNC_MAX_BYTES", 0)


def upload_to_job(client: Any, text: str) -> Any:
    upload = SimpleUploadedFile("big.json", text.encode(), content_type="application/json")
    return client.post(reverse("workspace:workspace_import"), {"document": upload})


def test_a_large_upload_is_queued_and_its_page_polls_until_the_report(
    client_for: Any, ops: Membership, through_a_job: None, test_queue: QueueProbe
) -> None:
    client = client_for(ops)
    response = upload_to_job(client, json.dumps(full_document("big")))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:import_job", args=[job.pk])
    assert [m["headers"]["task"] for m in test_queue.messages()] == ["workspace.import_job_run"]
    assert not Organisation.objects.filter(slug="big").exists()
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{response["Location"]}"' in page
    assert "<script" not in page.split('id="job-status"')[1]

    import_job_run(str(job.pk))  # what the worker runs

    job.refresh_from_db()
    assert (job.status, job.stage, job.document) == ("done", "finished", b"")
    org = Organisation.objects.get(slug="big")
    assert job.org == org
    assert Membership.objects.get(org=org, user=ops.user).role == "product_ops"
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in partial
    assert "Every Field Ltd (big) was imported" in partial
    assert re.search(r"<dt>Deployments</dt><dd[^>]*>2</dd>", partial)
    # Run twice (a redelivered message), it does nothing more.
    import_job_run(str(job.pk))
    assert Organisation.objects.filter(slug="big").count() == 1


def test_a_refused_large_document_shows_its_errors_and_loads_nothing(
    client_for: Any, ops: Membership, through_a_job: None, test_queue: QueueProbe
) -> None:
    doc = full_document("big")
    doc["features"][0]["team"] = "nowhere"
    client = client_for(ops)
    before = row_counts()
    location = upload_to_job(client, json.dumps(doc))["Location"]
    import_job_run(str(ImportJob.objects.get().pk))
    assert row_counts() == before
    page = client.get(location).content.decode()
    assert "The document was refused: nothing was loaded" in page
    assert "<td><code>features[0].team</code></td>" in page
    assert ImportJob.objects.get().status == "failed"


def test_with_the_broker_down_a_small_document_is_imported_at_once(
    client_for: Any, ops: Membership, through_a_job: None, broker_down: None
) -> None:
    client = client_for(ops)
    location = upload_to_job(client, json.dumps(full_document("big")))["Location"]
    assert Organisation.objects.filter(slug="big").exists()
    assert "was imported" in client.get(location).content.decode()


def test_with_the_broker_down_a_large_document_gets_a_clear_message(
    client_for: Any, ops: Membership, through_a_job: None, broker_down: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "INLINE_MAX_BYTES", 0)
    client = client_for(ops)
    location = upload_to_job(client, json.dumps(full_document("big")))["Location"]
    assert not Organisation.objects.filter(slug="big").exists()
    assert "The import queue is unavailable" in client.get(location).content.decode()


def test_only_the_uploader_sees_the_job(
    client_for: Any, ops: Membership, make_member: Any, through_a_job: None, test_queue: QueueProbe
) -> None:
    location = upload_to_job(client_for(ops), json.dumps(full_document("big")))["Location"]
    other = make_member("product_ops", organisation=ops.org)
    assert client_for(other).get(location).status_code == 404
