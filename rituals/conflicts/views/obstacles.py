"""Obstacle pages: list with filters, raise one (also from a sync item), detail, resolve."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.permissions import Cap
from rituals.conflicts import selectors, services
from rituals.conflicts.forms_records import ObstacleForm, ObstacleResolveForm
from rituals.conflicts.views._common import (
    choice,
    forbidden,
    may,
    org_required,
    paginate,
    query_without_page,
    reopen_record,
    resolve_from_form,
    sync_item_from_query,
    team_filter,
)
from rituals.models import Obstacle, Sync


@login_required
@org_required
@require_GET
def obstacle_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    teams, team_slug, team = team_filter(request, org)
    kind = choice(request.GET.get("kind"), Obstacle.Kind.values)
    status = choice(request.GET.get("status", "open"), ["open", "resolved", "all"])
    mine = request.GET.get("mine") == "1"
    obstacles = selectors.obstacle_list(
        org=org,
        team=team,
        kind=kind,
        status=status,
        owner=request.membership if mine else None,
    )
    context = {
        "page": paginate(request, obstacles),
        "teams": teams,
        "kinds": Obstacle.Kind.choices,
        "filters": {"team": team_slug, "kind": kind, "status": status, "mine": mine},
        "filtered": any((team_slug, kind, mine)) or status != "open",
        "query": query_without_page(request),
    }
    return render(request, "rituals/conflicts/obstacle_list.html", context)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def obstacle_create(request: OrgRequest) -> HttpResponse:
    """Raise an obstacle; `?item=<sync item id>` takes it from a sync item (the issues section)."""
    org = request.org
    item = sync_item_from_query(request)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial: dict[str, Any] = {"owner": request.membership}
    if item is not None:
        initial.update({"title": item.label, "description": item.notes, "team": item.sync.team_id})
    form = ObstacleForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        sync: Sync | None = item.sync if item is not None else None
        try:
            obstacle = services.obstacle_create(
                org=org,
                by=request.membership,
                raised_in_sync=sync,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(key)s raised.") % {"key": obstacle.key})
            return redirect("rituals:obstacle_detail", pk=obstacle.pk)
    return render(request, "rituals/conflicts/obstacle_form.html", {"form": form, "item": item})


def _get_obstacle(request: OrgRequest, pk: int) -> Obstacle:
    return get_object_or_404(selectors.obstacles_of(org=request.org), pk=pk)


def _detail(request: OrgRequest, obstacle: Obstacle, status: int = 200, **forms: Any) -> HttpResponse:
    org = request.org
    initial = {
        "team": obstacle.team_id,
        "kind": obstacle.kind,
        "title": obstacle.title,
        "description": obstacle.description,
        "owner": obstacle.owner_id,
    }
    context = {
        "obstacle": obstacle,
        "one_on_ones": list(
            selectors.one_on_ones_visible(org=org, membership=request.membership).filter(obstacles=obstacle)
        ),
        "may_work": may(request, Cap.CONTRIBUTE),
        "edit_form": forms.get("edit_form") or ObstacleForm(org=org, initial=initial),
        "resolve_form": forms.get("resolve_form") or ObstacleResolveForm(),
    }
    return render(request, "rituals/conflicts/obstacle_detail.html", context, status=status)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def obstacle_detail(request: OrgRequest, pk: int) -> HttpResponse:
    obstacle = _get_obstacle(request, pk)
    if request.method == "POST":
        if not may(request, Cap.CONTRIBUTE):
            return forbidden(request)
        form = ObstacleForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                services.obstacle_update(obstacle=obstacle, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("rituals:obstacle_detail", pk=obstacle.pk)
        return _detail(request, obstacle, status=400, edit_form=form)
    return _detail(request, obstacle)


@login_required
@org_required
@require_POST
def obstacle_resolve(request: OrgRequest, pk: int) -> HttpResponse:
    obstacle = _get_obstacle(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = ObstacleResolveForm(request.POST)
    if resolve_from_form(
        request, form, partial(services.obstacle_resolve, obstacle=obstacle), key=obstacle.key
    ):
        return redirect("rituals:obstacle_detail", pk=obstacle.pk)
    return _detail(request, obstacle, status=400, resolve_form=form)


@login_required
@org_required
@require_POST
def obstacle_reopen(request: OrgRequest, pk: int) -> HttpResponse:
    obstacle = _get_obstacle(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    reopen_record(request, partial(services.obstacle_reopen, obstacle=obstacle), key=obstacle.key)
    return redirect("rituals:obstacle_detail", pk=obstacle.pk)
