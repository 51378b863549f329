"""After the demo organisation is imported: each squad's weekly DRIVE schedule (the workspace
format has no schedules), so closing a demo sync always prepares the next one and the items it
leaves unfinished land somewhere."""

from __future__ import annotations

import datetime as dt

from collab.models import Membership, Organisation, Team
from rituals.models import Ritual, SyncSchedule
from rituals.syncs.services import schedule_create
from workspace.demo.people import SQUADS, member


def demo_schedules_create(org: Organisation) -> int:
    """A weekly DRIVE schedule per squad (its day and time, its PM facilitating), adopting the
    squad's upcoming sync. Idempotent. Returns how many schedules were created."""
    created = 0
    for squad in SQUADS:
        team = Team.objects.filter(org=org, slug=squad.slug).first()
        if team is None or SyncSchedule.objects.filter(team=team, ritual=Ritual.DRIVE).exists():
            continue
        facilitator = Membership.objects.filter(org=org, user__email=member(squad.slug, "pm").email).first()
        schedule_create(
            org=org,
            team=team,
            weekday=squad.sync_weekday,
            at=dt.time(*squad.sync_time),
            facilitator=facilitator,
            ritual=Ritual.DRIVE,
        )
        created += 1
    return created
