"""Blameless post-mortems of incidents and delivery delays: list, write, read, edit."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.permissions import Cap
from rituals.conflicts import selectors, services
from rituals.conflicts.forms_records import ActionFormSet, PostMortemForm, TimelineFormSet
from rituals.conflicts.views._common import (
    choice,
    forbidden,
    may,
    org_required,
    paginate,
    query_without_page,
    team_filter,
)
from rituals.models import PostMortem


@login_required
@org_required
@require_GET
def postmortem_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    teams, team_slug, team = team_filter(request, org)
    kind = choice(request.GET.get("kind"), PostMortem.Kind.values)
    context = {
        "page": paginate(request, selectors.postmortem_list(org=org, kind=kind, team=team)),
        "teams": teams,
        "kinds": PostMortem.Kind.choices,
        "filters": {"team": team_slug, "kind": kind},
        "filtered": any((team_slug, kind)),
        "query": query_without_page(request),
        "may_work": may(request, Cap.CONTRIBUTE),
    }
    return render(request, "rituals/conflicts/postmortem_list.html", context)


def _owners(request: OrgRequest) -> list[tuple[str, str]]:
    people = selectors.people_of(org=request.org)
    return [(m.user.email, f"{m.user.get_full_name()} ({m.user.email})") for m in people]


def _rows_initial(postmortem: PostMortem | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if postmortem is None:
        return [], []
    timeline = [
        {"at": parse_datetime(row.get("at") or ""), "text": row.get("text", "")}
        for row in postmortem.timeline or []
    ]
    actions = [
        {**row, "due": parse_date(row["due"]) if row.get("due") else None}
        for row in postmortem.action_items or []
    ]
    return timeline, actions


def _formsets(request: OrgRequest, postmortem: PostMortem | None) -> tuple[Any, Any]:
    data = request.POST if request.method == "POST" else None
    timeline, actions = _rows_initial(postmortem)
    return (
        TimelineFormSet(data, prefix="timeline", initial=timeline),
        ActionFormSet(data, prefix="actions", initial=actions, form_kwargs={"owners": _owners(request)}),
    )


def _rows(formset: Any) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data]


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def postmortem_create(request: OrgRequest) -> HttpResponse:
    """`?incident=<id>` or `?feature=<id>` starts from the incident or the delayed feature."""
    org = request.org
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial: dict[str, Any] = {"kind": PostMortem.Kind.INCIDENT}
    incident_id, feature_id = request.GET.get("incident", ""), request.GET.get("feature", "")
    if incident_id:
        if not incident_id.isdigit():
            raise Http404
        incident = get_object_or_404(selectors.incidents_of(org=org), pk=incident_id)
        initial.update(
            kind=PostMortem.Kind.INCIDENT, incident=incident.pk, team=incident.team_id, title=incident.title
        )
    elif feature_id:
        if not feature_id.isdigit():
            raise Http404
        feature = get_object_or_404(selectors.features_of(org=org), pk=feature_id)
        initial.update(
            kind=PostMortem.Kind.DELIVERY_DELAY,
            feature=feature.pk,
            team=feature.team_id,
            title=_("Delivery delay: %(feature)s") % {"feature": feature.title},
        )
    form = PostMortemForm(request.POST or None, org=org, initial=initial)
    save = partial(services.postmortem_create, org=org, by=request.membership)
    return _form_page(request, None, form, save)


def _form_page(
    request: OrgRequest, postmortem: PostMortem | None, form: PostMortemForm, save: Callable[..., PostMortem]
) -> HttpResponse:
    """The post-mortem form with its timeline and action rows: on a valid POST `save` gets them all
    and the page goes to the post-mortem; otherwise the form shows again, with its errors."""
    timeline, actions = _formsets(request, postmortem)
    if request.method == "POST" and form.is_valid() and timeline.is_valid() and actions.is_valid():
        try:
            saved = save(timeline=_rows(timeline), action_items=_rows(actions), **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Post-mortem saved."))
            return redirect("rituals:postmortem_detail", pk=saved.pk)
    context = {"form": form, "timeline": timeline, "actions": actions, "postmortem": postmortem}
    return render(request, "rituals/conflicts/postmortem_form.html", context)


def _get(request: OrgRequest, pk: int) -> PostMortem:
    return get_object_or_404(selectors.postmortems_of(org=request.org), pk=pk)


@login_required
@org_required
@require_GET
def postmortem_detail(request: OrgRequest, pk: int) -> HttpResponse:
    postmortem = _get(request, pk)
    owners = dict(_owners(request))
    actions = [
        {**row, "owner_label": owners.get(row.get("owner") or "", row.get("owner"))}
        for row in postmortem.action_items or []
    ]
    timeline, _actions = _rows_initial(postmortem)
    context = {
        "postmortem": postmortem,
        "timeline": timeline,
        "actions": actions,
        "may_work": may(request, Cap.CONTRIBUTE),
    }
    return render(request, "rituals/conflicts/postmortem_detail.html", context)


@login_required
@org_required
@require_http_methods(["GET", "POST"])
def postmortem_edit(request: OrgRequest, pk: int) -> HttpResponse:
    postmortem = _get(request, pk)
    if not may(request, Cap.CONTRIBUTE):
        return forbidden(request)
    initial = {
        "title": postmortem.title,
        "held_at": postmortem.held_at,
        "summary": postmortem.summary,
        "causes": postmortem.causes,
        "learnings": postmortem.learnings,
    }
    form = PostMortemForm(request.POST or None, org=request.org, editing=True, initial=initial)
    return _form_page(request, postmortem, form, partial(services.postmortem_update, postmortem=postmortem))
