"""Settings › Workspace document: download the current organisation as a `collab-workspace/1`
document, or upload one to create a new organisation (validation report, or a summary)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from collab.http import OrgRequest
from collab.models import Membership, Role
from collab.permissions import Cap, require
from workspace.common import dump_document
from workspace.exporter import export_workspace
from workspace.forms import MAX_UPLOAD_BYTES, WorkspaceUploadForm
from workspace.importer import WorkspaceImportError, import_workspace
from workspace.summary import summarise
from workspace.validation import WorkspaceError, load_workspace_json

RESULT_KEY = "workspace_import_result"
SHOWN_ERRORS = 500
# Multipart framing around the file; a body larger than this cannot hold an acceptable file.
_ENVELOPE_BYTES = 64 * 1024


def _render(
    request: OrgRequest,
    *,
    form: WorkspaceUploadForm | None = None,
    errors: list[WorkspaceError] | None = None,
    filename: str = "",
    upload_error: str = "",
    status: int = 200,
) -> HttpResponse:
    result = request.session.pop(RESULT_KEY, None) if status == 200 and errors is None else None
    if result:
        labels = {code: label for code, label, _count in summarise({})}
        result["rows"] = [(labels.get(code, code), count) for code, count in result["counts"]]
        result["role_label"] = Role(result["role"]).label if result["role"] in Role.values else result["role"]
    errors = errors or []
    context: dict[str, Any] = {
        "form": form or WorkspaceUploadForm(),
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "hidden_errors": max(0, len(errors) - SHOWN_ERRORS),
        "filename": filename,
        "upload_error": upload_error,
        "result": result,
        "export_name": f"{request.org.slug}-workspace.json",
        "max_size": filesizeformat(MAX_UPLOAD_BYTES),
    }
    return render(request, "workspace/workspace.html", context, status=status)


@login_required
@require(Cap.MANAGE_ORG)
@require_GET
@never_cache
def workspace_page(request: OrgRequest) -> HttpResponse:
    return _render(request)


@login_required
@require(Cap.MANAGE_ORG)
@require_GET
def workspace_export(request: OrgRequest) -> HttpResponse:
    org = request.org
    response = HttpResponse(
        dump_document(export_workspace(org)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-workspace.json"'
    return response


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def workspace_import(request: OrgRequest) -> HttpResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + _ENVELOPE_BYTES:
        # Refuse before reading the body; the form would say the same after reading it.
        too_large = _(
            "The file is larger than %(limit)s. Import larger documents with `manage.py workspace import`."
        )
        return _render(
            request, upload_error=too_large % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}, status=400
        )
    form = WorkspaceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    upload = form.cleaned_data["document"]
    doc, errors = load_workspace_json(upload.read())
    if doc is None:
        return _render(request, errors=errors, filename=upload.name, status=400)
    membership: Membership = request.membership
    try:
        with transaction.atomic():
            org = import_workspace(doc)
            # The uploader joins the new organisation to look at it; someone the document names
            # keeps the role it gives them.
            joined, _created = Membership.objects.get_or_create(
                org=org, user=request.user, defaults={"role": membership.role}
            )
    except WorkspaceImportError as exc:
        return _render(request, errors=exc.errors, filename=upload.name, status=400)
    request.session[RESULT_KEY] = {
        "slug": org.slug,
        "name": org.name,
        "role": joined.role,
        "counts": [(code, count) for code, _label, count in summarise(doc)],
    }
    messages.success(request, _("%(name)s was imported.") % {"name": org.name})
    return redirect("workspace:workspace")
