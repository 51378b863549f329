"""Weekly 1:1 notes between a product leader and a PM. Only the two people and the
organisation's leadership see a 1:1; anyone else gets 404, as if it didn't exist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Role
from rituals.conflicts import selectors, services
from rituals.conflicts.forms_records import OneOnOneForm
from rituals.conflicts.views._common import forbidden, org_required
from rituals.models import OneOnOne


def _may_write(request: OrgRequest) -> bool:
    membership = request.membership
    return membership is not None and (
        membership.role in services.LEADER_ROLES
        or membership.role == Role.PM
        or selectors.may_see_all_one_on_ones(membership)
    )


@login_required
@org_required
@require_GET
def one_on_one_list(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    context = {
        "pairs": selectors.one_on_one_pairs(org=request.org, membership=membership),
        "sees_all": selectors.may_see_all_one_on_ones(membership),
        "may_write": _may_write(request),
    }
    return render(request, "rituals/conflicts/one_on_one_list.html", context)


@login_required
@org_required
@require_GET
def one_on_one_pair(request: OrgRequest, leader_id: int, pm_id: int) -> HttpResponse:
    visible = selectors.one_on_ones_visible(org=request.org, membership=request.membership)
    notes = list(visible.filter(leader_id=leader_id, pm_id=pm_id).prefetch_related("obstacles__team"))
    if not notes:
        raise Http404
    return render(
        request,
        "rituals/conflicts/one_on_one_pair.html",
        {"notes": notes, "leader": notes[0].leader, "pm": notes[0].pm, "may_write": _may_write(request)},
    )


def _save_new_obstacle(request: OrgRequest, data: dict[str, Any]) -> list[Any]:
    obstacles = list(data["obstacles"])
    if data.get("new_obstacle_title"):
        obstacles.append(
            services.obstacle_create(
                org=request.org,
                team=data["new_obstacle_team"],
                kind=data["new_obstacle_kind"],
                title=data["new_obstacle_title"],
                by=request.membership,
                owner=data.get("pm") or None,
            )
        )
    return obstacles


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def one_on_one_create(request: OrgRequest) -> HttpResponse:
    org = request.org
    membership = request.membership
    if not _may_write(request):
        return forbidden(request)
    initial: dict[str, Any] = {}
    if membership.role in services.LEADER_ROLES:
        initial["leader"] = membership.pk
    elif membership.role == Role.PM:
        initial["pm"] = membership.pk
    for field in ("leader", "pm"):
        if (request.GET.get(field) or "").isdigit():
            initial[field] = int(request.GET[field])
    form = OneOnOneForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not selectors.may_see_all_one_on_ones(membership) and membership not in (
            data["leader"],
            data["pm"],
        ):
            form.add_error(
                None, _("Write the notes of your own 1:1s: you are neither the leader nor the PM.")
            )
        else:
            try:
                with transaction.atomic():
                    one_on_one = services.one_on_one_create(
                        org=org,
                        leader=data["leader"],
                        pm=data["pm"],
                        held_at=data["held_at"],
                        learnings=data["learnings"],
                        follow_ups=data["follow_ups"],
                        notes=data["notes"],
                        obstacles=_save_new_obstacle(request, data),
                        by=membership,
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("1:1 notes saved."))
                return redirect("rituals:one_on_one_detail", pk=one_on_one.pk)
    return render(request, "rituals/conflicts/one_on_one_form.html", {"form": form})


def _get_visible(request: OrgRequest, pk: int) -> OneOnOne:
    visible = selectors.one_on_ones_visible(org=request.org, membership=request.membership)
    return get_object_or_404(visible.prefetch_related("obstacles__team", "obstacles__owner__user"), pk=pk)


@login_required
@org_required
@require_GET
def one_on_one_detail(request: OrgRequest, pk: int) -> HttpResponse:
    one_on_one = _get_visible(request, pk)
    membership = request.membership
    may_edit = membership.pk in (one_on_one.leader_id, one_on_one.pm_id)
    return render(
        request, "rituals/conflicts/one_on_one_detail.html", {"one_on_one": one_on_one, "may_edit": may_edit}
    )


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def one_on_one_edit(request: OrgRequest, pk: int) -> HttpResponse:
    one_on_one = _get_visible(request, pk)
    membership = request.membership
    if membership.pk not in (one_on_one.leader_id, one_on_one.pm_id):
        # Leadership reads every 1:1 but only the two people write in theirs.
        return forbidden(request)
    initial = {
        "held_at": one_on_one.held_at,
        "learnings": one_on_one.learnings,
        "follow_ups": one_on_one.follow_ups,
        "notes": one_on_one.notes,
        "obstacles": [o.pk for o in one_on_one.obstacles.all()],
    }
    form = OneOnOneForm(request.POST or None, org=request.org, instance=one_on_one, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "pm": one_on_one.pm}
        try:
            with transaction.atomic():
                services.one_on_one_update(
                    one_on_one=one_on_one,
                    held_at=data["held_at"],
                    learnings=data["learnings"],
                    follow_ups=data["follow_ups"],
                    notes=data["notes"],
                    obstacles=_save_new_obstacle(request, data),
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("1:1 notes saved."))
            return redirect("rituals:one_on_one_detail", pk=one_on_one.pk)
    return render(request, "rituals/conflicts/one_on_one_form.html", {"form": form, "one_on_one": one_on_one})
