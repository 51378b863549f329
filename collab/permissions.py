"""What each role may do. One table, read by views (`require`) and templates (`can`)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from collab.models import Role

if TYPE_CHECKING:
    from collab.models import Membership

LEADERSHIP = {Role.VP_PRODUCT, Role.CPO, Role.CTO, Role.CEO}
PRODUCT_LEADERSHIP = {Role.VP_PRODUCT, Role.CPO, Role.CEO}


class Cap(StrEnum):
    MANAGE_ORG = "manage_org"  # settings, invitations, glossary, templates, API tokens, targets
    MANAGE_TEAMS = "manage_teams"  # create teams, add members
    EDIT_FEATURES = "edit_features"  # create features, edit any spec (team PM/TL also edit their own)
    CONTRIBUTE = "contribute"  # add sync items, decisions, action items, work conflicts
    FACILITATE = "facilitate"  # start and run a sync
    DECIDE_ESCALATIONS = "decide_escalations"
    RECOMPUTE = "recompute"  # recompute metrics now, import data
    READ = "read"


CAPABILITIES: dict[Cap, set[str]] = {
    Cap.MANAGE_ORG: {Role.PRODUCT_OPS, *LEADERSHIP},
    Cap.MANAGE_TEAMS: {Role.PRODUCT_OPS, Role.ENGINEERING_MANAGER, *LEADERSHIP},
    Cap.EDIT_FEATURES: {Role.PM, Role.TECH_LEAD, Role.PRODUCT_OPS, *PRODUCT_LEADERSHIP},
    Cap.CONTRIBUTE: {r.value for r in Role} - {Role.VIEWER},
    Cap.FACILITATE: {Role.PM, Role.ENGINEERING_MANAGER, Role.PRODUCT_OPS, Role.TECH_LEAD, *LEADERSHIP},
    Cap.DECIDE_ESCALATIONS: {Role.PM, Role.TECH_LEAD, *LEADERSHIP},
    Cap.RECOMPUTE: {Role.PRODUCT_OPS, *LEADERSHIP},
    Cap.READ: {r.value for r in Role},
}


def role_matrix() -> list[tuple[Any, list[bool]]]:
    """Rows of (role label, [may do capability …]) in the order of `capability_labels()`."""
    from collab.models import Role

    caps = list(capability_labels())
    return [(label, [value in CAPABILITIES[cap] for cap in caps]) for value, label in Role.choices]


def capability_labels() -> dict[Cap, Any]:
    from django.utils.translation import gettext_lazy as _

    return {
        Cap.READ: _("Read everything in the organisation"),
        Cap.CONTRIBUTE: _("Add sync items, decisions, action items; work conflicts"),
        Cap.EDIT_FEATURES: _("Create features and edit specs"),
        Cap.FACILITATE: _("Start and run a sync"),
        Cap.DECIDE_ESCALATIONS: _("Decide escalations of their level"),
        Cap.MANAGE_TEAMS: _("Create teams, add members, invite"),
        Cap.RECOMPUTE: _("Import data, recompute metrics"),
        Cap.MANAGE_ORG: _("Organisation settings, glossary, templates, API tokens, targets"),
    }


def can(membership: Membership | None, cap: Cap | str) -> bool:
    if membership is None or not membership.is_active:
        return False
    return membership.role in CAPABILITIES[Cap(cap)]


def require(cap: Cap) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: 403 unless the caller's membership has the capability."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not can(getattr(request, "membership", None), cap):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
