"""Settings › Workspace document: download the current organisation as a `collab-workspace/1`
document, or upload one to create a new organisation (validation report, or a summary)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from collab.http import OrgRequest
from collab.models import Membership, Role
from collab.permissions import Cap, require
from workspace.common import dump_document
from workspace.exporter import export_workspace
from workspace.forms import MAX_UPLOAD_BYTES, WorkspaceUploadForm
from workspace.importer import WorkspaceImportError, import_workspace, invited_count
from workspace.jobs import import_job_create, import_job_enqueue
from workspace.models import ImportJob
from workspace.summary import summarise
from workspace.validation import WorkspaceError, load_workspace_json

RESULT_KEY = "workspace_import_result"
SHOWN_ERRORS = 500
# Multipart framing around the file; a body larger than this cannot hold an acceptable file.
_ENVELOPE_BYTES = 64 * 1024
# A document larger than this is imported by a Celery worker; a smaller one on the request.
SYNC_MAX_BYTES = 1024 * 1024


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
        result = _result_context(result)
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


def _result_context(result: dict[str, Any]) -> dict[str, Any]:
    """The summary of a finished import: rows of (label, count); people already having an account
    were invited, not added, and are counted apart."""
    labels = {code: label for code, label, _count in summarise({})}
    invited = int(result.get("invited") or 0)
    rows = [
        (labels.get(code, code), count - invited if code == "people" else count)
        for code, count in result["counts"]
    ]
    role = result["role"]
    return {
        **result,
        "rows": rows,
        "invited": invited,
        "role_label": Role(role).label if role in Role.values else role,
    }


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
    membership: Membership = request.membership
    if upload.size > SYNC_MAX_BYTES:
        # A large document takes longer than a web request may: a worker imports it.
        job = import_job_create(membership=membership, filename=upload.name, document=upload.read())
        import_job_enqueue(job=job)
        return redirect("workspace:import_job", job_id=job.pk)
    doc, errors = load_workspace_json(upload.read())
    if doc is None:
        return _render(request, errors=errors, filename=upload.name, status=400)
    try:
        with transaction.atomic():
            org = import_workspace(doc, uploader=membership.user)
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
        "invited": invited_count(org),
        "counts": [(code, count) for code, _label, count in summarise(doc)],
    }
    messages.success(request, _("%(name)s was imported.") % {"name": org.name})
    return redirect("workspace:workspace")


@login_required
@require_GET
@never_cache
@vary_on_headers("HX-Request")
def import_job(request: OrgRequest, job_id: UUID) -> HttpResponse:
    """Where a queued import stands; the page polls itself (htmx) until the report is there."""
    job = get_object_or_404(ImportJob.objects.select_related("org"), pk=job_id, uploaded_by=request.user)
    errors = [WorkspaceError(path, message) for path, message in job.errors]
    result = None
    if job.status == ImportJob.Status.DONE and job.org is not None:
        result = _result_context(
            {
                "slug": job.org.slug,
                "name": job.org.name,
                "role": job.role,
                "invited": job.invited,
                "counts": job.counts,
            }
        )
    stages = [
        (value, label, index)
        for index, (value, label) in enumerate(ImportJob.Stage.choices)
        if value != ImportJob.Stage.FINISHED
    ]
    current = [value for value, _label in ImportJob.Stage.choices].index(job.stage)
    context: dict[str, Any] = {
        "job": job,
        "stages": [(label, index < current, index == current) for _value, label, index in stages],
        "result": result,
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "hidden_errors": max(0, len(errors) - SHOWN_ERRORS),
        "filename": job.filename,
    }
    template = "workspace/import_job.html" + ("#job-status" if request.htmx else "")
    return render(request, template, context)
