"""The pages that span the whole organisation: the start page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collab import selectors
from collab.http import OrgRequest
from collab.onboarding import Step, onboarding_steps, onboarding_visible
from collab.permissions import Cap, can
from delivery.models import ApiToken, Deployment
from rituals.models import SyncSchedule
from workspace.health import health_report, log_failures, public_report
from workspace.home import home_agenda
from workspace.models import ImportJob


@login_required
@require_GET
def home(request: OrgRequest) -> HttpResponse:
    if request.org is None:
        return render(request, "collab/no_organisation.html")
    teams = selectors.team_list(org=request.org)
    agenda = home_agenda(org=request.org, membership=request.membership)
    steps = _onboarding(request)
    return render(request, "workspace/home.html", {"teams": teams, "agenda": agenda, "onboarding": steps})


def _onboarding(request: OrgRequest) -> list[Step] | None:
    """The first steps, for a manager, until done or dismissed (collab/onboarding.py)."""
    org = request.org
    if org.onboarding_dismissed_at is not None or not can(request.membership, Cap.MANAGE_ORG):
        return None
    steps = onboarding_steps(
        org=org,
        schedules=SyncSchedule.objects.filter(org=org).count(),
        delivery_records=ApiToken.objects.filter(org=org).count()
        + Deployment.objects.filter(org=org).count(),
        imports=ImportJob.objects.filter(from_org=org).count(),
    )
    return steps if onboarding_visible(org=org, membership=request.membership, steps=steps) else None


@never_cache
@require_GET
def healthz(request: OrgRequest) -> JsonResponse:
    report = health_report()
    log_failures(report)
    status = 200 if report["status"] == "ok" else 503
    if not (request.user.is_authenticated and request.user.is_staff):
        report = public_report(report)
    return JsonResponse(report, status=status)
