"""Weekly 1:1 notes between a product leader and a PM (seed 003): obstacles heard, learnings,
follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collab.models import Membership, Organisation, Role
from rituals.models import Obstacle, OneOnOne

LEADER_ROLES = frozenset({Role.VP_PRODUCT, Role.CPO, Role.ENGINEERING_MANAGER})
PM_ROLES = frozenset({Role.PM})


def _check(
    *, org: Organisation, leader: Membership, pm: Membership, obstacles: Iterable[Obstacle]
) -> list[Obstacle]:
    errors: dict[str, str] = {}
    if leader.org_id != org.pk or leader.role not in LEADER_ROLES:
        errors["leader"] = _("The leader is a VP Product, CPO or engineering manager of your organisation.")
    if pm.org_id != org.pk or pm.role not in PM_ROLES:
        errors["pm"] = _("Choose a product manager of your organisation.")
    if leader.pk == pm.pk:
        errors["pm"] = _("A 1:1 is between two people.")
    obstacles = list(obstacles)
    if any(obstacle.org_id != org.pk for obstacle in obstacles):
        errors["obstacles"] = _("Choose obstacles of your organisation.")
    if errors:
        raise ValidationError(errors)
    return obstacles


@transaction.atomic
def one_on_one_create(
    *,
    org: Organisation,
    leader: Membership,
    pm: Membership,
    held_at: datetime,
    by: Membership | None,
    learnings: str = "",
    follow_ups: str = "",
    notes: str = "",
    obstacles: Iterable[Obstacle] = (),
) -> OneOnOne:
    obstacles = _check(org=org, leader=leader, pm=pm, obstacles=obstacles)
    one_on_one = OneOnOne.objects.create(
        org=org,
        leader=leader,
        pm=pm,
        held_at=held_at,
        learnings=learnings.strip(),
        follow_ups=follow_ups.strip(),
        notes=notes.strip(),
    )
    one_on_one.obstacles.set(obstacles)
    return one_on_one


@transaction.atomic
def one_on_one_update(
    *,
    one_on_one: OneOnOne,
    held_at: datetime,
    learnings: str,
    follow_ups: str,
    notes: str,
    obstacles: Iterable[Obstacle],
) -> OneOnOne:
    obstacles = _check(org=one_on_one.org, leader=one_on_one.leader, pm=one_on_one.pm, obstacles=obstacles)
    one_on_one.held_at = held_at
    one_on_one.learnings, one_on_one.follow_ups, one_on_one.notes = (
        learnings.strip(),
        follow_ups.strip(),
        notes.strip(),
    )
    one_on_one.save(update_fields=["held_at", "learnings", "follow_ups", "notes"])
    one_on_one.obstacles.set(obstacles)
    return one_on_one
