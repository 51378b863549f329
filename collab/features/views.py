"""Feature pages: the list (htmx-filtered table), create and edit, the feature page, status
transitions, acceptance reviews and the value-vs-effort roadmap."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from collab.features import selectors, services
from collab.features.forms import DropForm, FeatureForm, ReviewForm, TransitionForm
from collab.features.permissions import editable_team_ids, may_create_features, may_edit_feature
from collab.features.specfields import INVEST_ITEMS, field_label, normalise
from collab.features.specs import (
    TARGET_SESSIONS,
    spec_alignment_advice,
    spec_alignment_gaps,
    spec_for_feature,
)
from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Feature, Membership, Organisation, Spec, Team
from collab.weeks import org_zone

PAGE_SIZE = 50
LIFECYCLE = [(s, label) for s, label in Feature.Status.choices if s != Feature.Status.DROPPED]


def _done_steps(feature: Feature) -> set[str]:
    steps = [s for s, _label in LIFECYCLE]
    if feature.status not in steps:
        return set()
    return set(steps[: steps.index(feature.status)])


def me(request: OrgRequest) -> Membership:
    """The caller's membership in the active organisation (set by OrganisationMiddleware)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404(_("You are not in an organisation."))
    return membership


def get_feature(request: OrgRequest, key: str) -> Feature:
    """The feature of the caller's organisation with this key, with its page's relations; 404 else."""
    org = _org(request)
    try:
        return selectors.feature_get(org=org, key=key)
    except Feature.DoesNotExist as exc:
        raise Http404(_("No such feature.")) from exc


def _org(request: OrgRequest) -> Organisation:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404(_("You are not in an organisation."))
    return org


def require_editor(request: OrgRequest, team: Team | int) -> None:
    if not may_edit_feature(me(request), team):
        raise PermissionDenied(
            _("Only the team's PM and tech lead, product leadership and Product Ops edit it.")
        )


def spec_summary(spec: Spec) -> dict[str, Any]:
    """What a spec's pages show of it: alignment gaps and advice until it is aligned, the criteria,
    constraints and options as lists, and the INVEST checklist with each answer."""
    invest = normalise("invest", spec.invest)
    return {
        "gaps": spec_alignment_gaps(spec) if spec.aligned_at is None else [],
        "advice": spec_alignment_advice(spec) if spec.aligned_at is None else [],
        "criteria": normalise("success_criteria", spec.success_criteria),
        "constraints": normalise("technical_constraints", spec.technical_constraints),
        "options": normalise("options", spec.options),
        "invest": [
            (label, help_text, invest.get(k) if invest else None) for k, label, help_text in INVEST_ITEMS
        ],
    }


def _plain_number(value: Any) -> Any:
    """2400.0 shows as 2400 in a form; other values as they are."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _editable_teams(request: OrgRequest) -> Any:
    teams = selectors.team_list(org=_org(request))
    ids = editable_team_ids(me(request))
    return teams if ids is None else teams.filter(pk__in=ids)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def feature_list(request: OrgRequest) -> HttpResponse:
    org = _org(request)
    teams = list(selectors.team_list(org=org))
    params = request.GET
    team = next((t for t in teams if t.slug == params.get("team")), None)
    kind = params.get("kind", "") if params.get("kind") in Feature.Kind.values else ""
    statuses = {"open", *Feature.Status.values}
    status = params.get("status", "") if params.get("status") in statuses else ""
    quarters = selectors.feature_quarters(org=org)
    quarter = params.get("quarter", "") if params.get("quarter") in quarters else ""
    q = params.get("q", "").strip()[:100]
    sort = params.get("sort", "rice") if params.get("sort") in selectors.SORTS else "rice"
    features = selectors.feature_list(
        org=org, team=team, kind=kind, status=status, quarter=quarter, q=q, sort=sort
    )
    page = Paginator(features, PAGE_SIZE).get_page(params.get("page"))
    filters = {
        "team": team.slug if team else "",
        "kind": kind,
        "status": status,
        "quarter": quarter,
        "q": q,
        "sort": sort,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "page": page,
        "features": page.object_list,
        "teams": teams,
        "team": team,
        "filters": filters,
        "query": query,
        "filtered": any(v for k, v in filters.items() if k != "sort"),
        "quarters": quarters,
        "kinds": Feature.Kind.choices,
        "statuses": Feature.Status.choices,
        "sorts": [
            ("rice", _("RICE score, highest first")),
            ("effort", _("Effort")),
            ("week", _("Planned week")),
            ("updated", _("Recently changed")),
            ("key", _("Key")),
        ],
        "may_create": may_create_features(me(request)),
    }
    template = "collab/features/feature_list.html" + ("#feature-table" if request.htmx else "")
    return render(request, template, context)


@login_required
def feature_create(request: OrgRequest) -> HttpResponse:
    org = _org(request)
    if not may_create_features(me(request)):
        raise PermissionDenied(_("Only PMs, tech leads, product leadership and Product Ops create features."))
    teams = _editable_teams(request)
    initial_team = teams.filter(slug=request.GET.get("team", "")).first()
    form = FeatureForm(
        request.POST or None,
        org=org,
        teams=teams,
        key_results=selectors.key_result_choices(org=org),
        initial={"team": initial_team, "kind": Feature.Kind.PRODUCT},
    )
    if request.method == "POST" and form.is_valid():
        try:
            feature = services.feature_create(org=org, by=me(request), **form.service_kwargs())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(key)s created. Frame it now: context setting comes first.") % {"key": feature.key},
            )
            return redirect("collab:feature_detail", key=feature.key)
    return render(request, "collab/features/feature_form.html", {"form": form, "feature": None})


@login_required
def feature_edit(request: OrgRequest, key: str) -> HttpResponse:
    org = _org(request)
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    teams = _editable_teams(request)
    initial = {
        **{name: _plain_number(getattr(feature, name)) for name in services.FEATURE_FIELDS},
        "team": feature.team,
        "key_results": list(feature.key_results.all()),
        "depends_on_keys": ", ".join(f.key for f in feature.depends_on.all()),
    }
    form = FeatureForm(
        request.POST or None,
        org=org,
        teams=teams | selectors.team_list(org=org).filter(pk=feature.team_id),
        key_results=selectors.key_result_choices(org=org),
        feature=feature,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        try:
            services.feature_update(
                feature=feature,
                by=me(request),
                team=data.pop("team"),
                key_results=data.pop("key_results"),
                depends_on=data.pop("depends_on"),
                **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(key)s saved.") % {"key": feature.key})
            return redirect("collab:feature_detail", key=feature.key)
    return render(request, "collab/features/feature_form.html", {"form": form, "feature": feature})


@login_required
@require_GET
def feature_detail(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    spec = spec_for_feature(feature=feature)
    sessions = selectors.spec_sessions(spec=spec)
    revisions = [(r, [field_label(n) for n in r.fields]) for r in selectors.spec_revisions(spec=spec)[:5]]
    may_edit = may_edit_feature(me(request), feature.team_id)
    deployments, deployment_count = selectors.feature_deployments(feature=feature)
    context = {
        "feature": feature,
        "spec": spec,
        "sessions": sessions,
        "session_count": len(sessions),
        "target_sessions": TARGET_SESSIONS,
        "revisions": revisions,
        # Revisions since alignment (the framing versions are in the history, not in this count).
        "revision_count": spec.revisions.exclude(kind="framing").count()
        if len(revisions) == 5
        else sum(1 for r, _labels in revisions if r.kind != "framing"),
        "reviews": list(feature.acceptance_reviews.all()),
        "deployments": deployments,
        "deployment_count": deployment_count,
        "key_results": list(feature.key_results.all()),
        "depends_on": list(feature.depends_on.all()),
        "dependents": list(feature.dependents.all()),
        "may_edit": may_edit,
        "transitions": [(s, Feature.Status(s).label) for s in services.allowed_transitions(feature)],
        **spec_summary(spec),
        "today": timezone.localdate(),
        "lifecycle": LIFECYCLE,
        "done_steps": _done_steps(feature),
        "drop": selectors.feature_drop_event(feature=feature)
        if feature.status == Feature.Status.DROPPED
        else None,
    }
    return render(request, "collab/features/feature_detail.html", context)


@login_required
@require_POST
def feature_transition(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and a valid date."))
        return redirect("collab:feature_detail", key=feature.key)
    if form.cleaned_data["to"] == Feature.Status.DROPPED:
        return redirect("collab:feature_drop", key=feature.key)  # dropping asks why first
    at = None
    if form.cleaned_data.get("delivered_on"):
        day = form.cleaned_data["delivered_on"]
        # A past day counts as delivered at the end of that working day, in the organisation's time
        # zone (not the server's); today means now.
        zone = org_zone(feature.org.time_zone)
        at = (
            None
            if day >= timezone.localdate(timezone=zone)
            else datetime.combine(day, time(17, 0), tzinfo=zone)
        )
    try:
        services.feature_transition(feature=feature, to=form.cleaned_data["to"], by=me(request), at=at)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(key)s is now “%(status)s”.") % {"key": feature.key, "status": feature.get_status_display()},
        )
    return redirect("collab:feature_detail", key=feature.key)


@login_required
def feature_drop(request: OrgRequest, key: str) -> HttpResponse:
    """Drop a feature: a confirmation that asks why (the reason is kept and shown on its page)."""
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    if Feature.Status.DROPPED not in services.allowed_transitions(feature):
        messages.info(
            request,
            _("%(key)s cannot be dropped: it is “%(status)s”.")
            % {"key": feature.key, "status": feature.get_status_display()},
        )
        return redirect("collab:feature_detail", key=feature.key)
    form = DropForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feature_drop(feature=feature, by=me(request), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(key)s is dropped.") % {"key": feature.key})
            return redirect("collab:feature_detail", key=feature.key)
    return render(request, "collab/features/feature_drop.html", {"feature": feature, "form": form})


@login_required
def review_create(request: OrgRequest, key: str) -> HttpResponse:
    feature = get_feature(request, key)
    require_editor(request, feature.team_id)
    spec = spec_for_feature(feature=feature)
    criteria = normalise("success_criteria", spec.success_criteria)
    form = ReviewForm(request.POST or None, criteria=criteria)
    if feature.status != Feature.Status.DELIVERED:
        messages.info(
            request,
            _("Only a delivered feature is reviewed; %(key)s is “%(status)s”.")
            % {"key": feature.key, "status": feature.get_status_display()},
        )
        return redirect("collab:feature_detail", key=feature.key)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_record(
                feature=feature,
                by=me(request),
                outcome=form.cleaned_data["outcome"],
                criteria_results=form.criteria_results(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if review.outcome == "accepted":
                messages.success(request, _("%(key)s is accepted.") % {"key": feature.key})
            else:
                messages.warning(
                    request, _("%(key)s is rejected and back in progress.") % {"key": feature.key}
                )
            return redirect("collab:feature_detail", key=feature.key)
    return render(
        request, "collab/features/review_form.html", {"feature": feature, "form": form, "spec": spec}
    )


@login_required
@require_GET
def roadmap(request: OrgRequest) -> HttpResponse:
    org = _org(request)
    teams = list(selectors.team_list(org=org))
    team = None
    if request.GET.get("team"):
        team = get_object_or_404(selectors.team_list(org=org), slug=request.GET["team"])
    quarters = selectors.feature_quarters(org=org)
    quarter = request.GET.get("quarter", "") if request.GET.get("quarter") in quarters else ""
    data = selectors.roadmap(org=org, team=team, quarter=quarter)
    return render(
        request,
        "collab/features/roadmap.html",
        {
            "roadmap": data,
            "teams": teams,
            "team": team,
            "quarters": quarters,
            "quarter": quarter,
            "limit": selectors.ROADMAP_LIMIT,
        },
    )
