"""The live sync: presenter mode for the shared screen, the poll every screen runs each second, and
the facilitator's moves (start, next, previous, go to, pause, resume, hand over)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from collab.http import OrgRequest
from rituals.models import Sync
from rituals.syncs import selectors, services
from rituals.syncs.forms import HandoffForm
from rituals.syncs.timer import section_elapsed
from rituals.syncs.views.common import (
    VIEWS,
    ensure_org,
    get_sync,
    live_context,
    poll_token_org,
    section_or_404,
)

LIVE_TEMPLATES = {
    "present": "rituals/syncs/sync_present.html#live",
    "detail": "rituals/syncs/sync_detail.html#live",
}


def _view_name(request: OrgRequest) -> str:
    name = request.POST.get("view") or request.GET.get("view") or "detail"
    return name if name in VIEWS else "detail"


def render_live(request: OrgRequest, sync: Sync, *, view: str, error: str = "") -> HttpResponse:
    context = live_context(request, sync, view=view)
    context["error"] = error
    response = render(request, LIVE_TEMPLATES[view], context)
    response["Cache-Control"] = "no-store"
    response["X-Server-Now"] = str(context["server_now_ms"])
    return response


@login_required
@require_GET
def sync_present(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    return render(request, "rituals/syncs/sync_present.html", live_context(request, sync, view="present"))


# --- The poll --------------------------------------------------------------------------------------


def _timer_headers(response: HttpResponse, row: tuple[Any, ...]) -> None:
    _revision, status, paused_at, started_at, ended_at, paused_seconds, planned = row
    now = timezone.now()
    response["X-Server-Now"] = f"{now.timestamp() * 1000:.0f}"
    response["X-Sync-Status"] = status
    if started_at is not None:
        elapsed = section_elapsed(
            started_at=started_at,
            ended_at=ended_at,
            paused_seconds=paused_seconds or 0.0,
            sync_paused_at=paused_at,
            now=now,
        )
        response["X-Section-Elapsed"] = f"{elapsed:.3f}"
        response["X-Section-Planned"] = str((planned or 0) * 60)
        response["X-Sync-Paused"] = "1" if paused_at else "0"


_PK, _ORG, _MEMBER = 7_000_000_001, 7_000_000_002, 7_000_000_003  # tell the compiled parameters apart


@functools.cache
def _poll_sql() -> tuple[str, tuple[str, ...]]:
    """The unchanged-poll query, compiled by the ORM once (compiling it costs more than running it):
    the revision and timer fields of the sync and its current section, by primary key and org, and
    only while the poller's membership of that org (and their account) is active."""
    query = Sync.objects.filter(
        pk=_PK,
        org_id=_ORG,
        org__memberships__pk=_MEMBER,
        org__memberships__is_active=True,
        org__memberships__user__is_active=True,
    ).values_list(
        "revision",
        "status",
        "paused_at",
        "current_section__started_at",
        "current_section__ended_at",
        "current_section__paused_seconds",
        "current_section__planned_minutes",
    )[:1]
    sql, params = query.query.sql_with_params()
    names = {_PK: "pk", _ORG: "org", _MEMBER: "member"}
    return sql, tuple(names[p] for p in params)


@never_cache
@require_GET
def sync_poll(request: OrgRequest, pk: int) -> HttpResponse:
    """Every screen asks each second whether the sync changed since the revision it shows.

    Unchanged (the common case): one primary-key query, no session, no template — 204, which htmx
    ignores, with the server's clock and the section's elapsed seconds in headers so the client
    timer stays in step. Changed, or no valid poll token: the normal authenticated path renders
    the live region again."""
    known = request.GET.get("rev", "")
    token = poll_token_org(request)
    if token is not None and known.isdigit():
        sql, order = _poll_sql()
        values = {"pk": pk, "org": token[0], "member": token[1]}
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[name] for name in order])
            row = cursor.fetchone()
        if row is None:
            raise Http404
        if row[0] == int(known):
            response = HttpResponse(status=204)
            _timer_headers(response, row)
            return response
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(request.get_full_path())
        return redirect_to_login(request.get_full_path())
    ensure_org(request)
    sync = get_sync(request, pk)
    return render_live(request, sync, view=_view_name(request))


# The middleware can leave the organisation lookup out for this view (it reads no session).
sync_poll.skips_org_lookup = True  # type: ignore[attr-defined]


# --- The facilitator's moves -----------------------------------------------------------------------


def _facilitator_sync(request: OrgRequest, pk: int) -> Sync:
    sync = get_sync(request, pk)
    if sync.facilitator_id != getattr(request.membership, "pk", None):
        raise PermissionDenied(_("Only the facilitator moves the sync."))
    return sync


def _after_move(request: OrgRequest, sync: Sync, error: str = "") -> HttpResponse:
    view = _view_name(request)
    fresh = get_sync(request, sync.pk)
    if request.htmx:
        return render_live(request, fresh, view=view, error=error)
    if error:
        messages.error(request, error)
    return redirect("rituals:sync_present" if view == "present" else "rituals:sync_detail", pk=sync.pk)


def _expected(request: OrgRequest) -> int | None:
    value = request.POST.get("at", "")
    return int(value) if value.isdigit() else None


def _move(request: OrgRequest, pk: int, action: Any) -> HttpResponse:
    sync = _facilitator_sync(request, pk)
    try:
        action(sync)
    except ValidationError as exc:
        return _after_move(request, sync, error=" ".join(exc.messages))
    return _after_move(request, sync)


@login_required
@require_POST
def sync_start(request: OrgRequest, pk: int) -> HttpResponse:
    return _move(request, pk, lambda sync: services.sync_start(sync=sync))


@login_required
@require_POST
def sync_next(request: OrgRequest, pk: int) -> HttpResponse:
    return _move(
        request, pk, lambda sync: services.sync_next(sync=sync, expected_current_id=_expected(request))
    )


@login_required
@require_POST
def sync_previous(request: OrgRequest, pk: int) -> HttpResponse:
    return _move(
        request, pk, lambda sync: services.sync_previous(sync=sync, expected_current_id=_expected(request))
    )


@login_required
@require_POST
def sync_goto(request: OrgRequest, pk: int) -> HttpResponse:
    def go(sync: Sync) -> None:
        services.sync_goto(sync=sync, section=section_or_404(sync, request.POST.get("section")))

    return _move(request, pk, go)


@login_required
@require_POST
def sync_pause(request: OrgRequest, pk: int) -> HttpResponse:
    """Pause or resume (`action`); without an action it toggles."""
    action = request.POST.get("action", "")

    def toggle(sync: Sync) -> None:
        if action == "resume" or (not action and sync.paused_at is not None):
            services.sync_resume(sync=sync)
        else:
            services.sync_pause(sync=sync)

    return _move(request, pk, toggle)


@login_required
@require_POST
def sync_facilitator(request: OrgRequest, pk: int) -> HttpResponse:
    """Hand the facilitator role over to another member of the team."""
    sync = get_sync(request, pk)
    access = selectors.sync_access(membership=request.membership, sync=sync)
    if not access.can_handoff:
        raise PermissionDenied(_("Only the facilitator hands the role over."))
    members = selectors.team_member_memberships(team=sync.team) if sync.team else None
    form = HandoffForm(request.POST, members=members if members is not None else sync.org.memberships.none())
    if form.is_valid():
        try:
            services.sync_facilitator_set(sync=sync, membership=form.cleaned_data["membership"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s now facilitates the sync.") % {"name": form.cleaned_data["membership"].user},
            )
    else:
        messages.error(request, _("Choose a member of the team."))
    return redirect("rituals:sync_detail", pk=sync.pk)
