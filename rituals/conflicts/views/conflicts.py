"""PIVOT conflict pages: list, open, the five steps, sessions, resolve, escalate."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.permissions import Cap
from rituals.conflicts import selectors, services
from rituals.conflicts.forms import (
    ChooseForm,
    ConflictCreateForm,
    EscalateConflictForm,
    IdentifyForm,
    PauseForm,
    PivotTestForm,
    ResolveForm,
    SessionForm,
    ValueForm,
)
from rituals.conflicts.matrix import level_for_category, matrix
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
from rituals.models import Conflict, ConflictCategory, ConflictSession

STEP_CODES = list(services.STEPS)


@login_required
@org_required
@require_GET
@vary_on_headers("HX-Request")
def conflict_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    teams, team_slug, team = team_filter(request, org)
    category = choice(request.GET.get("category"), ConflictCategory.values)
    level = choice(request.GET.get("level"), [1, 2, 3])
    status = choice(request.GET.get("status"), ["open", "resolved"])
    conflicts = selectors.conflict_list(
        org=org, team=team, category=category, level=int(level or 0), status=status
    )
    context = {
        "page": paginate(request, conflicts),
        "stats": selectors.conflict_one_session_stats(conflicts=conflicts),
        "teams": teams,
        "categories": ConflictCategory.choices,
        "filters": {"team": team_slug, "category": category, "level": level, "status": status},
        "filtered": any((team_slug, category, level, status)),
        "query": query_without_page(request),
        "matrix": matrix(),
    }
    htmx = getattr(request, "htmx", None)
    fragment = "#conflict-results" if htmx and not htmx.history_restore_request else ""
    return render(request, "rituals/conflicts/conflict_list.html" + fragment, context)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def conflict_create(request: OrgRequest) -> HttpResponse:
    org = request.org
    item = sync_item_from_query(request)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {"title": item.label, "facts": item.notes, "team": item.sync.team_id}
    form = ConflictCreateForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            conflict = services.conflict_open(
                org=org,
                team=form.cleaned_data["team"],
                title=form.cleaned_data["title"],
                category=form.cleaned_data["category"],
                facts=form.cleaned_data["facts"],
                origin_item=item,
                by=request.membership,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(key)s opened. Start with Pause: write the facts both sides agree on.")
                % {"key": conflict.key},
            )
            return redirect("rituals:conflict_step", pk=conflict.pk, step="pause")
    return render(
        request, "rituals/conflicts/conflict_form.html", {"form": form, "item": item, "matrix": matrix()}
    )


def _get_conflict(request: OrgRequest, pk: int) -> Conflict:
    return get_object_or_404(selectors.conflicts_of(org=request.org), pk=pk)


def _stepper(conflict: Conflict, active: str) -> list[dict[str, Any]]:
    current = services.conflict_current_step(conflict)
    current_index = STEP_CODES.index(current) if current in STEP_CODES else len(STEP_CODES)
    return [
        {
            "code": code,
            "letter": code[0].upper(),
            "label": label,
            "number": i + 1,
            "url": reverse("rituals:conflict_step", args=[conflict.pk, code]),
            "done": i < current_index,
            "active": code == active,
        }
        for i, (code, label) in enumerate(services.STEPS.items())
    ]


def _detail_context(request: OrgRequest, conflict: Conflict, **forms: Any) -> dict[str, Any]:
    sessions = list(selectors.conflict_sessions(conflict=conflict))
    escalations = list(selectors.conflict_escalations(conflict=conflict))
    decided = [e for e in escalations if e.decided_at is not None]
    open_escalation = next((e for e in escalations if e.decided_at is None), None)
    resolution_initial = conflict.resolution or (decided[-1].decision if decided else "")
    return {
        "conflict": conflict,
        "level": level_for_category(conflict.category),
        "sessions": sessions,
        "escalations": escalations,
        "open_escalation": open_escalation,
        "decided_escalations": decided,
        "missing": services.conflict_resolution_missing(conflict=conflict, session_count=len(sessions)),
        "chosen": next((o for o in conflict.options or [] if o.get("chosen")), None),
        "steps": _stepper(conflict, active=""),
        "current_step": services.conflict_current_step(conflict),
        "matrix": matrix(),
        "step_choices": list(services.STEPS.items()),
        "may_work": may(request, Cap.CONTRIBUTE),
        "session_form": forms.get("session_form") or SessionForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(initial={"resolution": resolution_initial}),
        "escalate_form": forms.get("escalate_form") or EscalateConflictForm(),
    }


@login_required
@org_required
@require_GET
def conflict_detail(request: OrgRequest, pk: int) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    return render(request, "rituals/conflicts/conflict_detail.html", _detail_context(request, conflict))


def _step_form(step: str, conflict: Conflict, data: Any = None) -> Any:
    if step == "pause":
        return PauseForm(data, initial={"facts": conflict.facts})
    if step == "identify":
        return IdentifyForm(
            data,
            initial={
                "business_needs": conflict.business_needs,
                "technical_constraints": conflict.technical_constraints,
            },
        )
    if step == "value":
        return ValueForm(data, options=conflict.options)
    if step == "options":
        return ChooseForm(data, options=conflict.options or [])
    return PivotTestForm(data, initial={"success_criteria": conflict.success_criteria})


def _save_step(step: str, conflict: Conflict, form: Any) -> None:
    data = form.cleaned_data
    if step == "pause":
        services.conflict_update_pause(conflict=conflict, facts=data["facts"])
    elif step == "identify":
        services.conflict_update_identify(
            conflict=conflict,
            business_needs=data["business_needs"],
            technical_constraints=data["technical_constraints"],
        )
    elif step == "value":
        services.conflict_set_options(conflict=conflict, options=form.options())
    elif step == "options":
        services.conflict_choose_option(conflict=conflict, index=data["choice"])
    else:
        services.conflict_update_test(conflict=conflict, success_criteria=data["success_criteria"])


@login_required
@org_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def conflict_step(request: OrgRequest, pk: int, step: str) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    if step not in services.STEPS:
        raise Http404
    form = _step_form(step, conflict)
    if request.method == "POST":
        if not may(request, Cap.CONTRIBUTE):
            return forbidden(request)
        form = _step_form(step, conflict, request.POST)
        if form.is_valid() and step == "value" and not form.options():
            form.add_error(None, services.conflict_value_missing([]))  # an empty step is not "saved"
        elif form.is_valid():
            try:
                _save_step(step, conflict, form)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                # Working the steps here is a working session: today's is recorded automatically.
                services.conflict_work_record(conflict=conflict, step=step)
                missing = services.conflict_value_missing(form.options()) if step == "value" else []
                if missing:
                    messages.warning(
                        request, _("Saved. Still missing: %(what)s") % {"what": " ".join(missing)}
                    )
                    return redirect("rituals:conflict_step", pk=conflict.pk, step=step)
                messages.success(request, _("Saved."))
                following = STEP_CODES.index(step) + 1
                if "stay" in request.POST or following >= len(STEP_CODES):
                    return redirect("rituals:conflict_step", pk=conflict.pk, step=step)
                return redirect("rituals:conflict_step", pk=conflict.pk, step=STEP_CODES[following])
    context = _detail_context(request, conflict)
    index = STEP_CODES.index(step)
    context.update(
        {
            "step": step,
            "step_label": services.STEPS[step],
            "steps": _stepper(conflict, active=step),
            "form": form,
            "previous_step": STEP_CODES[index - 1] if index else None,
            "next_step": STEP_CODES[index + 1] if index + 1 < len(STEP_CODES) else None,
            "choice_rows": list(zip(form["choice"], conflict.options or [], strict=False))
            if step == "options"
            else [],
        }
    )
    htmx = getattr(request, "htmx", None)
    fragment = "#pivot-panel" if htmx and not htmx.history_restore_request and request.method == "GET" else ""
    return render(request, "rituals/conflicts/conflict_step.html" + fragment, context)


@login_required
@org_required
@require_POST
def conflict_session_create(request: OrgRequest, pk: int) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_session_record(conflict=conflict, by=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Working session recorded."))
            return redirect(reverse("rituals:conflict_detail", args=[conflict.pk]) + "#sessions")
    context = _detail_context(request, conflict, session_form=form)
    return render(request, "rituals/conflicts/conflict_detail.html", context, status=400)


def _get_session(request: OrgRequest, pk: int, session_id: int) -> ConflictSession:
    conflict = _get_conflict(request, pk)
    return get_object_or_404(conflict.sessions.select_related("conflict__org"), pk=session_id)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def conflict_session_edit(request: OrgRequest, pk: int, session_id: int) -> HttpResponse:
    """Correct a working session, e.g. one the app recorded for a day the steps were worked."""
    session = _get_session(request, pk, session_id)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial = {"held_at": timezone.localtime(session.held_at), "step": session.step, "notes": session.notes}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_session_update(session=session, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Working session corrected."))
            return redirect(reverse("rituals:conflict_detail", args=[pk]) + "#sessions")
    return render(
        request,
        "rituals/conflicts/session_form.html",
        {"conflict": session.conflict, "session": session, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@org_required
@require_POST
def conflict_session_delete(request: OrgRequest, pk: int, session_id: int) -> HttpResponse:
    session = _get_session(request, pk, session_id)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    services.conflict_session_delete(session=session)
    messages.success(request, _("Working session removed."))
    return redirect(reverse("rituals:conflict_detail", args=[pk]) + "#sessions")


@login_required
@org_required
@require_POST
def conflict_resolve(request: OrgRequest, pk: int) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = ResolveForm(request.POST)
    if resolve_from_form(
        request, form, partial(services.conflict_resolve, conflict=conflict), key=conflict.key
    ):
        return redirect("rituals:conflict_detail", pk=conflict.pk)
    context = _detail_context(request, conflict, resolve_form=form)
    return render(request, "rituals/conflicts/conflict_detail.html", context, status=400)


@login_required
@org_required
@require_POST
def conflict_reopen(request: OrgRequest, pk: int) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    reopen_record(request, partial(services.conflict_reopen, conflict=conflict), key=conflict.key)
    return redirect("rituals:conflict_detail", pk=conflict.pk)


@login_required
@org_required
@require_POST
def conflict_escalate(request: OrgRequest, pk: int) -> HttpResponse:
    conflict = _get_conflict(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    form = EscalateConflictForm(request.POST)
    if form.is_valid():
        try:
            escalation = services.escalation_open_from_conflict(
                conflict=conflict,
                context=form.cleaned_data["context"],
                by=request.membership,
            )
        except ValidationError as exc:
            # Already escalated, or resolved meanwhile: the panel no longer offers the form.
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("rituals:conflict_detail", args=[conflict.pk]) + "#escalations")
        else:
            messages.success(
                request,
                _("%(key)s sent to level %(level)s. The deciders were notified.")
                % {"key": escalation.key, "level": escalation.level},
            )
            return redirect(reverse("rituals:conflict_detail", args=[conflict.pk]) + "#escalations")
    context = _detail_context(request, conflict, escalate_form=form)
    return render(request, "rituals/conflicts/conflict_detail.html", context, status=400)
