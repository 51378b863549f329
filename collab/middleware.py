from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from collab.models import Membership

SESSION_KEY = "active_org_id"


def active_membership(request: HttpRequest) -> Membership | None:
    """The caller's membership in their active organisation (the one picked with the switcher, else
    their first), or None for an anonymous caller or someone in no organisation."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("org", "user")
    wanted = request.session.get(SESSION_KEY)
    return (memberships.filter(org_id=wanted).first() if wanted else None) or memberships.first()


def set_active_organisation(request: HttpRequest, membership: Membership | None) -> None:
    """Scope the request to the membership's organisation and render times in its time zone."""
    request.membership = membership  # type: ignore[attr-defined]
    request.org = membership.org if membership else None  # type: ignore[attr-defined]
    if membership is not None:
        try:
            timezone.activate(ZoneInfo(membership.org.time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()


class OrganisationMiddleware:
    """Sets `request.membership` and `request.org` — the caller's active organisation, which every
    read is scoped to — and activates that organisation's time zone. People in several
    organisations switch with `collab:org_switch`.

    The lookup happens in `process_view`, so a view marked `skips_org_lookup = True` (the presenter
    screens' "nothing changed" poll) costs no session, user or membership query at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.org = None  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        if getattr(view_func, "skips_org_lookup", False):
            return
        set_active_organisation(request, active_membership(request))
