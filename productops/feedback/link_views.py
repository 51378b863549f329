"""The teams' public feedback forms (settings, and the form itself, without login) and the
most-requested panel of the DRIVE roadmap section, with its toggle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Team
from collab.ratelimits import rate_limited
from collab.weeks import org_zone
from productops.feedback import links, selectors, services
from productops.feedback.forms import PublicFeedbackForm
from productops.models import FeedbackItem
from productops.permissions import may_edit_feedback, require_feedback_editor
from productops.requests import request_editor, request_org


def _team(request: OrgRequest, slug: str) -> Team:
    return get_object_or_404(selectors.feedback_teams(org=request_org(request)), slug=slug)


@login_required
@require_GET
def feedback_links(request: OrgRequest) -> HttpResponse:
    request_editor(request, require_feedback_editor)
    teams = list(selectors.feedback_teams(org=request_org(request)))
    return render(request, "productops/feedback_links.html", _links_context(teams))


def _links_context(
    teams: list[Team], *, new_link: str = "", new_team: Team | None = None
) -> dict[str, object]:
    found = links.links_of(teams=teams)
    return {
        "rows": [(team, found.get(team.pk)) for team in teams],
        "new_link": new_link,
        "new_team": new_team,
    }


@login_required
@require_POST
def feedback_link_rotate(request: OrgRequest, slug: str) -> HttpResponse:
    request_editor(request, require_feedback_editor)
    team = _team(request, slug)
    token = links.link_rotate(team=team)
    url = request.build_absolute_uri(reverse("productops:feedback_public", args=[token]))
    messages.success(
        request, _("New link for %(team)s: the previous one no longer works.") % {"team": team.name}
    )
    teams = list(selectors.feedback_teams(org=request_org(request)))
    return render(
        request, "productops/feedback_links.html", _links_context(teams, new_link=url, new_team=team)
    )


@login_required
@require_POST
def feedback_link_toggle(request: OrgRequest, slug: str) -> HttpResponse:
    request_editor(request, require_feedback_editor)
    team = _team(request, slug)
    enabled = request.POST.get("enabled") == "1"
    links.link_set_enabled(team=team, enabled=enabled)
    messages.success(
        request,
        (_("The form of %(team)s is open.") if enabled else _("The form of %(team)s is turned off."))
        % {"team": team.name},
    )
    return redirect("productops:feedback_links")


@rate_limited("feedback_form", "RATELIMIT_FEEDBACK_FORM")
@require_http_methods(["GET", "POST"])
def feedback_public(request: OrgRequest, token: str) -> HttpResponse:
    team = links.team_for_token(token)
    if team is None:
        raise Http404(_("This feedback form is closed or its link was replaced."))
    form = PublicFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_create(
                org=team.org,
                by=None,
                text=form.cleaned_data["text"],
                source=form.cleaned_data["source"],
                account=form.cleaned_data["account"],
                received_on=timezone.localdate(timezone=org_zone(team.org.time_zone)),
                via=FeedbackItem.Via.FORM,
                team=team,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(request, "productops/feedback_public.html", {"team": team, "sent": True})
    return render(request, "productops/feedback_public.html", {"team": team, "form": form, "sent": False})


@login_required
@require_GET
def most_requested_panel(request: OrgRequest, slug: str) -> HttpResponse:
    """The most-requested unplanned features of the team, for the DRIVE roadmap section (included by
    URL from the sync page: rituals sits above productops in the layers but shows this by htmx)."""
    team = _team(request, slug)
    shown = links.shows_most_requested(team=team)
    back = request.GET.get("next", "")
    return render(
        request,
        "productops/most_requested_panel.html",
        {
            "team": team,
            "shown": shown,
            "rows": links.most_requested_unplanned(team=team) if shown else [],
            "may_edit": may_edit_feedback(request.membership),
            "next": back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else "",
        },
    )


@login_required
@require_POST
def most_requested_toggle(request: OrgRequest, slug: str) -> HttpResponse:
    request_editor(request, require_feedback_editor)
    team = _team(request, slug)
    links.most_requested_set(team=team, show=request.POST.get("show") == "1")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("productops:feedback_inbox")
