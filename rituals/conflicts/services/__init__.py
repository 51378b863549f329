"""Writes for conflicts, escalations, obstacles, 1:1s and post-mortems: `<entity>_<action>(*, ...)`,
each in one transaction, side effects after commit."""

from __future__ import annotations

from rituals.conflicts.services.conflicts import (
    STEPS,
    conflict_choose_option,
    conflict_current_step,
    conflict_open,
    conflict_reopen,
    conflict_resolution_missing,
    conflict_resolve,
    conflict_session_delete,
    conflict_session_record,
    conflict_session_update,
    conflict_set_options,
    conflict_update_identify,
    conflict_update_pause,
    conflict_update_test,
    conflict_value_missing,
    conflict_work_record,
)
from rituals.conflicts.services.escalations import (
    escalation_decide,
    escalation_may_decide,
    escalation_open_from_conflict,
    escalation_open_from_item,
    escalation_raise,
)
from rituals.conflicts.services.obstacles import (
    obstacle_create,
    obstacle_reopen,
    obstacle_resolve,
    obstacle_update,
)
from rituals.conflicts.services.one_on_ones import LEADER_ROLES, one_on_one_create, one_on_one_update
from rituals.conflicts.services.postmortems import postmortem_create, postmortem_update

__all__ = [
    "LEADER_ROLES",
    "STEPS",
    "conflict_choose_option",
    "conflict_current_step",
    "conflict_open",
    "conflict_reopen",
    "conflict_resolution_missing",
    "conflict_resolve",
    "conflict_session_delete",
    "conflict_session_record",
    "conflict_session_update",
    "conflict_set_options",
    "conflict_update_identify",
    "conflict_update_pause",
    "conflict_update_test",
    "conflict_value_missing",
    "conflict_work_record",
    "escalation_decide",
    "escalation_may_decide",
    "escalation_open_from_conflict",
    "escalation_open_from_item",
    "escalation_raise",
    "obstacle_create",
    "obstacle_reopen",
    "obstacle_resolve",
    "obstacle_update",
    "one_on_one_create",
    "one_on_one_update",
    "postmortem_create",
    "postmortem_update",
]
