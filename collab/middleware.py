from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from collab.models import Membership

SESSION_KEY = "active_org_id"


class OrganisationMiddleware:
    """Sets `request.membership` and `request.org` — the caller's active organisation, which every
    read is scoped to. People in several organisations switch with `collab:org_switch`.

    The lookup happens in `process_view`, so a view marked `skips_org_lookup = True` (the presenter
    screens' "nothing changed" poll) costs no session, user or membership query at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.org = None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        if getattr(view_func, "skips_org_lookup", False) or not request.user.is_authenticated:
            return
        memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
            "org", "user"
        )
        wanted = request.session.get(SESSION_KEY)
        membership = (memberships.filter(org_id=wanted).first() if wanted else None) or memberships.first()
        if membership is not None:
            request.membership = membership  # type: ignore[attr-defined]
            request.org = membership.org  # type: ignore[attr-defined]
