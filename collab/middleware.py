from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from collab.models import Membership

SESSION_KEY = "active_org_id"


class OrganisationMiddleware:
    """Sets `request.membership` and `request.org` — the caller's active organisation, which every
    read is scoped to. People in several organisations switch with `collab:org_switch`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.org = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = Membership.objects.filter(user=request.user, is_active=True).select_related("org", "user")
            wanted = request.session.get(SESSION_KEY)
            membership = (memberships.filter(org_id=wanted).first() if wanted else None) or memberships.first()
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.org = membership.org  # type: ignore[attr-defined]
        return self.get_response(request)
