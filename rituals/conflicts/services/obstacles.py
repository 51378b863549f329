"""Obstacles a team needs its leaders to remove (seed 003), tracked to resolution."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Membership, Organisation, Team
from rituals.conflicts.common import next_key
from rituals.models import Obstacle, Sync

KEY_PREFIX = "OB"


def _check_people(*, org: Organisation, team: Team, owner: Membership | None) -> None:
    errors = {}
    if team.org_id != org.pk:
        errors["team"] = _("Choose a team of your organisation.")
    if owner is not None and owner.org_id != org.pk:
        errors["owner"] = _("Choose someone of your organisation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def obstacle_create(
    *,
    org: Organisation,
    team: Team,
    kind: str,
    title: str,
    by: Membership | None,
    description: str = "",
    owner: Membership | None = None,
    raised_in_sync: Sync | None = None,
    opened_at: datetime | None = None,
) -> Obstacle:
    _check_people(org=org, team=team, owner=owner)
    if kind not in Obstacle.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of obstacle.")})
    if not title.strip():
        raise ValidationError({"title": _("Say what is in the way.")})
    if raised_in_sync is not None and raised_in_sync.org_id != org.pk:
        raise ValidationError(_("This sync belongs to another organisation."))
    obstacle = Obstacle.objects.create(
        org=org,
        team=team,
        key=next_key(model=Obstacle, org=org, prefix=KEY_PREFIX),
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        raised_in_sync=raised_in_sync,
        opened_at=opened_at or timezone.now(),
    )
    if raised_in_sync is not None:
        Sync.objects.filter(pk=raised_in_sync.pk).update(revision=F("revision") + 1)
    return obstacle


@transaction.atomic
def obstacle_update(
    *, obstacle: Obstacle, team: Team, kind: str, title: str, description: str, owner: Membership | None
) -> Obstacle:
    _check_people(org=obstacle.org, team=team, owner=owner)
    if kind not in Obstacle.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of obstacle.")})
    if not title.strip():
        raise ValidationError({"title": _("Say what is in the way.")})
    obstacle.team, obstacle.kind, obstacle.title = team, kind, title.strip()
    obstacle.description, obstacle.owner = description.strip(), owner
    obstacle.save(update_fields=["team", "kind", "title", "description", "owner"])
    return obstacle


@transaction.atomic
def obstacle_resolve(
    *, obstacle: Obstacle, resolution: str, by: Membership | None, resolved_at: datetime | None = None
) -> Obstacle:
    obstacle = Obstacle.objects.select_for_update().get(pk=obstacle.pk)
    if obstacle.resolved_at is not None:
        raise ValidationError(_("This obstacle is already resolved."))
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how it was removed, so the next team facing it knows.")})
    obstacle.resolution = resolution.strip()
    obstacle.resolved_at = resolved_at or timezone.now()
    obstacle.save(update_fields=["resolution", "resolved_at"])
    return obstacle


@transaction.atomic
def obstacle_reopen(*, obstacle: Obstacle, by: Membership | None) -> Obstacle:
    obstacle = Obstacle.objects.select_for_update().get(pk=obstacle.pk)
    if obstacle.resolved_at is None:
        raise ValidationError(_("This obstacle is already open."))
    obstacle.resolved_at = None
    obstacle.save(update_fields=["resolved_at"])
    return obstacle
