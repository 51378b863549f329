"""Leaving for good: a manager downloads the workspace export, then deletes the organisation with
its slug typed as confirmation. Every row of it goes, in every app, children before parents; people
who belong to no other organisation are removed (or deactivated when another organisation still
holds records of theirs). The organisation's own audit log goes with it, so the deletion is
recorded outside it: a structlog event ("organisation_deleted")."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import structlog
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collab.http import OrgRequest
from collab.models import Membership, Organisation, User
from collab.permissions import Cap, require
from workspace.common import dump_document
from workspace.exporter import export_workspace

log = structlog.get_logger("workspace.deletion")

# When the export was downloaded, per organisation, in the session: deleting needs one this recent.
EXPORTED_KEY = "workspace_exported_at"
EXPORT_FRESH_SECONDS = 60 * 60

ModelType = type[models.Model]


def _foreign_keys(model: ModelType) -> list[models.ForeignKey[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def owner_paths() -> dict[ModelType, str]:
    """Every model whose rows belong to one organisation, with the lookup from it to the
    organisation's id through required foreign keys (the shortest), e.g. Spec → "feature__org"."""
    paths: dict[ModelType, str] = {Organisation: "pk"}
    every = apps.get_models(include_auto_created=True)
    queue: deque[ModelType] = deque([Organisation])
    while queue:
        target = queue.popleft()
        for model in every:
            if model in paths:
                continue
            for field in _foreign_keys(model):
                if field.null or field.related_model is not target:
                    continue
                tail = paths[target]
                paths[model] = field.name if tail == "pk" else f"{field.name}__{tail}"
                queue.append(model)
                break
    paths.pop(Organisation)
    return paths


def deletion_order(paths: dict[ModelType, str]) -> list[ModelType]:
    """The organisation's models, each before every model it requires (children before parents)."""
    requires: dict[ModelType, set[ModelType]] = {
        model: {
            f.related_model  # type: ignore[misc]
            for f in _foreign_keys(model)
            if not f.null and f.related_model in paths and f.related_model is not model
        }
        for model in paths
    }
    order: list[ModelType] = []
    placed: set[ModelType] = set()
    remaining = sorted(paths, key=lambda m: m._meta.label)
    while remaining:
        # A model goes once nothing left still requires it.
        ready = [
            m for m in remaining if not any(m in requires[other] for other in remaining if other is not m)
        ]
        if not ready:  # a cycle of required keys: none today; let the database say which
            ready = remaining[:1]
        for model in ready:
            order.append(model)
            placed.add(model)
        remaining = [m for m in remaining if m not in placed]
    return order


@transaction.atomic
def organisation_delete(*, org: Organisation, by: Membership, confirmation: str) -> dict[str, int]:
    """Delete `org` and everything of it; returns the rows deleted per model label. `confirmation`
    is the slug as the person typed it."""
    if confirmation.strip() != org.slug:
        raise ValidationError(
            {"confirmation": _("Type the organisation's short name exactly: %(slug)s") % {"slug": org.slug}}
        )
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    people = list(Membership.objects.filter(org=org).values_list("user_id", flat=True))
    paths = owner_paths()
    # Optional links from anywhere into the organisation's rows (another organisation's import job
    # that created this one, a sync item carried from a deleted one…) are cleared first.
    for model in apps.get_models(include_auto_created=True):
        for field in _foreign_keys(model):
            target = field.related_model
            if not field.null or (target is not Organisation and target not in paths):
                continue
            lookup = field.name if target is Organisation else f"{field.name}__{paths[target]}"  # type: ignore[index]
            model._default_manager.filter(**{lookup: org.pk}).update(**{field.name: None})
    counts: dict[str, int] = {}
    for model in deletion_order(paths):
        deleted, _by_model = model._default_manager.filter(**{paths[model]: org.pk}).delete()
        if deleted:
            counts[model._meta.label] = counts.get(model._meta.label, 0) + deleted
    slug, name = org.slug, org.name
    Organisation.objects.filter(pk=org.pk).delete()
    removed, deactivated = _people_leave(people)
    log.info(
        "organisation_deleted",
        org_id=org.pk,
        org_slug=slug,
        org_name=name,
        by_user_id=by.user_id,
        by_role=by.role,
        rows=sum(counts.values()),
        rows_by_model=counts,
        users_removed=removed,
        users_deactivated=deactivated,
    )
    return counts


def _people_leave(user_ids: list[int]) -> tuple[int, int]:
    """The deleted organisation's people who belong to no other: removed, or deactivated when
    another organisation keeps a (past) membership of theirs. Staff accounts stay."""
    removed = deactivated = 0
    for user in User.objects.filter(pk__in=user_ids, is_staff=False, is_superuser=False):
        memberships = Membership.objects.filter(user=user)
        if memberships.filter(is_active=True).exists():
            continue
        if memberships.exists():
            if user.is_active:
                user.is_active = False
                user.save(update_fields=["is_active"])
                deactivated += 1
            continue
        user.delete()
        removed += 1
    return removed, deactivated


class DeleteOrganisationForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("Type the organisation's short name to confirm"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _exported_recently(request: OrgRequest) -> bool:
    stamps = request.session.get(EXPORTED_KEY) or {}
    at = stamps.get(str(request.org.pk)) if isinstance(stamps, dict) else None
    return isinstance(at, (int, float)) and time.time() - at < EXPORT_FRESH_SECONDS


@login_required
@require(Cap.MANAGE_ORG)
@require_GET
def deletion_export(request: OrgRequest) -> HttpResponse:
    """The workspace export (the same document as Settings › Import / export), remembered as
    downloaded so the deletion can follow."""
    org = request.org
    response = HttpResponse(
        dump_document(export_workspace(org)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-workspace.json"'
    stamps = request.session.get(EXPORTED_KEY)
    stamps = stamps if isinstance(stamps, dict) else {}
    stamps[str(org.pk)] = time.time()
    request.session[EXPORTED_KEY] = stamps
    return response


@login_required
@require(Cap.MANAGE_ORG)
@never_cache
def organisation_delete_view(request: OrgRequest) -> HttpResponse:
    org = request.org
    form = DeleteOrganisationForm(request.POST or None)
    exported = _exported_recently(request)
    if request.method == "POST" and form.is_valid():
        if not exported:
            form.add_error(None, _("Download the export first: once deleted, nothing can be recovered."))
        else:
            name, user = org.name, request.user
            try:
                organisation_delete(
                    org=org, by=request.membership, confirmation=form.cleaned_data["confirmation"]
                )
            except ValidationError as exc:
                form.add_error("confirmation", exc.message_dict.get("confirmation", exc.messages))
            else:
                still_member = User.objects.filter(
                    pk=user.pk or 0, is_active=True, memberships__is_active=True
                ).exists()
                if not still_member:
                    logout(request)
                messages.success(request, _("%(org)s and everything in it were deleted.") % {"org": name})
                return redirect("home" if still_member else "login")
    context = {
        "form": form,
        "exported": exported,
        "members": Membership.objects.filter(org=org, is_active=True).count(),
        "teams": org.teams.count(),
    }
    return render(request, "workspace/organisation_delete.html", context)
