"""Running a sync: start, move between sections, pause and resume, hand the facilitator role over.

Moves record actual durations: leaving a section sets its `ended_at`; entering one sets its
`started_at` (or, when it is revisited, counts the time away as paused so its clock resumes where
it stopped). Every move locks the sync row, so two quick key presses cannot interleave.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Membership, TeamMember
from rituals.leadership.reviews import speaking_follow, speaking_stop
from rituals.models import Sync, SyncSection
from rituals.signals import send_after_commit, sync_started
from rituals.syncs.services.agenda import sync_prepare
from rituals.syncs.services.common import lock_sync, sync_touch
from rituals.syncs.services.schedules import schedule_ensure_next_sync


def _require_live(sync: Sync) -> None:
    if sync.status != Sync.Status.LIVE:
        raise ValidationError(_("This sync is not live."))


def _fold_pause(section: SyncSection, sync: Sync, now: datetime) -> None:
    """Add the running pause to the section's paused seconds (on resume, or when leaving it paused)."""
    if sync.paused_at is not None and section.started_at is not None:
        section.paused_seconds += max(0.0, (now - max(sync.paused_at, section.started_at)).total_seconds())


def leave_section(section: SyncSection, sync: Sync, now: datetime) -> None:
    _fold_pause(section, sync, now)
    section.ended_at = now
    section.save(update_fields=["ended_at", "paused_seconds"])


def enter_section(section: SyncSection, now: datetime) -> None:
    if section.started_at is None:
        section.started_at, section.paused_seconds = now, 0.0
    elif section.ended_at is not None:
        # Revisited: the time away does not count against its time box.
        section.paused_seconds += max(0.0, (now - section.ended_at).total_seconds())
    section.ended_at = None
    section.save(update_fields=["started_at", "ended_at", "paused_seconds"])


@transaction.atomic
def sync_start(*, sync: Sync, now: datetime | None = None) -> Sync:
    """Go live: refresh the agenda, set `started_at` and start the first section."""
    sync_prepare(sync)
    sync = lock_sync(sync)
    if sync.status != Sync.Status.SCHEDULED:
        raise ValidationError(_("This sync has already started."))
    first = sync.sections.order_by("position", "id").first()
    if first is None:
        raise ValidationError(_("This sync has no sections."))
    now = now or timezone.now()
    enter_section(first, now)
    sync.status, sync.started_at, sync.current_section, sync.paused_at = Sync.Status.LIVE, now, first, None
    sync.save(update_fields=["status", "started_at", "current_section", "paused_at"])
    sync_touch(sync_id=sync.pk)
    send_after_commit(sync_started, sender=Sync, org_id=sync.org_id, sync_id=sync.pk)
    return sync


@transaction.atomic
def sync_goto(
    *, sync: Sync, section: SyncSection, expected_current_id: int | None = None, now: datetime | None = None
) -> Sync:
    """Make `section` the current one. With `expected_current_id`, a move made from a stale screen
    (someone moved meanwhile) changes nothing."""
    sync = lock_sync(sync)
    _require_live(sync)
    if section.sync_id != sync.pk:
        raise ValidationError(_("This section belongs to another sync."))
    if expected_current_id is not None and sync.current_section_id != expected_current_id:
        return sync
    if sync.current_section_id == section.pk:
        return sync
    now = now or timezone.now()
    section = SyncSection.objects.get(pk=section.pk)
    if sync.current_section_id is not None:
        leave_section(SyncSection.objects.get(pk=sync.current_section_id), sync, now)
    enter_section(section, now)
    sync.current_section = section
    if sync.paused_at is not None:
        sync.paused_at = now  # still paused; the new section's pause starts now
    sync.save(update_fields=["current_section", "paused_at"])
    speaking_follow(sync=sync, section=section, now=now)
    sync_touch(sync_id=sync.pk)
    return sync


def _neighbour(sync: Sync, step: int) -> SyncSection | None:
    sections = list(sync.sections.order_by("position", "id"))
    ids = [s.pk for s in sections]
    if sync.current_section_id not in ids:
        return sections[0] if sections else None
    index = ids.index(sync.current_section_id) + step
    return sections[index] if 0 <= index < len(sections) else None


@transaction.atomic
def sync_next(*, sync: Sync, expected_current_id: int | None = None, now: datetime | None = None) -> Sync:
    """Move to the next section. On the last one there is no next: close the sync instead."""
    sync = lock_sync(sync)
    _require_live(sync)
    target = _neighbour(sync, +1)
    if target is None:
        raise ValidationError(_("This is the last section: close the sync to finish."))
    return sync_goto(sync=sync, section=target, expected_current_id=expected_current_id, now=now)


@transaction.atomic
def sync_previous(*, sync: Sync, expected_current_id: int | None = None, now: datetime | None = None) -> Sync:
    sync = lock_sync(sync)
    _require_live(sync)
    target = _neighbour(sync, -1)
    if target is None:
        raise ValidationError(_("This is the first section."))
    return sync_goto(sync=sync, section=target, expected_current_id=expected_current_id, now=now)


@transaction.atomic
def sync_pause(*, sync: Sync, now: datetime | None = None) -> Sync:
    sync = lock_sync(sync)
    _require_live(sync)
    if sync.paused_at is None:
        sync.paused_at = now or timezone.now()
        sync.save(update_fields=["paused_at"])
        speaking_stop(sync=sync, now=sync.paused_at)
        sync_touch(sync_id=sync.pk)
    return sync


@transaction.atomic
def sync_resume(*, sync: Sync, now: datetime | None = None) -> Sync:
    sync = lock_sync(sync)
    _require_live(sync)
    if sync.paused_at is not None:
        now = now or timezone.now()
        if sync.current_section_id is not None:
            section = SyncSection.objects.get(pk=sync.current_section_id)
            _fold_pause(section, sync, now)
            section.save(update_fields=["paused_seconds"])
        sync.paused_at = None
        sync.save(update_fields=["paused_at"])
        sync_touch(sync_id=sync.pk)
    return sync


@transaction.atomic
def sync_facilitator_set(*, sync: Sync, membership: Membership) -> Sync:
    """Hand the facilitator role to another member of the sync's team."""
    sync = lock_sync(sync)
    if sync.status == Sync.Status.CLOSED:
        raise ValidationError(_("This sync is closed."))
    if membership.org_id != sync.org_id or not membership.is_active:
        raise ValidationError({"membership": _("Choose an active member of your organisation.")})
    if (
        sync.team_id is not None
        and not TeamMember.objects.filter(team_id=sync.team_id, membership=membership).exists()
    ):
        raise ValidationError({"membership": _("The facilitator must be a member of the team.")})
    if sync.facilitator_id != membership.pk:
        sync.facilitator = membership
        sync.save(update_fields=["facilitator"])
        sync_touch(sync_id=sync.pk)
    return sync


@transaction.atomic
def sync_delete(*, sync: Sync) -> None:
    """Cancel a sync that has not started. A weekly schedule then prepares the occurrence after it."""
    sync = lock_sync(sync)
    if sync.status != Sync.Status.SCHEDULED:
        raise ValidationError(_("Only a sync that has not started can be cancelled."))
    schedule, cancelled_at = sync.schedule, sync.scheduled_at
    sync.delete()
    if schedule is not None:
        schedule_ensure_next_sync(schedule=schedule, now=cancelled_at)
