"""Decision review views: put a decision on the agenda, take it off, and mark who is speaking (the
facilitator or a presenter, from the shared screen's keys or a laptop)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.http import OrgRequest
from collab.permissions import LEADERSHIP
from rituals.leadership import reviews, selectors
from rituals.leadership.forms import ReviewDecisionForm
from rituals.leadership.models import ReviewDecision
from rituals.models import Sync
from rituals.syncs.views.common import get_sync
from rituals.syncs.views.live import render_live

VIEWS = ("detail", "present")


def _review(request: OrgRequest, pk: int) -> Sync:
    sync = get_sync(request, pk)
    if not reviews.is_review(sync):
        raise PermissionDenied(_("Speaking time is tracked in leadership decision reviews."))
    return sync


def may_edit_agenda(request: OrgRequest, sync: Sync) -> bool:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_active:
        return False
    return sync.facilitator_id == membership.pk or membership.role in LEADERSHIP


def _back(request: OrgRequest, sync: Sync) -> HttpResponse:
    return redirect("rituals:sync_detail", pk=sync.pk)


@login_required
@require_POST
def review_decision_add(request: OrgRequest, pk: int) -> HttpResponse:
    sync = _review(request, pk)
    if not may_edit_agenda(request, sync):
        raise PermissionDenied(_("The facilitator or a leader sets the review's agenda."))
    org = request.org
    form = ReviewDecisionForm(
        request.POST,
        org=org,
        candidates=selectors.review_candidates(org=org),
        presenters=reviews.default_presenters(org.pk),
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request,
                f"{label}: {' '.join(str(e) for e in errors)}" if label else " ".join(str(e) for e in errors),
            )
        return _back(request, sync)
    data = form.cleaned_data
    source = reviews.Source()
    if data["source"]:
        record = selectors.candidate_record(org=org, value=data["source"])
        if record is None:
            messages.error(request, _("This record no longer exists in your organisation."))
            return _back(request, sync)
        kind = data["source"].partition(":")[0]
        source = reviews.Source(kind=kind, **{kind: record})
    try:
        reviews.review_decision_add(
            sync=sync,
            title=data["title"],
            context=data["context"],
            source=source,
            product_presenter=data["product_presenter"],
            tech_presenter=data["tech_presenter"],
            minutes=data["minutes"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is on the review's agenda."))
    return _back(request, sync)


@login_required
@require_POST
def review_decision_delete(request: OrgRequest, pk: int, decision_pk: int) -> HttpResponse:
    sync = _review(request, pk)
    if not may_edit_agenda(request, sync):
        raise PermissionDenied(_("The facilitator or a leader sets the review's agenda."))
    decision = get_object_or_404(ReviewDecision.objects.filter(sync=sync), pk=decision_pk)
    try:
        reviews.review_decision_remove(decision=decision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is off the agenda."))
    return _back(request, sync)


@login_required
@require_POST
def speaking_mark(request: OrgRequest, pk: int) -> HttpResponse:
    """`side`: product, tech, or none (nobody speaks)."""
    sync = _review(request, pk)
    decisions = selectors.review_decisions(sync=sync)
    if not selectors.may_mark_speaker(membership=request.membership, sync=sync, decisions=decisions):
        raise PermissionDenied(_("The facilitator or a presenter marks who speaks."))
    view = request.POST.get("view", "detail")
    view = view if view in VIEWS else "detail"
    side = request.POST.get("side", "")
    error = ""
    if side not in ("product", "tech", "none"):
        error = _("Choose product or tech.")
    else:
        try:
            reviews.speaking_mark(sync=sync, side=None if side == "none" else side, by=request.membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        return render_live(request, get_sync(request, sync.pk), view=view, error=error)
    if error:
        messages.error(request, error)
    return redirect("rituals:sync_present" if view == "present" else "rituals:sync_detail", pk=sync.pk)
