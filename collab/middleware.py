from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from collab.http import OrgRequest
from collab.models import Membership
from collab.weeks import org_zone

SESSION_KEY = "active_org_id"


def active_membership(request: OrgRequest) -> Membership | None:
    """The caller's membership in their active organisation (the one picked with the switcher, else
    their first), or None for an anonymous caller or someone in no organisation."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("org", "user")
    wanted = request.session.get(SESSION_KEY)
    return (memberships.filter(org_id=wanted).first() if wanted else None) or memberships.first()


def set_active_organisation(request: OrgRequest, membership: Membership | None) -> None:
    """Scope the request to the membership's organisation and render times in its time zone."""
    request.membership = membership  # type: ignore[assignment]  # None until a view guards it
    request.org = membership.org if membership else None  # type: ignore[assignment]  # None until a view guards it
    if membership is not None:
        timezone.activate(org_zone(membership.org.time_zone))


class OrganisationMiddleware:
    """Sets `request.membership` and `request.org` — the caller's active organisation, which every
    read is scoped to — and activates that organisation's time zone. People in several
    organisations switch with `collab:org_switch`.

    The lookup happens in `process_view`, so a view marked `skips_org_lookup = True` (the presenter
    screens' "nothing changed" poll) costs no session, user or membership query at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: OrgRequest) -> HttpResponse:
        request.membership = None  # type: ignore[assignment]  # None until a view guards it
        request.org = None  # type: ignore[assignment]  # None until a view guards it
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self, request: OrgRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "skips_org_lookup", False):
            return None
        set_active_organisation(request, active_membership(request))
        if request.org is not None and request.org.awaiting_verification:
            return _until_verified(request)
        return None


# Reachable before the founder has confirmed their e-mail: signing out, the language, the health probes.
_OPEN_WHILE_UNVERIFIED = {
    "logout",
    "login",
    "set_language",
    "healthz",
    "healthz_live",
    "healthz_ready",
    "signup",
    "signup_pending",
    "signup_resend",
    "signup_verify",
}


def _until_verified(request: OrgRequest) -> HttpResponse | None:
    """Pages of an organisation whose founder has not followed the e-mailed link yet say "check your
    inbox" (collab/signup_views.py) instead of opening."""
    match = request.resolver_match
    if match is not None and (match.url_name in _OPEN_WHILE_UNVERIFIED or match.app_name == "admin"):
        return None
    return redirect("signup_pending")
