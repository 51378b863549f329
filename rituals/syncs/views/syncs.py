"""Sync pages for laptops: the list, preparing a new sync, the participants' page with what they
add, closing, the summary (Markdown download, e-mail, team pulse)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Team
from collab.permissions import Cap, can, require
from rituals.models import ActionItem, Decision, Ritual, Sync, SyncItem
from rituals.syncs import defaults, selectors, services, trackers
from rituals.syncs.forms import (
    ActionItemForm,
    CloseForm,
    DecisionForm,
    HandoffForm,
    ItemForm,
    PulseForm,
    SyncCreateForm,
)
from rituals.syncs.markdown import summary_markdown
from rituals.syncs.services.common import org_tz
from rituals.syncs.views.common import TEXT_TEMPLATE, get_sync, live_context, localise
from rituals.syncs.views.live import render_live

STATUS_FILTERS = {"upcoming": Sync.Status.SCHEDULED, "live": Sync.Status.LIVE, "past": Sync.Status.CLOSED}


@login_required
@require_GET
def sync_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    if org is None:
        return render(request, "collab/no_organisation.html")
    teams = list(Team.objects.filter(org=org).order_by("name"))
    team = next((t for t in teams if t.slug == request.GET.get("team")), None)
    status = request.GET.get("status", "")
    ritual = request.GET.get("ritual", "")
    ritual = ritual if ritual in Ritual.values else ""
    base = selectors.sync_list(org=org, team=team, ritual=ritual or None)
    show = {key: not status or status == key for key in STATUS_FILTERS}
    live = list(base.filter(status=Sync.Status.LIVE).order_by("started_at")) if show["live"] else []
    upcoming = (
        list(base.filter(status=Sync.Status.SCHEDULED).order_by("scheduled_at", "id")[:50])
        if show["upcoming"]
        else []
    )
    past_page = (
        Paginator(base.filter(status=Sync.Status.CLOSED).order_by("-ended_at", "-id"), 20).get_page(
            request.GET.get("page")
        )
        if show["past"]
        else None
    )
    schedules = list(selectors.schedule_list(org=org, team=team).filter(active=True))
    context = {
        "teams": teams,
        "team": team,
        "status": status,
        "ritual": ritual,
        "rituals": Ritual.choices,
        "live": live,
        "upcoming": upcoming,
        "past_page": past_page,
        "schedules": schedules,
        "filtered": bool(team or status or ritual),
        "can_facilitate": can(request.membership, Cap.FACILITATE),
        "tz": org_tz(org).key,
    }
    return render(request, "rituals/syncs/sync_list.html", context)


def _default_start(org: Any) -> datetime:
    tz = org_tz(org)
    local = timezone.now().astimezone(tz) + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.FACILITATE)
def sync_create(request: OrgRequest) -> HttpResponse:
    org = request.org
    templates = services.templates_ensure_defaults(org)
    drive = next((t for t in templates if t.ritual == Ritual.DRIVE), None)
    tz = org_tz(org)
    initial: dict[str, Any] = {
        "template": drive,
        "facilitator": request.membership,
        "scheduled_at": _default_start(org).strftime("%Y-%m-%dT%H:%M"),
    }
    team_slug = request.GET.get("team")
    if team_slug:
        initial["team"] = Team.objects.filter(org=org, slug=team_slug).first()
    form = SyncCreateForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The form's datetime is wall-clock time in the organisation's zone, not the server's.
        scheduled_at = _as_org_time(data["scheduled_at"], tz)
        try:
            sync = services.sync_create(
                org=org,
                team=data["team"],
                template=data["template"],
                facilitator=data["facilitator"],
                scheduled_at=scheduled_at,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Sync %(key)s is ready; its agenda is pre-filled.") % {"key": sync.key}
            )
            return redirect("rituals:sync_detail", pk=sync.pk)
    return render(request, "rituals/syncs/sync_form.html", {"form": form, "tz": tz.key})


def _as_org_time(value: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=tz)


# --- The participants' page --------------------------------------------------------------------------


def _composer_forms(sync: Sync, data: Any = None, which: str = "") -> dict[str, Any]:
    sections = list(sync.sections.order_by("position", "id"))
    current = next((s for s in sections if s.pk == sync.current_section_id), None)
    features = selectors.team_features(team=sync.team, org=sync.org)
    owners = (
        selectors.team_member_memberships(team=sync.team)
        if sync.team is not None
        else sync.org.memberships.filter(is_active=True).select_related("user")
    )
    return {
        "item_form": ItemForm(data if which == "item" else None, sections=sections, current=current),
        "decision_form": DecisionForm(
            data if which == "decision" else None, sections=sections, current=current, features=features
        ),
        "action_form": ActionItemForm(
            data if which == "action" else None, sections=sections, current=current, owners=owners
        ),
    }


@login_required
@require_GET
def sync_detail(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    context = live_context(request, sync, view="detail")
    context.update(_composer_forms(sync))
    if context["access"].can_handoff and sync.team is not None:
        context["handoff_form"] = HandoffForm(
            members=selectors.team_member_memberships(team=sync.team).exclude(pk=sync.facilitator_id),
        )
    return render(request, "rituals/syncs/sync_detail.html", context)


def _contributor_sync(request: OrgRequest, pk: int) -> Sync:
    sync = get_sync(request, pk)
    if not selectors.sync_access(membership=request.membership, sync=sync).can_contribute:
        raise PermissionDenied(_("Only members of the team add to its sync."))
    return sync


def _after_change(request: OrgRequest, sync: Sync) -> HttpResponse:
    if request.htmx:
        return render_live(request, get_sync(request, sync.pk), view="detail")
    return redirect(reverse("rituals:sync_detail", args=[sync.pk]) + "#sync-live")


def _composer_invalid(request: OrgRequest, sync: Sync, which: str) -> HttpResponse:
    forms = _composer_forms(sync, request.POST, which)
    if request.htmx:
        response = render(request, f"rituals/syncs/sync_detail.html#form-{which}", {"sync": sync, **forms})
        return reswap(retarget(response, f"#form-{which}"), "outerHTML")
    context = live_context(request, sync, view="detail")
    context.update(forms)
    return render(request, "rituals/syncs/sync_detail.html", context, status=400)


def _compose(
    request: OrgRequest, pk: int, which: str, add: Callable[[Sync, dict[str, Any]], object]
) -> HttpResponse:
    """Add what one of the composer's forms (`which`: item, decision or action) describes: the live
    panel on success, the form with its errors otherwise."""
    sync = _contributor_sync(request, pk)
    form = _composer_forms(sync, request.POST, which)[f"{which}_form"]
    if form.is_valid():
        try:
            add(sync, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return _after_change(request, sync)
    return _composer_invalid(request, sync, which)


@login_required
@require_POST
def item_add(request: OrgRequest, pk: int) -> HttpResponse:
    def add(sync: Sync, data: dict[str, Any]) -> object:
        return services.item_add(
            sync=sync,
            section=data["section"],
            title=data["title"],
            notes=data["notes"],
            author=request.membership,
        )

    return _compose(request, pk, "item", add)


@login_required
@require_POST
def decision_add(request: OrgRequest, pk: int) -> HttpResponse:
    def add(sync: Sync, data: dict[str, Any]) -> object:
        return services.decision_add(
            sync=sync,
            section=data["section"],
            text=data["text"],
            feature=data["feature"],
            author=request.membership,
        )

    return _compose(request, pk, "decision", add)


@login_required
@require_POST
def action_add(request: OrgRequest, pk: int) -> HttpResponse:
    def add(sync: Sync, data: dict[str, Any]) -> object:
        return services.action_item_add(
            sync=sync, section=data["section"], title=data["title"], owner=data["owner"], due=data["due"]
        )

    return _compose(request, pk, "action", add)


def _may_remove(request: OrgRequest, sync: Sync, author_id: int | None) -> bool:
    me = getattr(request.membership, "pk", None)
    return me is not None and (me == author_id or me == sync.facilitator_id)


def _record_change(request: OrgRequest, sync: Sync, change: Any) -> HttpResponse:
    try:
        change()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, sync)


@login_required
@require_POST
def item_toggle(request: OrgRequest, pk: int, item_pk: int) -> HttpResponse:
    sync = _contributor_sync(request, pk)
    item = _child(SyncItem, sync, item_pk)
    return _record_change(request, sync, lambda: services.item_set_done(item=item, done=not item.done))


@login_required
@require_POST
def item_delete(request: OrgRequest, pk: int, item_pk: int) -> HttpResponse:
    sync = _contributor_sync(request, pk)
    item = _child(SyncItem, sync, item_pk)
    if not _may_remove(request, sync, item.author_id):
        raise PermissionDenied(_("Only its author or the facilitator removes an item."))
    return _record_change(request, sync, lambda: services.item_delete(item=item))


@login_required
@require_POST
def decision_delete(request: OrgRequest, pk: int, decision_pk: int) -> HttpResponse:
    sync = _contributor_sync(request, pk)
    decision = _child(Decision, sync, decision_pk)
    if not _may_remove(request, sync, decision.author_id):
        raise PermissionDenied(_("Only its author or the facilitator removes a decision."))
    return _record_change(request, sync, lambda: services.decision_delete(decision=decision))


@login_required
@require_POST
def action_toggle(request: OrgRequest, pk: int, action_pk: int) -> HttpResponse:
    sync = _contributor_sync(request, pk)
    action = _child(ActionItem, sync, action_pk)
    return _record_change(
        request, sync, lambda: services.action_item_set_done(action=action, done=action.done_at is None)
    )


@login_required
@require_POST
def action_delete(request: OrgRequest, pk: int, action_pk: int) -> HttpResponse:
    sync = _contributor_sync(request, pk)
    action = _child(ActionItem, sync, action_pk)
    if sync.facilitator_id != getattr(request.membership, "pk", None):
        raise PermissionDenied(_("Only the facilitator removes an action item."))
    return _record_change(request, sync, lambda: services.action_item_delete(action=action))


@login_required
@require_POST
def action_send(request: OrgRequest, pk: int, action_pk: int) -> HttpResponse:
    """Send an action item to the team's tracker: a Celery task creates the issue and brings its
    key and link back onto the item."""
    sync = _contributor_sync(request, pk)
    action = _child(ActionItem, sync, action_pk)
    tracker = trackers.team_tracker(sync)
    if tracker is None:
        messages.error(request, _("This team has no tracker connection with an API token."))
    elif not action.external_key:
        trackers.action_item_send(action=action)
        messages.success(request, _("The action item is on its way to %(tracker)s.") % {"tracker": tracker})
    if request.headers.get("HX-Request") and sync.status != Sync.Status.CLOSED:
        return _after_change(request, sync)
    target = "rituals:sync_summary" if sync.status == Sync.Status.CLOSED else "rituals:sync_detail"
    return redirect(reverse(target, args=[sync.pk]) + f"#action-{action.pk}")


def _facilitates_or_manages(request: OrgRequest, sync: Sync) -> bool:
    """The sync's facilitator, or someone who manages the organisation (cancels it, sends its summary)."""
    me = request.membership
    return sync.facilitator_id == getattr(me, "pk", None) or can(me, Cap.MANAGE_ORG)


def _child(model: Any, sync: Sync, child_pk: int) -> Any:
    return get_object_or_404(model.objects.select_related("sync"), pk=child_pk, sync=sync)


@login_required
@require_POST
def sync_prepare(request: OrgRequest, pk: int) -> HttpResponse:
    """Pre-fill the agenda again (new obstacles, conflicts, deliveries since it was prepared)."""
    sync = _contributor_sync(request, pk)
    added = services.sync_prepare(sync)
    messages.success(request, _("Agenda refreshed: %(n)s new item(s).") % {"n": added})
    return redirect("rituals:sync_detail", pk=sync.pk)


@login_required
@require_POST
def sync_delete(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    if not _facilitates_or_manages(request, sync):
        raise PermissionDenied
    try:
        services.sync_delete(sync=sync)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rituals:sync_detail", pk=sync.pk)
    messages.success(request, _("Sync %(key)s cancelled.") % {"key": sync.key})
    return redirect("rituals:sync_list")


# --- Closing and the summary -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sync_close(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    if sync.facilitator_id != getattr(request.membership, "pk", None):
        raise PermissionDenied(_("Only the facilitator closes the sync."))
    if sync.status == Sync.Status.CLOSED:
        return redirect("rituals:sync_summary", pk=sync.pk)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.sync_close(sync=sync, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Sync closed. The summary is on its way to the attendees."))
            return redirect("rituals:sync_summary", pk=sync.pk)
    context = live_context(request, sync, view="detail")
    context["form"] = form
    return render(request, "rituals/syncs/sync_close.html", context)


@login_required
@require_GET
def sync_summary(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    summary = selectors.sync_summary(sync=sync)
    localise([report.section for report in summary.sections])
    access = selectors.sync_access(membership=request.membership, sync=sync)
    mine = selectors.my_pulse(sync=sync, membership=request.membership)
    context = {
        "sync": sync,
        "summary": summary,
        "access": access,
        "pulse_form": PulseForm(initial={"score": mine.score} if mine else None),
        "my_pulse": mine,
        "tz": org_tz(sync.org).key,
        "can_email": access.is_facilitator or can(request.membership, Cap.MANAGE_ORG),
        "text_template": TEXT_TEMPLATE,
        "close_note": _(sync.close_note) if sync.close_note == defaults.NOTE_AUTO_CLOSED else sync.close_note,
        "tracker": trackers.team_tracker(sync) if access.can_contribute else None,
    }
    return render(request, "rituals/syncs/sync_summary.html", context)


@login_required
@require_GET
def sync_export(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    body = summary_markdown(selectors.sync_summary(sync=sync))
    response = HttpResponse(body, content_type="text/markdown; charset=utf-8")
    name = slugify(f"{sync.key} {sync.team.slug if sync.team else ''} {sync.scheduled_at:%Y-%m-%d}")
    response["Content-Disposition"] = f'attachment; filename="{name}.md"'
    return response


@login_required
@require_POST
def sync_email(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    if not _facilitates_or_manages(request, sync):
        raise PermissionDenied(_("Only the facilitator sends the summary."))
    services.sync_summary_later(sync_id=sync.pk)
    messages.success(request, _("The summary is on its way to the attendees."))
    return redirect("rituals:sync_summary", pk=sync.pk)


@login_required
@require_POST
def sync_pulse(request: OrgRequest, pk: int) -> HttpResponse:
    sync = get_sync(request, pk)
    if not selectors.sync_access(membership=request.membership, sync=sync).can_answer_pulse:
        raise PermissionDenied(_("The pulse is for the team's members."))
    form = PulseForm(request.POST)
    if form.is_valid():
        try:
            services.pulse_record(sync=sync, membership=request.membership, score=form.cleaned_data["score"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your pulse is recorded."))
    else:
        messages.error(request, _("Choose a score from 1 to 5."))
    return redirect("rituals:sync_summary", pk=sync.pk)
