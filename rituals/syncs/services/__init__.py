"""Writes for ritual templates, schedules and syncs (see each module). Import from here."""

from __future__ import annotations

from rituals.syncs.services.agenda import carry_over, next_open_sync, sync_create, sync_prepare, template_for
from rituals.syncs.services.closing import (
    pulse_record,
    sync_close,
    sync_summary_later,
    sync_summary_send,
    syncs_close_stale,
)
from rituals.syncs.services.common import next_sync_key, sync_touch, week_bounds
from rituals.syncs.services.content import (
    action_item_add,
    action_item_delete,
    action_item_set_done,
    decision_add,
    decision_delete,
    item_add,
    item_delete,
    item_set_done,
)
from rituals.syncs.services.running import (
    sync_delete,
    sync_facilitator_set,
    sync_goto,
    sync_next,
    sync_pause,
    sync_previous,
    sync_resume,
    sync_start,
)
from rituals.syncs.services.schedules import (
    next_occurrence,
    schedule_create,
    schedule_delete,
    schedule_ensure_next_sync,
    schedule_rotate_token,
    schedule_update,
)
from rituals.syncs.services.templates import (
    SectionInput,
    template_reset,
    template_update,
    templates_ensure_defaults,
)

__all__ = [
    "SectionInput",
    "action_item_add",
    "action_item_delete",
    "action_item_set_done",
    "carry_over",
    "decision_add",
    "decision_delete",
    "item_add",
    "item_delete",
    "item_set_done",
    "next_occurrence",
    "next_open_sync",
    "next_sync_key",
    "pulse_record",
    "schedule_create",
    "schedule_delete",
    "schedule_ensure_next_sync",
    "schedule_rotate_token",
    "schedule_update",
    "sync_close",
    "sync_create",
    "sync_delete",
    "sync_facilitator_set",
    "sync_goto",
    "sync_next",
    "sync_pause",
    "sync_prepare",
    "sync_previous",
    "sync_resume",
    "sync_start",
    "sync_summary_later",
    "sync_summary_send",
    "sync_touch",
    "syncs_close_stale",
    "template_for",
    "template_reset",
    "template_update",
    "templates_ensure_defaults",
    "week_bounds",
]
