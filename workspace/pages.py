"""The pages that span the whole organisation: the start page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collab import selectors
from collab.http import OrgRequest
from workspace.health import health_report, log_failures, public_report
from workspace.home import home_agenda


@login_required
@require_GET
def home(request: OrgRequest) -> HttpResponse:
    if request.org is None:
        return render(request, "collab/no_organisation.html")
    teams = selectors.team_list(org=request.org)
    agenda = home_agenda(org=request.org, membership=request.membership)
    return render(request, "workspace/home.html", {"teams": teams, "agenda": agenda})


@never_cache
@require_GET
def healthz(request: OrgRequest) -> JsonResponse:
    report = health_report()
    log_failures(report)
    status = 200 if report["status"] == "ok" else 503
    if not (request.user.is_authenticated and request.user.is_staff):
        report = public_report(report)
    return JsonResponse(report, status=status)
