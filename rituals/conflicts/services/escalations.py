"""Escalations through the seed's matrix: opened from a conflict or a sync item, decided by the
people holding the level's roles; the decision flows back to where the escalation came from."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.mail import task_after_commit
from collab.models import Membership, TeamMember
from rituals.conflicts.common import LEVEL_ROLES, next_key, refresh_team_metrics_later, settle_sync_items
from rituals.conflicts.matrix import level_for_category
from rituals.models import Conflict, ConflictCategory, Escalation, Sync, SyncItem
from rituals.signals import escalation_decided, escalation_opened, send_after_commit

KEY_PREFIX = "E"


def escalation_may_decide(*, escalation: Escalation, membership: Membership | None) -> bool:
    """The level's role holders decide; at level 1 that is the PM and tech lead of the team the
    escalation belongs to (any PM or tech lead when it belongs to no team)."""
    if membership is None or not membership.is_active or membership.org_id != escalation.org_id:
        return False
    if membership.role not in LEVEL_ROLES[escalation.level]:
        return False
    if escalation.level != 1:
        return True
    team = escalation.team
    return team is None or TeamMember.objects.filter(team=team, membership=membership).exists()


def _notify_later(event: str, escalation: Escalation) -> None:
    """E-mail the escalation's deciders (opened) or its opener (decided) from a worker."""
    from rituals.tasks import escalation_email  # tasks import these services

    task_after_commit(escalation_email, escalation_id=escalation.pk, event=event)


def _after_open(escalation: Escalation) -> None:
    _notify_later("opened", escalation)
    send_after_commit(
        escalation_opened,
        sender=Escalation,
        org_id=escalation.org_id,
        escalation_id=escalation.pk,
        level=escalation.level,
    )
    team = escalation.team
    refresh_team_metrics_later(team_id=team.pk if team else None, org_id=escalation.org_id)


@transaction.atomic
def escalation_open_from_conflict(
    *, conflict: Conflict, by: Membership | None, context: str = ""
) -> Escalation:
    conflict = Conflict.objects.select_for_update().select_related("team").get(pk=conflict.pk)
    if conflict.resolved_at is not None:
        raise ValidationError(_("This conflict is resolved: there is nothing left to escalate."))
    pending = conflict.escalations.filter(decided_at__isnull=True).first()
    if pending is not None:
        raise ValidationError(
            _("%(key)s already waits for a decision on this conflict.") % {"key": pending.key}
        )
    escalation = Escalation.objects.create(
        org_id=conflict.org_id,
        key=next_key(model=Escalation, org=conflict.org, prefix=KEY_PREFIX),
        level=conflict.level,
        title=conflict.title,
        context=context.strip(),
        opened_at=timezone.now(),
        opened_by=by,
        conflict=conflict,
    )
    _after_open(escalation)
    return escalation


@transaction.atomic
def escalation_open_from_item(
    *,
    item: SyncItem,
    by: Membership | None,
    title: str,
    category: str = "",
    level: int | None = None,
    context: str = "",
) -> Escalation:
    """From a sync item: the category chooses the level by the matrix; without one, the level
    given is used (for what the matrix doesn't name)."""
    item = SyncItem.objects.select_related("sync__org", "sync__team").get(pk=item.pk)
    if category:
        if category not in ConflictCategory.values:
            raise ValidationError({"category": _("Choose a category from the escalation matrix.")})
        level = level_for_category(category)
    if level not in LEVEL_ROLES:
        raise ValidationError({"level": _("Choose what the escalation is about, or its level.")})
    if not title.strip():
        raise ValidationError({"title": _("Say what needs deciding.")})
    pending = item.escalations.filter(decided_at__isnull=True).first()
    if pending is not None:
        raise ValidationError(_("%(key)s already waits for a decision on this item.") % {"key": pending.key})
    escalation = Escalation.objects.create(
        org_id=item.sync.org_id,
        key=next_key(model=Escalation, org=item.sync.org, prefix=KEY_PREFIX),
        level=level,
        title=title.strip(),
        context=context.strip(),
        opened_at=timezone.now(),
        opened_by=by,
        sync=item.sync,
        sync_item=item,
    )
    Sync.objects.filter(pk=item.sync_id).update(revision=F("revision") + 1)
    _after_open(escalation)
    return escalation


@transaction.atomic
def escalation_decide(
    *, escalation: Escalation, by: Membership, decision: str, decided_at: datetime | None = None
) -> Escalation:
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("conflict__team", "sync__team", "sync_item__section", "org")
        .get(pk=escalation.pk)
    )
    if not escalation_may_decide(escalation=escalation, membership=by):
        raise PermissionDenied(_("Only the people holding this level's roles decide it."))
    if escalation.decided_at is not None:
        raise ValidationError(_("%(key)s was already decided.") % {"key": escalation.key})
    if not decision.strip():
        raise ValidationError(
            {"decision": _("Write the decision so the people who escalated can act on it.")}
        )
    escalation.decision = decision.strip()
    escalation.decided_at = decided_at or timezone.now()
    escalation.decided_by = by
    escalation.save(update_fields=["decision", "decided_at", "decided_by"])
    # Back to the sync the item came from (and to any sync whose agenda shows the escalation):
    # the decision in the item's section, the item done, every live screen refreshed.
    settle_sync_items(
        origin=escalation.sync_item,
        source=f"escalation:{escalation.pk}",
        code="escalation_decided",
        params={
            "key": escalation.key,
            "level": escalation.level,
            "who": by.user.get_full_name(),
            "decision": escalation.decision,
        },
        author=by,
    )
    _notify_later("decided", escalation)
    send_after_commit(
        escalation_decided, sender=Escalation, org_id=escalation.org_id, escalation_id=escalation.pk
    )
    team = escalation.team
    refresh_team_metrics_later(team_id=team.pk if team else None, org_id=escalation.org_id)
    return escalation


@transaction.atomic
def escalation_raise(*, escalation: Escalation, by: Membership) -> Escalation:
    """The level could not settle it: send it one level up the matrix."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("conflict__team", "sync__team")
        .get(pk=escalation.pk)
    )
    if not escalation_may_decide(escalation=escalation, membership=by):
        raise PermissionDenied(_("Only the people holding this level's roles can pass it up."))
    if escalation.decided_at is not None:
        raise ValidationError(_("%(key)s was already decided.") % {"key": escalation.key})
    if escalation.level >= max(LEVEL_ROLES):
        raise ValidationError(_("Level 3 is the top of the matrix: the CEO decides."))
    escalation.level += 1
    escalation.save(update_fields=["level"])
    _notify_later("opened", escalation)
    send_after_commit(
        escalation_opened,
        sender=Escalation,
        org_id=escalation.org_id,
        escalation_id=escalation.pk,
        level=escalation.level,
    )
    team = escalation.team
    refresh_team_metrics_later(team_id=team.pk if team else None, org_id=escalation.org_id)
    return escalation
