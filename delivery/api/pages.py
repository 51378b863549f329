"""Settings pages of the intake: API tokens, CSV import, and the API's human documentation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from collab.http import OrgRequest
from collab.permissions import Cap, require
from delivery.api import docs, selectors, services
from delivery.api.csv_format import COLUMNS, EXAMPLES
from delivery.api.forms import CsvImportForm, TokenForm


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
@never_cache
def api_tokens(request: OrgRequest) -> HttpResponse:
    org = request.org
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            membership = request.membership
            token, plain = services.token_create(org=org, name=form.cleaned_data["name"], by=membership)
            # Shown in this response only (never stored, not even in the session): no redirect.
            created = {"token": token, "plain": plain}
            form = TokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.token_list(org=org),
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "delivery/api/api_tokens.html", context, status=status)


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (scripts using the token will stop working); POST revokes."""
    token = get_object_or_404(selectors.token_list(org=request.org), pk=pk)
    if request.method == "GET":
        return render(request, "delivery/api/api_token_revoke.html", {"token": token})
    services.token_revoke(token=token, by=request.membership)
    messages.success(
        request, _("Token “%(name)s” revoked: calls with it now get 401.") % {"name": token.name}
    )
    return redirect("delivery:api_tokens")


@login_required
@require(Cap.RECOMPUTE)
@require_http_methods(["GET", "POST"])
def csv_import(request: OrgRequest) -> HttpResponse:
    org = request.org
    form = CsvImportForm(request.POST or None, request.FILES or None)
    errors = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            upload = form.cleaned_data["file"]
            try:
                result = services.csv_import(org=org, kind=kind, content=upload.read(), by=request.membership)
            except services.CsvRejected as rejected:
                errors = rejected.errors
            else:
                if kind == "deployments":
                    message = ngettext(
                        "Imported %(count)s deployment for %(teams)s team(s).",
                        "Imported %(count)s deployments for %(teams)s team(s).",
                        result.count,
                    )
                else:
                    message = ngettext(
                        "Imported %(count)s incident for %(teams)s team(s).",
                        "Imported %(count)s incidents for %(teams)s team(s).",
                        result.count,
                    )
                messages.success(request, message % {"count": result.count, "teams": result.team_count})
                return redirect("delivery:csv_import")
    context = {
        "form": form,
        "errors": errors,
        "columns": COLUMNS,
        "file_name": getattr(request.FILES.get("file"), "name", ""),
    }
    return render(request, "delivery/api/csv_import.html", context, status=status)


@login_required
@require(Cap.RECOMPUTE)
@require_GET
def csv_example(request: OrgRequest, kind: str) -> HttpResponse:
    if kind not in EXAMPLES:
        raise Http404
    response = HttpResponse(EXAMPLES[kind], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-example.csv"'
    return response


@login_required
@require(Cap.READ)
@require_GET
def api_docs(request: OrgRequest) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    context = {
        "doc": docs.docs_context(base_url=base),
        "base_url": base,
        "openapi_url": reverse("delivery:api_openapi"),
    }
    return render(request, "delivery/api/api_docs.html", context)
