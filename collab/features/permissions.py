"""Who may edit features, specs and OKRs.

The rule, in one place (`may_edit_feature`): a team's features and specs are edited by the team's
product manager and tech lead (their `TeamMember` role in that team), and by product leadership and
Product Ops (organisation roles vp_product, cpo, ceo, product_ops). Everybody else in the
organisation reads; viewers only ever read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collab.models import Role, TeamMember

if TYPE_CHECKING:
    from collab.models import Membership, Team

ORG_EDITOR_ROLES: frozenset[str] = frozenset({Role.VP_PRODUCT, Role.CPO, Role.CEO, Role.PRODUCT_OPS})
TEAM_EDITOR_ROLES: frozenset[str] = frozenset({Role.PM, Role.TECH_LEAD})
# OKRs are shared by product and tech: the CTO sets technical key results too.
OKR_EDITOR_ROLES: frozenset[str] = frozenset({*ORG_EDITOR_ROLES, Role.CTO, Role.PM, Role.TECH_LEAD})

_CACHE_ATTR = "_feature_editor_team_ids"


def _editor_team_ids(membership: Membership) -> frozenset[int]:
    """Teams where this person is PM or tech lead; read once and kept on the membership object
    (the middleware builds one per request), so lists ask the database a single time."""
    cached = getattr(membership, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(
            TeamMember.objects.filter(membership=membership, role__in=TEAM_EDITOR_ROLES).values_list(
                "team_id", flat=True
            )
        )
        setattr(membership, _CACHE_ATTR, cached)
    return cached


def _active_non_viewer(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role != Role.VIEWER


def may_edit_feature(membership: Membership | None, team: Team | int) -> bool:
    """True when `membership` may create or change the features and specs of `team` (or team id)."""
    if not _active_non_viewer(membership):
        return False
    assert membership is not None
    if membership.role in ORG_EDITOR_ROLES:
        return True
    team_id = team if isinstance(team, int) else team.pk
    return team_id in _editor_team_ids(membership)


def editable_team_ids(membership: Membership | None) -> frozenset[int] | None:
    """The teams whose features this person edits: None means every team of the organisation."""
    if not _active_non_viewer(membership):
        return frozenset()
    assert membership is not None
    if membership.role in ORG_EDITOR_ROLES:
        return None
    return _editor_team_ids(membership)


def may_create_features(membership: Membership | None) -> bool:
    ids = editable_team_ids(membership)
    return ids is None or bool(ids)


def may_edit_okrs(membership: Membership | None) -> bool:
    if not _active_non_viewer(membership):
        return False
    assert membership is not None
    return membership.role in OKR_EDITOR_ROLES
