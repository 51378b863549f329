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


# Who may grant which role (in an invitation or by changing someone's role), shown on the settings
# page: a role is granted only by someone at least as senior, leadership roles only by leadership,
# and nobody changes their own role nor the role of someone more senior.
SENIORITY: dict[str, int] = {
    Role.VIEWER: 0,
    Role.ENGINEER: 1,
    Role.DESIGNER: 1,
    Role.PM: 2,
    Role.TECH_LEAD: 2,
    Role.ENGINEERING_MANAGER: 3,
    Role.PRODUCT_OPS: 3,
    Role.VP_PRODUCT: 4,
    Role.CPO: 5,
    Role.CTO: 5,
    Role.CEO: 6,
}


def role_may_grant(granter_role: str, role: str) -> bool:
    if role not in SENIORITY:
        return False
    if role in LEADERSHIP and granter_role not in LEADERSHIP:
        return False
    return SENIORITY.get(granter_role, -1) >= SENIORITY[role]


def may_grant(granter: Membership | None, role: str) -> bool:
    """Whether `granter` may give `role` to someone (rules above; capabilities are checked apart)."""
    return granter is not None and granter.is_active and role_may_grant(granter.role, role)


def grantable_roles(granter: Membership | None) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in Role.choices if may_grant(granter, value)]


def role_change_refusal(*, by: Membership, membership: Membership, role: str) -> str | None:
    """Why `by` may not give `membership` the role `role`, in the reader's language, or None."""
    from django.utils.translation import gettext as _

    if membership.pk == by.pk or membership.user_id == by.user_id:
        return _("You cannot change your own role; ask a leader of your organisation.")
    if not may_grant(by, membership.role):
        return _(
            "%(person)s is more senior than you: only someone at least as senior changes their role."
        ) % {"person": membership.user}
    if not may_grant(by, role):
        return grant_refusal(role)
    return None


def grant_refusal(role: str) -> str:
    from django.utils.translation import gettext as _

    label = Role(role).label if role in Role.values else role
    if role in LEADERSHIP:
        return _("Only leadership (VP Product, CPO, CTO, CEO) can grant the %(role)s role.") % {"role": label}
    return _("Only someone whose own role is at least as senior can grant the %(role)s role.") % {
        "role": label
    }


def role_matrix() -> list[tuple[Any, list[bool], list[Any]]]:
    """Rows of (role label, [may do capability …] in the order of `capability_labels()`, [labels
    of the roles that may grant this one])."""
    caps = list(capability_labels())
    granting = CAPABILITIES[Cap.MANAGE_ORG] | CAPABILITIES[Cap.MANAGE_TEAMS]
    return [
        (
            label,
            [value in CAPABILITIES[cap] for cap in caps],
            [lbl for v, lbl in Role.choices if v in granting and role_may_grant(v, value)],
        )
        for value, label in Role.choices
    ]


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
