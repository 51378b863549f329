"""Deleting an organisation removes every row of it, in every app, and nothing of another one."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time

import pytest
from django.apps import apps
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice
from structlog.testing import capture_logs

from collab.models import Membership, Organisation, User
from delivery.models import ApiToken, IdempotencyRecord
from tests.collab.test_workspace_export import example_document
from tests.factories import MembershipFactory, UserFactory
from workspace.deletion import EXPORTED_KEY, organisation_delete, owner_paths
from workspace.demo import build_demo_document
from workspace.exporter import export_workspace
from workspace.importer import import_workspace
from workspace.models import ImportJob, SignInPolicy

pytestmark = pytest.mark.django_db

# Rows the deletion does not own: sessions, lockout logs, permissions, migrations.
OUTSIDE = {"sessions", "axes", "contenttypes", "auth", "admin", "oidc_provider", "django_structlog"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in OUTSIDE
    }


def references(org_id: int) -> dict[str, int]:
    """Rows that still point at the organisation, directly or through required keys."""
    found = {}
    for model, path in owner_paths().items():
        count = model._default_manager.filter(**{path: org_id}).count()
        if count:
            found[model._meta.label] = count
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Organisation:
                count = model._default_manager.filter(**{field.name: org_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


@pytest.fixture
def kept() -> Organisation:
    return import_workspace(example_document())


def test_deleting_an_organisation_removes_all_of_it_and_nothing_of_another(kept):
    # Someone who once was in the kept organisation, and is now in the one to delete.
    former = UserFactory(email="former@elsewhere.test")
    MembershipFactory(org=kept, user=former, is_active=False)
    kept_export = export_workspace(kept)
    before = row_counts()
    kept_member = Membership.objects.filter(org=kept).select_related("user").first()

    doc = build_demo_document(today=dt.date(2026, 3, 2))
    gone = import_workspace(copy.deepcopy(doc))
    manager = (
        Membership.objects.filter(org=gone, role="ceo").first() or Membership.objects.filter(org=gone).first()
    )
    # Rows the document does not carry: sign-in settings, API tokens, idempotency records, a
    # second factor, an import started from the other organisation that created this one.
    SignInPolicy.objects.create(
        org=gone, sso_enabled=True, issuer="https://idp.test", allowed_domains=["acme.test"]
    )
    ApiToken.objects.create(org=gone, name="ci", prefix="abc", token_hash="0" * 64, created_by=manager)
    IdempotencyRecord.objects.create(
        org=gone, key="k", endpoint="e", request_hash="h", status_code=201, response={}
    )
    TOTPDevice.objects.create(user=manager.user, name="authenticator", confirmed=True)
    job = ImportJob.objects.create(uploaded_by=kept_member.user, from_org=kept, role="pm", org=gone)
    # Someone in both organisations stays; someone who only once was in the other is deactivated.
    both = MembershipFactory(org=gone, role="pm", user=kept_member.user)
    MembershipFactory(org=gone, user=former)
    gone_users = set(Membership.objects.filter(org=gone).values_list("user_id", flat=True))
    assert len(references(gone.pk)) > 25  # the demo fills most apps

    with capture_logs() as logs:
        counts = organisation_delete(org=gone, by=manager, confirmation="acme")

    assert references(gone.pk) == {}
    assert not Organisation.objects.filter(pk=gone.pk).exists()
    assert sum(counts.values()) > 1000
    job.refresh_from_db()
    assert job.org is None
    assert job.from_org == kept
    assert User.objects.get(pk=both.user_id).is_active
    assert not User.objects.get(pk=former.pk).is_active
    remaining = set(User.objects.filter(pk__in=gone_users).values_list("pk", flat=True))
    assert remaining == {both.user_id, former.pk}
    assert not TOTPDevice.objects.filter(user_id=manager.user_id).exists()
    # The other organisation is exactly as it was.
    assert export_workspace(Organisation.objects.get(pk=kept.pk)) == kept_export
    after = row_counts()
    after["workspace.ImportJob"] -= 1  # the kept organisation's import job, its link cleared
    assert after == before
    # Recorded outside the organisation (its audit log is gone with it).
    [event] = [e for e in logs if e["event"] == "organisation_deleted"]
    assert event["org_id"] == gone.pk
    assert event["org_slug"] == "acme"
    assert event["by_user_id"] == manager.user_id
    assert event["users_removed"] == len(gone_users) - 2
    assert event["users_deactivated"] == 1


def test_the_confirmation_must_be_the_slug(kept):
    manager = MembershipFactory(org=kept, role="ceo")
    with pytest.raises(Exception, match="Type the organisation's short name exactly"):
        organisation_delete(org=kept, by=manager, confirmation="not-it")
    assert Organisation.objects.filter(pk=kept.pk).exists()


def test_the_page_asks_for_the_export_first_then_the_slug(client_for, kept, make_member):
    manager = MembershipFactory(org=kept, role="ceo")
    other = make_member("ceo")  # another organisation, untouched
    client = client_for(manager)
    page = client.get("/settings/delete/")
    assert page.status_code == 200
    assert "Download the workspace document" in page.content.decode()
    refused = client.post("/settings/delete/", {"confirmation": kept.slug})
    assert "Download the export first" in refused.content.decode()
    assert Organisation.objects.filter(pk=kept.pk).exists()

    export = client.get("/settings/delete/export/")
    assert export.status_code == 200
    assert json.loads(export.content)["organisation"]["slug"] == kept.slug
    assert client.post("/settings/delete/", {"confirmation": "wrong"}).status_code == 200
    assert Organisation.objects.filter(pk=kept.pk).exists()
    done = client.post("/settings/delete/", {"confirmation": kept.slug})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    assert not Organisation.objects.filter(pk=kept.pk).exists()
    assert Organisation.objects.filter(pk=other.org_id).exists()
    assert not User.objects.filter(pk=manager.user_id).exists()


def test_only_managers_delete_and_an_old_export_does_not_count(client_for, kept):
    pm = MembershipFactory(org=kept, role="pm")
    assert client_for(pm).post("/settings/delete/", {"confirmation": kept.slug}).status_code == 403
    manager = MembershipFactory(org=kept, role="ceo")
    client = client_for(manager)
    session = client.session
    session[EXPORTED_KEY] = {str(kept.pk): time.time() - 2 * 3600}
    session.save()
    refused = client.post("/settings/delete/", {"confirmation": kept.slug})
    assert "Download the export first" in refused.content.decode()
    assert Organisation.objects.filter(pk=kept.pk).exists()
