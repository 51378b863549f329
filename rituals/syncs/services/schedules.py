"""Recurring weekly syncs: a schedule per team, its .ics feed token, and the next sync it creates."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Membership, Organisation, Team, TeamMember
from collab.permissions import CAPABILITIES, Cap
from rituals.models import Ritual, Sync, SyncSchedule
from rituals.syncs.services.agenda import sync_create, template_for
from rituals.syncs.services.common import org_tz


def _validate(
    *, org: Organisation, team: Team, facilitator: Membership | None, weekday: int, ritual: str
) -> None:
    errors: dict[str, str] = {}
    if team.org_id != org.pk:
        errors["team"] = _("Unknown team.")
    if not 0 <= weekday <= 6:
        errors["weekday"] = _("Choose a day of the week.")
    if ritual not in Ritual.values:
        errors["ritual"] = _("Unknown ritual.")
    if facilitator is not None and (
        facilitator.org_id != org.pk
        or not facilitator.is_active
        or not TeamMember.objects.filter(team=team, membership=facilitator).exists()
    ):
        errors["facilitator"] = _("The facilitator must be a member of the team.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def schedule_create(
    *,
    org: Organisation,
    team: Team,
    weekday: int,
    at: time,
    facilitator: Membership | None,
    ritual: str = Ritual.DRIVE,
    now: datetime | None = None,
) -> SyncSchedule:
    _validate(org=org, team=team, facilitator=facilitator, weekday=weekday, ritual=ritual)
    if SyncSchedule.objects.filter(team=team, ritual=ritual, active=True).exists():
        raise ValidationError(
            {"team": _("This team already has a schedule for this ritual; edit it instead.")}
        )
    schedule = SyncSchedule.objects.create(
        org=org,
        team=team,
        ritual=ritual,
        weekday=weekday,
        time=at,
        facilitator=facilitator,
        feed_token=secrets.token_urlsafe(32),
    )
    schedule_ensure_next_sync(schedule=schedule, now=now)
    return schedule


@transaction.atomic
def schedule_update(
    *,
    schedule: SyncSchedule,
    weekday: int,
    at: time,
    facilitator: Membership | None,
    active: bool,
    now: datetime | None = None,
) -> SyncSchedule:
    _validate(
        org=schedule.org, team=schedule.team, facilitator=facilitator, weekday=weekday, ritual=schedule.ritual
    )
    schedule.weekday, schedule.time, schedule.facilitator, schedule.active = weekday, at, facilitator, active
    schedule.save(update_fields=["weekday", "time", "facilitator", "active"])
    upcoming = schedule.syncs.filter(status=Sync.Status.SCHEDULED)
    if not active:
        upcoming.filter(started_at__isnull=True).delete()
        return schedule
    # The scheduled occurrence follows the new day and time.
    for sync in upcoming:
        sync.scheduled_at = next_occurrence(schedule, after=now or timezone.now())
        fields = ["scheduled_at"]
        if facilitator is not None:
            sync.facilitator = facilitator
            fields.append("facilitator")
        sync.save(update_fields=fields)
    schedule_ensure_next_sync(schedule=schedule, now=now)
    return schedule


@transaction.atomic
def schedule_rotate_token(*, schedule: SyncSchedule) -> SyncSchedule:
    """A new feed address; the old one stops working (e.g. it was shared too widely)."""
    schedule.feed_token = secrets.token_urlsafe(32)
    schedule.save(update_fields=["feed_token"])
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: SyncSchedule) -> None:
    schedule.syncs.filter(status=Sync.Status.SCHEDULED).delete()
    schedule.delete()


def occurrence_on_or_after(schedule: SyncSchedule, day: date) -> datetime:
    tz = org_tz(schedule.org)
    first = day + timedelta(days=(schedule.weekday - day.weekday()) % 7)
    return datetime.combine(first, schedule.time, tzinfo=tz)


def next_occurrence(schedule: SyncSchedule, *, after: datetime) -> datetime:
    """The first meeting strictly after `after`, at the schedule's wall-clock time in the
    organisation's time zone (so it stays at 10:00 across daylight-saving changes)."""
    tz = org_tz(schedule.org)
    local_day = after.astimezone(tz).date()
    for offset in range(15):
        day = local_day + timedelta(days=offset)
        if day.weekday() == schedule.weekday:
            candidate = datetime.combine(day, schedule.time, tzinfo=tz)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: a weekday recurs within a fortnight")


def _default_facilitator(schedule: SyncSchedule) -> Membership | None:
    if schedule.facilitator is not None and schedule.facilitator.is_active:
        return schedule.facilitator
    member = (
        TeamMember.objects.filter(
            team=schedule.team, membership__is_active=True, membership__role__in=CAPABILITIES[Cap.FACILITATE]
        )
        .select_related("membership")
        .order_by("id")
        .first()
    )
    return member.membership if member else None


@transaction.atomic
def schedule_ensure_next_sync(*, schedule: SyncSchedule, now: datetime | None = None) -> Sync | None:
    """The schedule's next sync: the one not yet closed, or the team's next sync of the ritual
    planned by hand (it joins the series), or a new one at the next occurrence."""
    if not schedule.active:
        return None
    SyncSchedule.objects.select_for_update().filter(pk=schedule.pk).first()
    pending = schedule.syncs.exclude(status=Sync.Status.CLOSED).order_by("scheduled_at").first()
    if pending is not None:
        return pending
    unscheduled = (
        Sync.objects.filter(team=schedule.team, ritual=schedule.ritual, schedule__isnull=True)
        .exclude(status=Sync.Status.CLOSED)
        .order_by("scheduled_at", "id")
        .first()
    )
    if unscheduled is not None:
        unscheduled.schedule = schedule
        unscheduled.save(update_fields=["schedule"])
        return unscheduled
    facilitator = _default_facilitator(schedule)
    if facilitator is None:
        return None
    return sync_create(
        org=schedule.org,
        team=schedule.team,
        template=template_for(schedule.org, schedule.ritual),
        facilitator=facilitator,
        scheduled_at=next_occurrence(schedule, after=now or timezone.now()),
        schedule=schedule,
    )
