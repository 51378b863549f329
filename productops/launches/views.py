"""Launch pages: upcoming and past launches with their readiness and the post-launch reviews due;
a launch plan (date, tier, owners, checklist); the organisation's launch template; the post-launch
review that feeds the feature's acceptance review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.features.permissions import may_edit_feature
from collab.forms import add_errors
from collab.http import OrgRequest
from productops.launches import defaults, selectors, services
from productops.launches.forms import (
    AcceptanceForm,
    ChecklistForm,
    LaunchForm,
    LaunchTemplateForm,
    MeasuredForm,
)
from productops.models import Launch
from productops.permissions import (
    may_edit_launch_template,
    may_edit_launches,
    require_launch_editor,
    require_launch_template_editor,
)
from productops.requests import request_editor, request_org


def _launch(request: OrgRequest, pk: int) -> Launch:
    try:
        return selectors.launch_get(org=request_org(request), pk=pk)
    except Launch.DoesNotExist as exc:
        raise Http404(_("No such launch.")) from exc


def _rule() -> dict[str, int]:
    return {"no_go_days": defaults.NO_GO_DAYS, "review_days": defaults.REVIEW_AFTER_DAYS}


@login_required
@require_GET
def launch_list(request: OrgRequest) -> HttpResponse:
    org = request_org(request)
    return render(
        request,
        "productops/launch_list.html",
        {
            "upcoming": selectors.launch_rows(org=org, upcoming=True),
            "past": selectors.launch_rows(org=org, upcoming=False),
            "due": selectors.reviews_due(org=org),
            "may_edit": may_edit_launches(request.membership),
            "may_edit_template": may_edit_launch_template(request.membership),
            **_rule(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def launch_create(request: OrgRequest) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_launch_editor)
    initial = {}
    if feature_key := request.GET.get("feature", "")[:64]:
        initial["feature"] = selectors.launch_features(org=org).filter(key=feature_key).first()
    form = LaunchForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            launch = services.launch_create(org=org, by=by, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Launch plan created."))
            return redirect("productops:launch_detail", pk=launch.pk)
    return render(request, "productops/launch_form.html", {"form": form, "launch": None})


@login_required
@require_http_methods(["GET", "POST"])
def launch_edit(request: OrgRequest, pk: int) -> HttpResponse:
    org = request_org(request)
    request_editor(request, require_launch_editor)
    launch = _launch(request, pk)
    initial = {
        "launch_on": launch.launch_on,
        "tier": launch.tier,
        "owners": list(launch.owners.all()),
        "notes": launch.notes,
    }
    form = LaunchForm(request.POST or None, org=org, launch=launch, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.launch_update(launch=launch, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Launch plan saved."))
            return redirect("productops:launch_detail", pk=launch.pk)
    return render(request, "productops/launch_form.html", {"form": form, "launch": launch})


@login_required
@require_GET
def launch_detail(request: OrgRequest, pk: int) -> HttpResponse:
    launch = _launch(request, pk)
    row = selectors.launch_row(launch=launch)
    return render(
        request,
        "productops/launch_detail.html",
        {
            "row": row,
            "launch": launch,
            "checklist_form": ChecklistForm(),
            "may_edit": may_edit_launches(request.membership),
            **_rule(),
        },
    )


@login_required
@require_POST
def launch_checklist(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_launch_editor)
    launch = _launch(request, pk)
    form = ChecklistForm(request.POST)
    done = {int(v) for v in request.POST.getlist("done") if v.isdigit() and len(v) < 4}
    if not form.is_valid():
        messages.error(request, _("An item has at most 300 characters."))
        return redirect("productops:launch_detail", pk=launch.pk)
    try:
        services.launch_checklist_update(launch=launch, done=done, extra=form.cleaned_data["extra"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Checklist saved."))
    return redirect("productops:launch_detail", pk=launch.pk)


@login_required
@require_POST
def launch_delete(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_launch_editor)
    services.launch_delete(launch=_launch(request, pk))
    messages.success(request, _("Launch plan deleted."))
    return redirect("productops:launch_list")


@login_required
@require_http_methods(["GET", "POST"])
def launch_template(request: OrgRequest) -> HttpResponse:
    org = request_org(request)
    require_launch_template_editor(getattr(request, "membership", None))
    template = services.launch_template_ensure(org=org)
    form = LaunchTemplateForm(request.POST or None, initial=LaunchTemplateForm.initial_from(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.launch_template_update(org=org, checklist=form.items())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Launch template saved."))
            return redirect("productops:launch_list")
    return render(request, "productops/launch_template_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def launch_review(request: OrgRequest, pk: int) -> HttpResponse:
    launch = _launch(request, pk)
    row = selectors.launch_row(launch=launch)
    review = row.review
    criteria = selectors.spec_criteria(feature=launch.feature)
    initial = {}
    if review is not None:
        for i, m in enumerate(review.measurements[: len(criteria)]):
            initial[f"measured_{i}"], initial[f"met_{i}"] = m.get("measured", ""), m.get("met", False)
    may_edit = may_edit_launches(request.membership)
    form = MeasuredForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST":
        by = request_editor(request, require_launch_editor)
        if form.is_valid():
            try:
                services.review_save(launch=launch, by=by, measured=form.measured())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Measured values saved."))
                return redirect("productops:launch_review", pk=launch.pk)
    return render(
        request,
        "productops/launch_review.html",
        {
            "launch": launch,
            "row": row,
            "review": review,
            "form": form,
            "acceptance_form": AcceptanceForm(),
            "may_edit": may_edit,
            "locked": review is not None and review.acceptance_review_id is not None,
        },
    )


@login_required
@require_POST
def launch_review_accept(request: OrgRequest, pk: int) -> HttpResponse:
    by = request_editor(request, require_launch_editor)
    launch = _launch(request, pk)
    if not may_edit_feature(by, launch.feature.team_id):
        raise PermissionDenied(_("Only the people who edit this feature record its acceptance review."))
    form = AcceptanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accepted or rejected."))
        return redirect("productops:launch_review", pk=launch.pk)
    try:
        services.review_to_acceptance(launch=launch, by=by, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The acceptance review of %(key)s is recorded.") % {"key": launch.feature.key}
        )
    return redirect("productops:launch_review", pk=launch.pk)
