"""Tech wins (write, send to product, review, share), user interviews, the two targets, and the
dashboard panels (leadership figures on the overview, interview shares on collaboration health)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Organisation
from collab.permissions import Cap
from rituals.conflicts.views._common import forbidden, may, org_required, paginate, query_without_page
from rituals.leadership import records, selectors, speaking
from rituals.leadership.forms import InterviewForm, LeadershipTargetsForm, TechWinForm, TechWinReviewForm
from rituals.leadership.models import TechWin, UserInterview

# --- Tech wins ----------------------------------------------------------------------------------


def _win_input(form: TechWinForm) -> records.TechWinInput:
    data = form.cleaned_data
    return records.TechWinInput(
        title=data["title"],
        metric=data["metric"],
        unit=data["unit"],
        before=data["before"],
        after=data["after"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        story=data["story"],
        team=data["team"],
        feature=data["feature"],
        deployment=data["deployment"],
    )


@login_required
@org_required
@require_GET
def tech_win_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    status = request.GET.get("status", "")
    status = status if status in TechWin.Status.values else ""
    context = {
        "page": paginate(request, selectors.tech_win_list(org=org, status=status or None)),
        "status": status,
        "statuses": TechWin.Status.choices,
        "per_quarter": selectors.tech_wins_per_quarter(org=org),
        "can_add": may(request, Cap.CONTRIBUTE),
        "query": query_without_page(request),
    }
    return render(request, "rituals/leadership/techwin_list.html", context)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def tech_win_create(request: OrgRequest) -> HttpResponse:
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = TechWinForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        try:
            win = records.tech_win_create(org=request.org, data=_win_input(form), by=request.membership)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(key)s is saved as a draft.") % {"key": win.key})
            return redirect("rituals:tech_win_detail", pk=win.pk)
    return render(request, "rituals/leadership/techwin_form.html", {"form": form, "win": None})


def _win(request: OrgRequest, pk: int) -> TechWin:
    return get_object_or_404(selectors.tech_win_list(org=request.org), pk=pk)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def tech_win_edit(request: OrgRequest, pk: int) -> HttpResponse:
    win = _win(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial = {
        name: getattr(win, name)
        for name in ("title", "metric", "unit", "before", "after", "period_start", "period_end", "story")
    } | {"team": win.team_id, "feature": win.feature_id, "deployment": win.deployment_id}
    form = TechWinForm(request.POST or None, org=request.org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            records.tech_win_update(win=win, data=_win_input(form))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(key)s is saved.") % {"key": win.key})
            return redirect("rituals:tech_win_detail", pk=win.pk)
    return render(request, "rituals/leadership/techwin_form.html", {"form": form, "win": win})


@login_required
@org_required
@require_GET
def tech_win_detail(request: OrgRequest, pk: int) -> HttpResponse:
    win = _win(request, pk)
    context = {
        "win": win,
        "can_edit": may(request, Cap.CONTRIBUTE) and win.status in records.EDITABLE,
        "can_review": records.may_review_tech_win(request.membership)
        and win.status == TechWin.Status.IN_REVIEW,
        "review_form": TechWinReviewForm(),
    }
    return render(request, "rituals/leadership/techwin_detail.html", context)


@login_required
@org_required
@require_POST
def tech_win_submit(request: OrgRequest, pk: int) -> HttpResponse:
    win = _win(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    try:
        records.tech_win_submit(win=win)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(key)s is with product for review.") % {"key": win.key})
    return redirect("rituals:tech_win_detail", pk=win.pk)


@login_required
@org_required
@require_POST
def tech_win_review(request: OrgRequest, pk: int) -> HttpResponse:
    win = _win(request, pk)
    if not records.may_review_tech_win(request.membership):
        return forbidden(request)
    form = TechWinReviewForm(request.POST)
    if form.is_valid():
        try:
            records.tech_win_review(
                win=win,
                by=request.membership,
                approve=form.cleaned_data["decision"] == "share",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your review of %(key)s is recorded.") % {"key": win.key})
            return redirect("rituals:tech_win_detail", pk=win.pk)
    context = {"win": win, "can_edit": False, "can_review": True, "review_form": form}
    return render(request, "rituals/leadership/techwin_detail.html", context, status=400)


# --- User interviews ----------------------------------------------------------------------------


def _interview_input(form: InterviewForm) -> records.InterviewInput:
    data = form.cleaned_data
    attendees = [records.AttendeeInput(role=m.role, membership=m) for m in data["members"]]
    attendees += [records.AttendeeInput(role="customer", name=name) for name in form.customer_names()]
    return records.InterviewInput(
        team=data["team"],
        held_on=data["held_on"],
        customer=data["customer"],
        notes=data["notes"],
        attendees=attendees,
        feedback_items=list(data["feedback_items"]),
        features=list(data["features"]),
    )


@login_required
@org_required
@require_GET
def interview_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    quarters, shares = selectors.interview_shares(org=org)
    context = {
        "page": paginate(request, selectors.interview_list(org=org)),
        "quarters": quarters,
        "shares": shares,
        "target": selectors.interview_target(org),
        "can_add": may(request, Cap.CONTRIBUTE),
        "can_edit_targets": may(request, Cap.MANAGE_ORG),
        "query": query_without_page(request),
    }
    return render(request, "rituals/leadership/interview_list.html", context)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def interview_create(request: OrgRequest) -> HttpResponse:
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = InterviewForm(request.POST or None, org=request.org, initial={"members": [request.membership.pk]})
    if request.method == "POST" and form.is_valid():
        try:
            interview = records.interview_create(
                org=request.org, data=_interview_input(form), by=request.membership
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The interview is recorded."))
            return redirect("rituals:interview_detail", pk=interview.pk)
    return render(request, "rituals/leadership/interview_form.html", {"form": form, "interview": None})


def _interview(request: OrgRequest, pk: int) -> UserInterview:
    return get_object_or_404(selectors.interview_list(org=request.org), pk=pk)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def interview_edit(request: OrgRequest, pk: int) -> HttpResponse:
    interview = _interview(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    attendees = list(interview.attendees.all())
    linked = [f.pk for f in interview.feedback_items.all()]
    initial = {
        "team": interview.team_id,
        "held_on": interview.held_on,
        "customer": interview.customer,
        "notes": interview.notes,
        "members": [a.membership_id for a in attendees if a.membership_id],
        "customers": ", ".join(a.name for a in attendees if a.membership_id is None and a.name),
        "feedback_items": linked,
        "features": [f.pk for f in interview.features.all()],
    }
    form = InterviewForm(request.POST or None, org=request.org, linked=linked, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            records.interview_update(interview=interview, data=_interview_input(form))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The interview is saved."))
            return redirect("rituals:interview_detail", pk=interview.pk)
    return render(request, "rituals/leadership/interview_form.html", {"form": form, "interview": interview})


@login_required
@org_required
@require_GET
def interview_detail(request: OrgRequest, pk: int) -> HttpResponse:
    interview = _interview(request, pk)
    context = {"interview": interview, "can_edit": may(request, Cap.CONTRIBUTE)}
    return render(request, "rituals/leadership/interview_detail.html", context)


@login_required
@org_required
@require_POST
def interview_delete(request: OrgRequest, pk: int) -> HttpResponse:
    interview = _interview(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    records.interview_delete(interview=interview)
    messages.success(request, _("The interview is deleted."))
    return redirect("rituals:interview_list")


# --- Targets and dashboard panels ---------------------------------------------------------------


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def leadership_targets(request: OrgRequest) -> HttpResponse:
    if not may(request, Cap.MANAGE_ORG):
        return forbidden(request)
    org = request.org
    initial = {
        "speaking_share_min": speaking.percent(selectors.speaking_target(org)),
        "interview_engineer_share": speaking.percent(selectors.interview_target(org)),
    }
    form = LeadershipTargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        _targets_save(org, form.cleaned_data)
        messages.success(request, _("The targets are saved."))
        return redirect("rituals:leadership_targets")
    return render(request, "rituals/leadership/targets.html", {"form": form})


@transaction.atomic
def _targets_save(org: Organisation, data: dict[str, Any]) -> None:
    """Set the two keys in the organisation's targets, leaving the metric targets as they are."""
    locked = Organisation.objects.select_for_update().get(pk=org.pk)
    targets = dict(locked.targets) if isinstance(locked.targets, dict) else {}
    targets[selectors.SPEAKING_TARGET] = data["speaking_share_min"] / 100
    targets[selectors.INTERVIEW_TARGET] = data["interview_engineer_share"] / 100
    locked.targets = targets
    locked.save(update_fields=["targets"])


@login_required
@org_required
@require_GET
def overview_panel(request: OrgRequest) -> HttpResponse:
    """The leadership figures beside the metrics overview: speaking balance of the last decision
    reviews against the target, the tech wins shared and their count per quarter."""
    org = request.org
    target = selectors.speaking_target(org)
    trend = selectors.speaking_trend(org=org)
    balanced = [p for p in trend if p.shares.balanced(target)]
    context = {
        "trend": trend,
        "target": target,
        "target_low": speaking.percent(target),
        "target_high": speaking.percent(1 - target),
        "balanced_count": len(balanced),
        "wins": selectors.tech_win_list(org=org, status=TechWin.Status.SHARED).order_by("-shared_at", "-id")[
            :5
        ],
        "per_quarter": selectors.tech_wins_per_quarter(org=org),
        "can_edit_targets": may(request, Cap.MANAGE_ORG),
    }
    return render(request, "rituals/leadership/_overview_panel.html", context)


@login_required
@org_required
@require_GET
def health_panel(request: OrgRequest) -> HttpResponse:
    org = request.org
    quarters, shares = selectors.interview_shares(org=org)
    context = {
        "quarters": quarters,
        "shares": shares,
        "target": selectors.interview_target(org),
        "can_edit_targets": may(request, Cap.MANAGE_ORG),
    }
    return render(request, "rituals/leadership/_health_panel.html", context)
