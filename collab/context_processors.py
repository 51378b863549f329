from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from collab.models import Membership
from collab.permissions import CAPABILITIES, Cap

CONFLICT_PAGES = ("conflict", "escalation", "obstacle", "one_on_one", "postmortem")
SETTINGS_PAGES = (
    "settings",
    "team",
    "membership",
    "invitation",
    "glossary",
    "workspace",
    "template",
    "api_",
    "csv_",
    "targets",
    "okr",
    "objective",
    "key_result",
)


def nav_section(request: HttpRequest) -> str:
    """Which top-level navigation entry the current page belongs to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    name, app = match.url_name or "", match.app_name
    if app == "metrics":
        return "settings" if name.startswith(("api_", "csv_", "targets")) else "dashboards"
    if name.startswith(SETTINGS_PAGES):
        return "settings"
    if app == "rituals":
        return "conflicts" if name.startswith(CONFLICT_PAGES) else "rituals"
    if app == "collab":
        return "features"
    return ""


def organisation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    caps = (
        {cap.value: membership.role in roles for cap, roles in CAPABILITIES.items()}
        if membership is not None
        else {cap.value: False for cap in Cap}
    )
    user = getattr(request, "user", None)
    my_memberships = SimpleLazyObject(
        lambda: (
            list(
                Membership.objects.filter(user=user, is_active=True)
                .select_related("org")
                .order_by("org__name")
            )
            if user is not None and user.is_authenticated
            else []
        )
    )
    return {
        "org": getattr(request, "org", None),
        "membership": membership,
        "caps": caps,
        "my_memberships": my_memberships,
        "nav_section": nav_section(request),
    }
