"""Feedback pages: the triage inbox (filters, link, create a feature, merge, dismiss, suggested
reach per feature), log by hand, import a CSV, and a feature's evidence."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Feature
from productops.feedback import csv_format, selectors, services
from productops.feedback.forms import CsvForm, DismissForm, FeedbackForm, LinkForm, NewFeatureForm
from productops.models import FeedbackItem
from productops.permissions import may_edit_feedback, require_feedback_editor
from productops.requests import flash_errors, request_editor, request_org


def _item(request: OrgRequest, pk: int) -> FeedbackItem:
    try:
        return selectors.feedback_get(org=request_org(request), pk=pk)
    except FeedbackItem.DoesNotExist as exc:
        raise Http404(_("No such feedback.")) from exc


def _back(request: OrgRequest) -> HttpResponse:
    """Back to the inbox with the filters the person had."""
    query = request.POST.get("next", "")
    return redirect(f"{_inbox_url()}?{query}" if query and "//" not in query else _inbox_url())


def _inbox_url() -> str:
    return reverse("productops:feedback_inbox")


@login_required
@require_GET
def feedback_inbox(request: OrgRequest) -> HttpResponse:
    org = request_org(request)
    source = request.GET.get("source", "")
    source = source if source in FeedbackItem.Source.values else ""
    status = request.GET.get("status", FeedbackItem.Status.UNTRIAGED)
    status = status if status in FeedbackItem.Status.values else ""
    segments = selectors.feedback_segments(org=org)
    segment = request.GET.get("segment", "")
    segment = segment if segment in segments else ""
    may_edit = may_edit_feedback(request.membership)
    return render(
        request,
        "productops/feedback_inbox.html",
        {
            "items": selectors.feedback_list(org=org, source=source, status=status, segment=segment)[:200],
            "reach": selectors.feedback_reach(org=org),
            "sources": FeedbackItem.Source.choices,
            "statuses": FeedbackItem.Status.choices,
            "segments": segments,
            "source": source,
            "status": status,
            "segment": segment,
            "query": request.GET.urlencode(),
            "may_edit": may_edit,
            "link_form": LinkForm(org=org) if may_edit else None,
            "feature_form": NewFeatureForm(org=org) if may_edit else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_create(request: OrgRequest) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_feedback_editor)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_create(org=org, by=by, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Feedback logged."))
            return redirect("productops:feedback_inbox")
    return render(request, "productops/feedback_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def feedback_import(request: OrgRequest) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_feedback_editor)
    form = CsvForm(request.POST or None, request.FILES or None)
    errors: list[csv_format.CsvError] = []
    if request.method == "POST" and form.is_valid():
        try:
            items = services.feedback_import_csv(org=org, by=by, content=form.cleaned_data["file"].read())
        except services.FeedbackImportError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("%(count)d feedback items imported.") % {"count": len(items)})
            return redirect("productops:feedback_inbox")
    return render(
        request,
        "productops/feedback_import.html",
        {"form": form, "errors": errors, "columns": csv_format.COLUMNS, "example": csv_format.EXAMPLE},
    )


@login_required
@require_POST
def feedback_link(request: OrgRequest, pk: int) -> HttpResponse:
    org = request_org(request)
    request_editor(request, require_feedback_editor)
    item = _item(request, pk)
    form = LinkForm(request.POST, org=org)
    if not form.is_valid():
        messages.error(request, _("Pick a feature of your organisation."))
        return _back(request)
    try:
        services.feedback_link(item=item, feature=form.cleaned_data["feature"])
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(request)


@login_required
@require_POST
def feedback_create_feature(request: OrgRequest, pk: int) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_feedback_editor)
    item = _item(request, pk)
    form = NewFeatureForm(request.POST, org=org)
    if not form.is_valid():
        messages.error(request, _("Pick a team and give the feature a title."))
        return _back(request)
    try:
        _item_after, feature = services.feedback_create_feature(item=item, by=by, **form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Feature %(key)s created from the feedback.") % {"key": feature.key})
    return _back(request)


@login_required
@require_POST
def feedback_merge(request: OrgRequest) -> HttpResponse:
    """Merge the ticked items into the one chosen to keep."""
    org = request_org(request)
    request_editor(request, require_feedback_editor)
    keep = request.POST.get("keep", "")
    if not keep.isdigit():
        messages.error(request, _("Choose the item to keep."))
        return _back(request)
    kept = _item(request, int(keep))
    ids = [int(v) for v in request.POST.getlist("duplicates") if v.isdigit()][:200]
    try:
        services.feedback_merge(kept=kept, duplicates=selectors.feedback_in(org=org, ids=ids))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Duplicates merged."))
    return _back(request)


@login_required
@require_POST
def feedback_dismiss(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_feedback_editor)
    item = _item(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this feedback is dismissed."))
        return _back(request)
    try:
        services.feedback_dismiss(item=item, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        flash_errors(request, exc)
    return _back(request)


@login_required
@require_GET
def feedback_evidence(request: OrgRequest, key: str) -> HttpResponse:
    try:
        feature = selectors.feedback_feature_get(org=request_org(request), key=key)
    except Feature.DoesNotExist as exc:
        raise Http404(_("No such feature.")) from exc
    return render(
        request,
        "productops/feedback_evidence.html",
        {
            "feature": feature,
            "items": selectors.feedback_evidence(feature=feature),
            "reach": selectors.feedback_reach_for(feature=feature),
        },
    )
