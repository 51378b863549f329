"""Weekly sync schedules per team, and their .ics feed (subscribed to without logging in: the
address carries the schedule's secret token)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.permissions import Cap, can, require
from collab.ratelimits import ALL, rate_limited
from rituals.models import SyncSchedule
from rituals.syncs import ics, selectors, services
from rituals.syncs.forms import WEEKDAYS, ScheduleForm
from rituals.syncs.services.common import org_tz


def feed_url(request: OrgRequest | None, schedule: SyncSchedule) -> str:
    path = reverse("rituals:schedule_feed", args=[schedule.feed_token])
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL.rstrip("/") + path


@login_required
@require_GET
def schedule_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    if org is None:
        return render(request, "collab/no_organisation.html")
    schedules = list(selectors.schedule_list(org=org))
    for schedule in schedules:
        schedule.feed = feed_url(request, schedule)  # type: ignore[attr-defined]
        schedule.webcal = "webcal://" + schedule.feed.split("://", 1)[-1]  # type: ignore[attr-defined]
    next_syncs = {
        s.schedule_id: s
        for s in selectors.sync_queryset(org=org)
        .filter(schedule__in=schedules, status__in=["scheduled", "live"])
        .order_by("-scheduled_at")
    }
    return render(
        request,
        "rituals/syncs/schedule_list.html",
        {
            "schedules": schedules,
            "next_syncs": next_syncs,
            "weekdays": dict(WEEKDAYS),
            "can_edit": can(request.membership, Cap.FACILITATE),
            "tz": org_tz(org).key,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.FACILITATE)
def schedule_create(request: OrgRequest) -> HttpResponse:
    org = request.org
    initial = {"facilitator": request.membership, "time": "10:00"}
    team_slug = request.GET.get("team")
    if team_slug:
        initial["team"] = org.teams.filter(slug=team_slug).first()
    form = ScheduleForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            schedule = services.schedule_create(
                org=org,
                team=data["team"],
                ritual=data["ritual"],
                weekday=data["weekday"],
                at=data["time"],
                facilitator=data["facilitator"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Weekly sync scheduled for %(team)s; the next one is prepared.") % {"team": schedule.team},
            )
            return redirect("rituals:schedule_list")
    return render(
        request, "rituals/syncs/schedule_form.html", {"form": form, "schedule": None, "tz": org_tz(org).key}
    )


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.FACILITATE)
def schedule_edit(request: OrgRequest, pk: int) -> HttpResponse:
    org = request.org
    schedule = get_object_or_404(selectors.schedule_list(org=org), pk=pk)
    initial = {
        "weekday": schedule.weekday,
        "time": schedule.time,
        "facilitator": schedule.facilitator,
        "active": schedule.active,
    }
    form = ScheduleForm(request.POST or None, org=org, schedule=schedule, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.schedule_update(
                schedule=schedule,
                weekday=data["weekday"],
                at=data["time"],
                facilitator=data["facilitator"],
                active=data["active"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Schedule saved."))
            return redirect("rituals:schedule_list")
    return render(
        request,
        "rituals/syncs/schedule_form.html",
        {"form": form, "schedule": schedule, "feed": feed_url(request, schedule), "tz": org_tz(org).key},
    )


@login_required
@require_POST
@require(Cap.FACILITATE)
def schedule_rotate(request: OrgRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(selectors.schedule_list(org=request.org), pk=pk)
    services.schedule_rotate_token(schedule=schedule)
    messages.success(request, _("New calendar address; the old one no longer works."))
    return redirect("rituals:schedule_edit", pk=schedule.pk)


@login_required
@require_POST
@require(Cap.FACILITATE)
def schedule_delete(request: OrgRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(selectors.schedule_list(org=request.org), pk=pk)
    services.schedule_delete(schedule=schedule)
    messages.success(request, _("Schedule removed, with the sync it had prepared."))
    return redirect("rituals:schedule_list")


@require_GET
@rate_limited("ics-feed", "RATELIMIT_ICS_FEED", methods=ALL)
def schedule_feed(request: OrgRequest, token: str) -> HttpResponse:
    """The calendar to subscribe to. No login: the unguessable token is the credential."""
    schedule = (
        SyncSchedule.objects.select_related("org", "team").filter(feed_token=token, active=True).first()
        if token
        else None
    )
    if schedule is None:
        raise Http404
    org = schedule.org
    tz = org_tz(org)
    template = services.template_for(org, schedule.ritual)
    minutes = sum(s.planned_minutes for s in template.sections.all()) or 45
    first_day = ics.first_day(timezone.localtime(schedule.created_at, tz).date(), schedule.weekday)
    first = datetime.combine(first_day, schedule.time, tzinfo=tz)
    with override(org.language or "en"):
        summary = f"{_(template.name)} · {schedule.team.name}"
        description = _("Agenda, presenter mode and notes: %(url)s") % {
            "url": request.build_absolute_uri(reverse("rituals:sync_list") + f"?team={schedule.team.slug}")
        }
        body = ics.weekly_calendar(
            uid=f"schedule-{schedule.pk}@{request.get_host().split(':')[0]}",
            tz=tz,
            first=first,
            minutes=minutes,
            weekday=schedule.weekday,
            summary=summary,
            description=description,
            url=request.build_absolute_uri(reverse("rituals:sync_list") + f"?team={schedule.team.slug}"),
            calendar_name=summary,
            stamp=schedule.created_at,
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{schedule.team.slug}-{schedule.ritual}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
