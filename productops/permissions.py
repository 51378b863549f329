"""Who may create and edit experiments: Product Ops, PMs and leadership. Everyone in the
organisation reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from collab.models import Role

if TYPE_CHECKING:
    from collab.models import Membership

EXPERIMENT_EDITORS = frozenset({Role.PRODUCT_OPS, Role.PM, Role.VP_PRODUCT, Role.CPO, Role.CTO, Role.CEO})


def may_edit_experiments(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role in EXPERIMENT_EDITORS


def require_experiment_editor(membership: Membership | None) -> None:
    if not may_edit_experiments(membership):
        raise PermissionDenied(_("Only Product Ops, PMs and leadership create and edit experiments."))


def may_edit_feedback(membership: Membership | None) -> bool:
    """Product Ops, PMs and leadership triage feedback; everyone in the organisation reads it."""
    return may_edit_experiments(membership)


def require_feedback_editor(membership: Membership | None) -> None:
    if not may_edit_feedback(membership):
        raise PermissionDenied(_("Only Product Ops, PMs and leadership log and triage feedback."))


# Launches involve product and engineering leads: they tick monitoring, rollback and flags.
LAUNCH_EDITORS = EXPERIMENT_EDITORS | {Role.TECH_LEAD, Role.ENGINEERING_MANAGER}
LAUNCH_TEMPLATE_EDITORS = frozenset({Role.PRODUCT_OPS, Role.VP_PRODUCT, Role.CPO})


def may_edit_launches(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role in LAUNCH_EDITORS


def require_launch_editor(membership: Membership | None) -> None:
    if not may_edit_launches(membership):
        raise PermissionDenied(
            _("Only Product Ops, PMs, tech leads, engineering managers and leadership plan launches.")
        )


def may_edit_launch_template(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role in LAUNCH_TEMPLATE_EDITORS


def require_launch_template_editor(membership: Membership | None) -> None:
    if not may_edit_launch_template(membership):
        raise PermissionDenied(_("Only Product Ops and product leadership edit the launch template."))
