"""Spec pages: phase editors (plain saves while framing, revisions once aligned, refused when stale),
the guided session, sessions held elsewhere, the version history and the executives' business view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from collab.features import live_session, selectors
from collab.features.diff import changes_diff
from collab.features.permissions import may_edit_feature
from collab.features.spec_forms import (
    PHASE_FIELDS,
    PHASES,
    SessionEndForm,
    SessionRecordForm,
    SpecEditor,
    merge_after_conflict,
)
from collab.features.specfields import field_label, normalise, spec_values
from collab.features.specs import (
    TARGET_SESSIONS,
    SpecConflict,
    spec_alignment_gaps,
    spec_autosave,
    spec_for_feature,
    spec_save,
    spec_session_record,
)
from collab.features.views import get_feature, me, require_editor, spec_summary
from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import AlignmentSession, Feature, Membership, Spec, SpecRevision

SESSION_PHASE = {
    "context": AlignmentSession.Phase.CONTEXT_SETTING,
    "solution": AlignmentSession.Phase.SOLUTION_DESIGN,
}
PHASE_OF_SESSION: dict[str, str] = {str(v): k for k, v in SESSION_PHASE.items()}


def _conflict_context(conflict: SpecConflict, both: list[str]) -> dict[str, Any]:
    return {
        "by": conflict.by.user if conflict.by else None,
        "at": conflict.at,
        "diffs": changes_diff(conflict.changes),
        "revisions": conflict.revisions,
        "both": [field_label(n) for n in both],
    }


def _save(
    request: OrgRequest, spec: Spec, editor: SpecEditor
) -> tuple[bool, SpecEditor, dict[str, Any] | None]:
    """Save a valid editor. Returns (saved, editor to show, conflict to show)."""
    try:
        revision = spec_save(
            spec=spec,
            fields=editor.fields(),
            by=me(request),
            expected_version=editor.expected_version,
            kind=editor.kind,
            reason=editor.reason,
            base=editor.base,
        )
    except SpecConflict as conflict:
        current = conflict.spec
        merged, both = merge_after_conflict(editor.fields(), editor.base, spec_values(current))
        theirs = {n: v for n, v in spec_values(current).items() if n in PHASE_FIELDS[editor.phase]}
        fresh = SpecEditor(editor.phase, current, initial=merged, version=current.version, base_values=theirs)
        return False, fresh, _conflict_context(conflict, both)
    except ValidationError as exc:
        editor.add_errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return False, editor, None
    if revision is not None:
        messages.success(
            request,
            _("Saved as a %(kind)s revision (version %(version)s).")
            % {"kind": revision.get_kind_display().lower(), "version": revision.version},
        )
    else:
        messages.success(request, _("Spec saved."))
    return True, editor, None


@login_required
def spec_edit(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    phase = request.POST.get("phase") or request.GET.get("phase") or "context"
    phase = phase if phase in PHASES else "context"
    editor = SpecEditor(phase, spec, request.POST if request.method == "POST" else None)
    conflict = None
    if request.method == "POST" and editor.is_valid():
        saved, editor, conflict = _save(request, spec, editor)
        if saved:
            if request.POST.get("then") == "next" and phase != "invest":
                return redirect(
                    reverse("collab:spec_edit", args=[feature.key])
                    + "?phase="
                    + PHASES[PHASES.index(phase) + 1]
                )
            return redirect(reverse("collab:feature_detail", args=[feature.key]) + "#spec")
    return render(
        request,
        "collab/features/spec_edit.html",
        {
            "feature": feature,
            "spec": spec,
            "editor": editor,
            "phase": phase,
            "conflict": conflict,
            "phases": [
                ("context", _("Context setting")),
                ("solution", _("Solution design")),
                ("invest", pgettext("heading", "INVEST checklist")),
            ],
        },
    )


def _people(feature: Feature, me: Membership) -> Any:
    return (
        Membership.objects.filter(
            Q(team_memberships__team=feature.team) | Q(pk=me.pk), org=feature.org, is_active=True
        )
        .select_related("user")
        .distinct()
        .order_by("user__name")
    )


def _session_context(request: OrgRequest, feature: Feature, spec: Spec) -> dict[str, Any]:
    live = live_session.live_session_get(spec=spec)
    sessions = selectors.spec_sessions(spec=spec)
    return {
        "feature": feature,
        "spec": spec,
        "live": live,
        "live_phase": PHASE_OF_SESSION.get(live.phase) if live else None,
        "sessions": sessions,
        "session_number": len(sessions) + 1,
        "target_sessions": TARGET_SESSIONS,
        "now": timezone.now(),
        "may_edit": may_edit_feature(me(request), feature.team_id),
    }


@login_required
@vary_on_headers("HX-Request")
def spec_session(request: OrgRequest, key: str) -> HttpResponse:
    """The guided session: GET shows it (or its status bar for htmx polls); POST saves the phase."""
    feature = get_feature(request, key)
    spec = spec_for_feature(feature=feature)
    context = _session_context(request, feature, spec)
    live = context["live"]
    if request.htmx and request.GET.get("part") == "status":
        return render(request, "collab/features/spec_session.html#session-status", context)
    if request.GET.get("part") == "state":  # polled every second by the session page's script
        return JsonResponse(
            {
                "live_phase": PHASE_OF_SESSION.get(live.phase) if live else None,
                "version": spec.version,
                "aligned": spec.aligned_at is not None,
            }
        )
    if request.GET.get("part") == "form" and request.GET.get("phase") in SESSION_PHASE:
        if not context["may_edit"] or spec.aligned_at is not None:
            return HttpResponse(status=409)
        return JsonResponse(
            {
                "form": _editor_fields(request, SpecEditor(request.GET["phase"], spec)),
                "readiness": _readiness(request, spec),
            }
        )
    default_phase = PHASE_OF_SESSION.get(live.phase, "context") if live else "context"
    phase = request.POST.get("phase") or request.GET.get("phase") or default_phase
    phase = phase if phase in SESSION_PHASE else "context"
    editor, conflict = None, None
    if context["may_edit"] and spec.aligned_at is None:
        editor = SpecEditor(phase, spec)
        if request.method == "POST":
            # Both people edit at once in a session: each save writes only the fields it changed.
            try:
                spec, editor, errors, _unsaved = _autosave(request, spec)
            except ValidationError as exc:
                editor, errors = SpecEditor(phase, spec, request.POST), exc.messages
                editor.is_valid()
            if not errors:
                messages.success(request, _("Spec saved."))
                return redirect(reverse("collab:spec_session", args=[feature.key]) + f"?phase={phase}")
            context["spec"] = spec
    elif request.method == "POST":
        require_editor(request, feature.team_id)
        messages.info(request, _("This spec is aligned: changes are now revisions."))
        return redirect("collab:feature_detail", key=feature.key)
    end_form = SessionEndForm(
        people=_people(feature, me(request)),
        initial={"attendees": _default_attendees(feature, me(request))},
    )
    return _session_page(request, context, editor=editor, conflict=conflict, phase=phase, end_form=end_form)


def _editor_fields(request: OrgRequest, editor: SpecEditor) -> str:
    return render_to_string("collab/features/includes/spec_editor.html", {"editor": editor}, request=request)


def _readiness(request: OrgRequest, spec: Spec) -> str:
    """The "Ready to align?" card, as it stands after the latest save."""
    return render_to_string(
        "collab/features/spec_session.html#readiness", spec_summary(spec), request=request
    )


def _autosave(request: OrgRequest, spec: Spec) -> tuple[Spec, SpecEditor, list[str], list[str]]:
    """Save what the phase form posted as you type: (spec, editor read, messages, unsaved prefixes)."""
    phase = request.POST.get("phase", "")
    phase = phase if phase in SESSION_PHASE else "context"
    editor = SpecEditor(phase, spec, request.POST)
    editor.is_valid()
    fields, errors, unsaved = editor.savable()
    spec = spec_autosave(spec=spec, fields=fields, seen=editor.seen, by=me(request))
    return spec, editor, errors, unsaved


@login_required
@require_POST
def spec_session_autosave(request: OrgRequest, key: str) -> HttpResponse:
    """Save as you type (the session page's script posts the phase form here, debounced): JSON
    with the new version and the phase's fields as now stored, so the page keeps in step."""
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    if spec.aligned_at is not None:
        return JsonResponse(
            {"saved": False, "errors": [_("This spec is aligned: changes are now revisions.")]}, status=409
        )
    try:
        spec, editor, errors, unsaved = _autosave(request, spec)
    except ValidationError as exc:
        return JsonResponse({"saved": False, "errors": exc.messages, "unsaved": [""]}, status=400)
    return JsonResponse(
        {
            "saved": True,
            "errors": errors,
            "unsaved": unsaved,
            "version": spec.version,
            "form": _editor_fields(request, SpecEditor(editor.phase, spec)),
            "readiness": _readiness(request, spec),
        }
    )


def _session_page(
    request: OrgRequest,
    context: dict[str, Any],
    *,
    editor: SpecEditor | None,
    conflict: dict[str, Any] | None,
    phase: str,
    end_form: SessionEndForm,
    status: int = 200,
) -> HttpResponse:
    """The guided session's page: `context` (from `_session_context`) with the spec, the phase's
    editor and the form that ends the session."""
    context = {
        **context,
        **spec_summary(context["spec"]),
        "editor": editor,
        "conflict": conflict,
        "phase": phase,
        "end_form": end_form,
        "phase_minutes": live_session.PHASE_MINUTES[SESSION_PHASE[phase]],
    }
    return render(request, "collab/features/spec_session.html", context, status=status)


def _default_attendees(feature: Feature, me: Membership) -> list[int]:
    ids = set(
        feature.team.members.filter(role__in=("pm", "tech_lead")).values_list("membership_id", flat=True)
    )
    return sorted(ids | {me.pk})


@login_required
@require_POST
def spec_session_start(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    try:
        live_session.live_session_start(spec=spec, by=me(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("collab:feature_detail", key=feature.key)
    return redirect("collab:spec_session", key=feature.key)


@login_required
@require_POST
def spec_session_phase(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    phase = request.POST.get("next_phase") or request.POST.get("phase", "")
    if "version" in request.POST and spec.aligned_at is None:
        # The phase form came along: what was typed is saved before moving on, never dropped.
        try:
            spec, editor, errors, _unsaved = _autosave(request, spec)
        except ValidationError as exc:
            editor, errors = (
                SpecEditor(request.POST.get("phase", "context"), spec, request.POST),
                exc.messages,
            )
            editor.is_valid()
        if errors:
            messages.error(request, _("Fix what is marked before moving on: nothing you typed was lost."))
            context = _session_context(request, feature, spec)
            end_form = SessionEndForm(
                people=_people(feature, me(request)),
                initial={"attendees": _default_attendees(feature, me(request))},
            )
            return _session_page(
                request,
                context,
                editor=editor,
                conflict=None,
                phase=editor.phase,
                end_form=end_form,
                status=400,
            )
    try:
        live_session.live_session_phase(spec=spec, phase=SESSION_PHASE.get(phase, phase))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("collab:spec_session", key=feature.key)
    return redirect(
        reverse("collab:spec_session", args=[feature.key])
        + f"?phase={PHASE_OF_SESSION.get(SESSION_PHASE.get(phase, phase), 'context')}"
    )


@login_required
@require_POST
def spec_session_end(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    live = live_session.live_session_get(spec=spec)
    if request.POST.get("action") == "cancel":
        live_session.live_session_stop(spec=spec)
        messages.info(request, _("Session cancelled; nothing was recorded."))
        return redirect("collab:feature_detail", key=feature.key)
    form = SessionEndForm(request.POST, people=_people(feature, me(request)))
    if form.is_valid():
        now = timezone.now()
        try:
            session = spec_session_record(
                spec=spec,
                by=me(request),
                held_at=live.started_at if live else now,
                phase=live.phase if live else AlignmentSession.Phase.CONTEXT_SETTING,
                outcome=form.cleaned_data["outcome"],
                attendees=form.cleaned_data["attendees"],
                duration_minutes=live.elapsed_minutes(now) if live else None,
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            live_session.live_session_stop(spec=spec)
            if session.outcome == AlignmentSession.Outcome.ALIGNED:
                count = spec.sessions.count()
                messages.success(
                    request,
                    ngettext(
                        "Aligned in %(n)s session. From now on every change is a revision.",
                        "Aligned in %(n)s sessions. From now on every change is a revision.",
                        count,
                    )
                    % {"n": count},
                )
            else:
                messages.info(request, _("Session recorded: another one is needed."))
            return redirect(reverse("collab:feature_detail", args=[feature.key]) + "#sessions")
    phase = PHASE_OF_SESSION.get(live.phase, "context") if live else "context"
    return _session_page(
        request,
        _session_context(request, feature, spec),
        editor=SpecEditor(phase, spec) if spec.aligned_at is None else None,
        conflict=None,
        phase=phase,
        end_form=form,
        status=400,
    )


@login_required
def spec_session_record_view(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    people = _people(feature, me(request))
    form = SessionRecordForm(
        request.POST or None,
        people=people,
        initial={
            "attendees": _default_attendees(feature, me(request)),
            "held_at": timezone.localtime().replace(second=0, microsecond=0),
            "duration_minutes": 45,
            "phase": AlignmentSession.Phase.SOLUTION_DESIGN,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            spec_session_record(spec=spec, by=me(request), **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Session recorded."))
            return redirect(reverse("collab:feature_detail", args=[feature.key]) + "#sessions")
    return render(
        request,
        "collab/features/session_form.html",
        {
            "feature": feature,
            "spec": spec,
            "form": form,
            "gaps": spec_alignment_gaps(spec),
            "session_number": spec.sessions.count() + 1,
            "target_sessions": TARGET_SESSIONS,
        },
    )


@login_required
@require_GET
def spec_history(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    spec = spec_for_feature(feature=feature)
    revisions = [(r, changes_diff(r.changes, r.diff)) for r in selectors.spec_revisions(spec=spec)]
    return render(
        request,
        "collab/features/spec_history.html",
        {
            "feature": feature,
            "spec": spec,
            "revisions": revisions,
            "rework_count": sum(1 for r, _d in revisions if r.kind == SpecRevision.Kind.REWORK),
            # The newest framing version of an aligned spec: the history marks the alignment above it.
            "aligned_before": next(
                (r.pk for r, _d in revisions if r.kind == SpecRevision.Kind.FRAMING and spec.aligned_at),
                None,
            ),
            "reworked": selectors.spec_is_reworked(spec=spec),
        },
    )


@login_required
@require_GET
def spec_business(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    spec = spec_for_feature(feature=feature)
    criteria = normalise("success_criteria", spec.success_criteria)
    options = normalise("options", spec.options)
    return render(
        request,
        "collab/features/spec_business.html",
        {
            "feature": feature,
            "spec": spec,
            "business_criteria": [c for c in criteria if c["kind"] == "business"],
            "technical_criteria": [c for c in criteria if c["kind"] != "business"],
            "constraints": normalise("technical_constraints", spec.technical_constraints),
            "chosen": next((o for o in options if o["chosen"]), None),
            "key_results": list(feature.key_results.all()),
            "session_count": spec.sessions.count(),
            "target_sessions": TARGET_SESSIONS,
        },
    )
