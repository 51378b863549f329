"""`escalation_badge_count` for every template: open escalations awaiting the caller's level.
Lazy and memoised on the request, so a page costs at most one COUNT query for it, and none when
the template doesn't show it (or the person holds no level)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rituals.conflicts import selectors

_ATTR = "_escalation_badge_count"


def badge_count(request: HttpRequest) -> int:
    if not hasattr(request, _ATTR):
        user = getattr(request, "user", None)
        membership = (
            getattr(request, "membership", None) if user is not None and user.is_authenticated else None
        )
        setattr(request, _ATTR, selectors.escalation_badge_count(membership=membership))
    return getattr(request, _ATTR)


def escalations(request: HttpRequest) -> dict[str, Any]:
    return {"escalation_badge_count": SimpleLazyObject(lambda: badge_count(request))}
