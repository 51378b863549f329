"""Closing a sync: record the last section's duration, carry what is unfinished to the team's next
sync, e-mail the summary after commit, ask the team pulse; and close syncs forgotten live."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.mail import task_after_commit
from collab.models import Membership
from collab.signals import records_changed_later
from rituals.leadership.reviews import review_record
from rituals.models import Pulse, Sync, SyncSchedule, SyncSection
from rituals.signals import send_after_commit, sync_closed
from rituals.syncs import defaults
from rituals.syncs.markdown import summary_markdown
from rituals.syncs.selectors import sync_summary
from rituals.syncs.services.agenda import carry_over, next_open_sync
from rituals.syncs.services.common import lock_sync, sync_touch, week_bounds
from rituals.syncs.services.running import leave_section
from rituals.syncs.services.schedules import schedule_ensure_next_sync

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=3)


@transaction.atomic
def sync_close(*, sync: Sync, note: str = "", now: datetime | None = None, send_summary: bool = True) -> Sync:
    """End a live sync: the current section ends now, unfinished items and open action items carry
    over to the team's next sync (the schedule creates it when there is none), the summary goes to
    the attendees once the transaction commits, and the team's metrics are refreshed."""
    sync = lock_sync(sync)
    if sync.status != Sync.Status.LIVE:
        raise ValidationError(_("Only a live sync can be closed."))
    now = now or timezone.now()
    if sync.current_section_id is not None:
        leave_section(SyncSection.objects.get(pk=sync.current_section_id), sync, now)
    review_record(sync=sync, now=now)
    sync.status, sync.ended_at, sync.paused_at, sync.current_section = Sync.Status.CLOSED, now, None, None
    sync.close_note = note.strip()
    sync.save(update_fields=["status", "ended_at", "paused_at", "current_section", "close_note"])
    sync_touch(sync_id=sync.pk)

    following = next_open_sync(sync)
    if following is not None:
        carry_over(source=sync, target=following)
    schedule = sync.schedule or (
        SyncSchedule.objects.filter(team_id=sync.team_id, ritual=sync.ritual, active=True).first()
        if sync.team_id is not None
        else None
    )
    if schedule is not None and schedule.active:
        # There is always a next sync in a series: the one already planned (which joins the
        # series), or the next occurrence, created and prepared, which carries the leftovers over.
        schedule_ensure_next_sync(schedule=schedule, now=now)

    if send_summary:
        sync_id = sync.pk
        sync_summary_later(sync_id=sync_id)
    records_changed_later(sender=Sync, org_id=sync.org_id, team_id=sync.team_id)
    send_after_commit(sync_closed, sender=Sync, org_id=sync.org_id, sync_id=sync.pk)
    return sync


def syncs_close_stale(*, now: datetime | None = None) -> list[int]:
    """Close every sync left live for more than three hours, with a note saying so. Each sync closes
    in its own transaction; one a facilitator is closing right now is skipped until the next run."""
    now = now or timezone.now()
    closed: list[int] = []
    candidates = Sync.objects.filter(status=Sync.Status.LIVE, started_at__lte=now - STALE_AFTER)
    for sync_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            sync = (
                Sync.objects.select_for_update(skip_locked=True)
                .filter(pk=sync_id, status=Sync.Status.LIVE)
                .first()
            )
            if sync is None:
                continue
            sync_close(sync=sync, note=defaults.NOTE_AUTO_CLOSED, now=now)
            closed.append(sync_id)
    return closed


def sync_summary_later(*, sync_id: int) -> None:
    """E-mail the summary from a worker once the transaction commits (retried if SMTP fails)."""
    from rituals.tasks import sync_summary_email  # tasks import these services

    task_after_commit(sync_summary_email, sync_id=sync_id)


def sync_summary_send(*, sync_id: int) -> int:
    """E-mail the summary (Markdown, in the organisation's language) to the attendees. Returns the
    number of messages sent."""
    sync = Sync.objects.select_related("org", "team", "facilitator__user").filter(pk=sync_id).first()
    if sync is None:
        return 0
    with translation.override(sync.org.language or "en"):
        summary = sync_summary(sync=sync)
        recipients = sorted({m.user.email for m in summary.attendees if m.user.email})
        if not recipients:
            return 0
        subject = _("Summary · %(key)s %(ritual)s") % {"key": sync.key, "ritual": sync.get_ritual_display()}
        if sync.team is not None:
            subject += f" · {sync.team.name}"
        body = summary_markdown(summary)
    messages = [EmailMessage(subject=subject, body=body, to=[email]) for email in recipients]
    # SMTP errors propagate: the Celery task retries them with backoff.
    sent = get_connection().send_messages(messages) or 0
    Sync.objects.filter(pk=sync_id).update(summary_sent_at=timezone.now())
    return sent


@transaction.atomic
def pulse_record(*, sync: Sync, membership: Membership, score: int) -> Pulse:
    """One answer per person per sync (answering again changes it), for the team and the ISO week of
    the sync in the organisation's time zone."""
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("Choose a score from 1 to 5.")})
    sync = lock_sync(sync)  # serialises answers of one sync: no duplicate per person
    if sync.team_id is None:
        raise ValidationError(_("The pulse is asked for a team's sync."))
    if sync.status == Sync.Status.SCHEDULED:
        raise ValidationError(_("The pulse opens when the sync starts."))
    week, _start, _end = week_bounds(sync.started_at or sync.scheduled_at, sync.org)
    pulse = Pulse.objects.filter(sync=sync, membership=membership).first()
    if pulse is None:
        pulse = Pulse.objects.create(
            org_id=sync.org_id, team_id=sync.team_id, week=week, score=score, sync=sync, membership=membership
        )
    elif pulse.score != score:
        pulse.score = score
        pulse.save(update_fields=["score"])
    sync_touch(sync_id=sync.pk)
    records_changed_later(sender=Sync, org_id=sync.org_id, team_id=sync.team_id)
    return pulse
