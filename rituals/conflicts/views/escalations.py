"""Escalation pages: the inbox per role, the list, one escalation with its decision, and opening
one from a sync item."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.permissions import Cap
from rituals.conflicts import selectors, services
from rituals.conflicts.common import levels_for
from rituals.conflicts.forms import DecideForm, EscalationFromItemForm
from rituals.conflicts.matrix import matrix
from rituals.conflicts.views._common import (
    choice,
    forbidden,
    may,
    org_required,
    paginate,
    query_without_page,
    sync_item_from_query,
    team_filter,
)
from rituals.models import Escalation, Sync

RECENTLY_DECIDED = 10
# An escalation waiting longer than this shows its age in red: the matrix is meant to be quick.
STALE_AFTER = timedelta(days=2)


@login_required
@org_required
@require_GET
def escalation_inbox(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    context = {
        "awaiting": list(selectors.escalation_inbox(membership=membership)),
        "decided": list(selectors.escalation_inbox(membership=membership, decided=True)[:RECENTLY_DECIDED]),
        "levels": sorted(levels_for(membership)),
        "stale_before": timezone.now() - STALE_AFTER,
        "matrix": matrix(),
    }
    return render(request, "rituals/conflicts/escalation_inbox.html", context)


@login_required
@org_required
@require_GET
def escalation_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    teams, team_slug, team = team_filter(request, org)
    level = choice(request.GET.get("level"), [1, 2, 3])
    status = choice(request.GET.get("status"), ["open", "decided"])
    escalations = selectors.escalation_list(org=org, level=int(level or 0), status=status, team=team)
    context = {
        "page": paginate(request, escalations),
        "teams": teams,
        "filters": {"team": team_slug, "level": level, "status": status},
        "filtered": any((team_slug, level, status)),
        "query": query_without_page(request),
        "stale_before": timezone.now() - STALE_AFTER,
    }
    return render(request, "rituals/conflicts/escalation_list.html", context)


def _get_escalation(request: OrgRequest, pk: int) -> Escalation:
    return get_object_or_404(selectors.escalations_of(org=request.org), pk=pk)


def _detail(
    request: OrgRequest, escalation: Escalation, form: DecideForm | None = None, status: int = 200
) -> HttpResponse:
    may_decide = services.escalation_may_decide(escalation=escalation, membership=request.membership)
    context = {
        "escalation": escalation,
        "may_decide": may_decide and escalation.decided_at is None,
        "form": form or DecideForm(),
        "matrix": matrix(),
    }
    return render(request, "rituals/conflicts/escalation_detail.html", context, status=status)


@login_required
@org_required
@require_GET
def escalation_detail(request: OrgRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_escalation(request, pk))


@login_required
@org_required
@require_POST
def escalation_decide(request: OrgRequest, pk: int) -> HttpResponse:
    escalation = _get_escalation(request, pk)
    if not services.escalation_may_decide(escalation=escalation, membership=request.membership):
        return forbidden(request)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.escalation_decide(
                escalation=escalation,
                decision=form.cleaned_data["decision"],
                by=request.membership,
            )
        except PermissionDenied:
            return forbidden(request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Decision recorded on %(key)s and sent back to its origin.") % {"key": escalation.key},
            )
            return redirect("rituals:escalation_detail", pk=escalation.pk)
    return _detail(request, escalation, form, status=400)


@login_required
@org_required
@require_POST
def escalation_raise(request: OrgRequest, pk: int) -> HttpResponse:
    escalation = _get_escalation(request, pk)
    try:
        services.escalation_raise(escalation=escalation, by=request.membership)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(key)s passed up to level %(level)s.")
            % {"key": escalation.key, "level": escalation.level + 1},
        )
    return redirect("rituals:escalation_detail", pk=escalation.pk)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def escalation_create(request: OrgRequest) -> HttpResponse:
    """From a sync item (`?item=<id>`): the escalation section's "escalate" on an item."""
    item = sync_item_from_query(request)
    if item is None:
        raise Http404
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = EscalationFromItemForm(request.POST or None, initial={"title": item.label, "context": item.notes})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = services.escalation_open_from_item(
                item=item,
                title=data["title"],
                category=data["category"],
                level=data["level"],
                context=data["context"],
                by=request.membership,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(key)s sent to level %(level)s. The deciders were notified.")
                % {"key": escalation.key, "level": escalation.level},
            )
            if item.sync.status == Sync.Status.CLOSED:
                return redirect("rituals:escalation_detail", pk=escalation.pk)
            # Escalating during a sync keeps the person in it: back to the item on the sync page.
            return redirect(reverse("rituals:sync_detail", args=[item.sync_id]) + f"#item-{item.pk}")
    return render(
        request, "rituals/conflicts/escalation_form.html", {"form": form, "item": item, "matrix": matrix()}
    )
