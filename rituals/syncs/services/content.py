"""What participants add to a sync: items, decisions (optionally about a feature), action items
(owner, due date). Every write bumps the sync's revision so the shared screen shows it."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Feature, Membership
from rituals.models import ActionItem, Decision, Sync, SyncItem, SyncSection
from rituals.syncs.services.common import sync_touch


def _check_open(sync: Sync, section: SyncSection | None) -> None:
    # Read the status afresh: the caller's instance may predate a close.
    if Sync.objects.filter(pk=sync.pk, status=Sync.Status.CLOSED).exists():
        raise ValidationError(_("This sync is closed; add it to the next one."))
    if section is not None and section.sync_id != sync.pk:
        raise ValidationError({"section": _("This section belongs to another sync.")})


def _check_feature(sync: Sync, feature: Feature | None) -> None:
    if feature is not None and (
        feature.org_id != sync.org_id or (sync.team_id and feature.team_id != sync.team_id)
    ):
        raise ValidationError({"feature": _("Choose a feature of the sync's team.")})


@transaction.atomic
def item_add(
    *,
    sync: Sync,
    section: SyncSection,
    title: str,
    notes: str = "",
    feature: Feature | None = None,
    author: Membership | None = None,
) -> SyncItem:
    _check_open(sync, section)
    _check_feature(sync, feature)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what the item is about.")})
    item = SyncItem.objects.create(
        sync=sync, section=section, title=title[:300], notes=notes.strip(), feature=feature, author=author
    )
    sync_touch(sync_id=sync.pk)
    return item


@transaction.atomic
def item_set_done(*, item: SyncItem, done: bool) -> SyncItem:
    _check_open(item.sync, None)
    if item.done != done:
        item.done = done
        item.save(update_fields=["done"])
        sync_touch(sync_id=item.sync_id)
    return item


@transaction.atomic
def item_delete(*, item: SyncItem) -> None:
    _check_open(item.sync, None)
    sync_id = item.sync_id
    item.delete()
    sync_touch(sync_id=sync_id)


@transaction.atomic
def decision_add(
    *,
    sync: Sync,
    section: SyncSection,
    text: str,
    feature: Feature | None = None,
    author: Membership | None = None,
) -> Decision:
    _check_open(sync, section)
    _check_feature(sync, feature)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the decision down.")})
    decision = Decision.objects.create(sync=sync, section=section, text=text, feature=feature, author=author)
    sync_touch(sync_id=sync.pk)
    return decision


@transaction.atomic
def decision_delete(*, decision: Decision) -> None:
    _check_open(decision.sync, None)
    sync_id = decision.sync_id
    decision.delete()
    sync_touch(sync_id=sync_id)


@transaction.atomic
def action_item_add(
    *,
    sync: Sync,
    section: SyncSection | None,
    title: str,
    owner: Membership,
    due: date | None = None,
) -> ActionItem:
    _check_open(sync, section)
    if owner.org_id != sync.org_id or not owner.is_active:
        raise ValidationError({"owner": _("The owner must be an active member of your organisation.")})
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what needs doing.")})
    action = ActionItem.objects.create(sync=sync, section=section, title=title[:300], owner=owner, due=due)
    sync_touch(sync_id=sync.pk)
    return action


@transaction.atomic
def action_item_set_done(*, action: ActionItem, done: bool) -> ActionItem:
    """Ticking an action item also ticks the copies carried into syncs that have not closed yet,
    and ticking a carried copy ticks what it was carried from: it is one action."""
    if (action.done_at is not None) == done:
        return action
    action.done_at = timezone.now() if done else None
    action.save(update_fields=["done_at"])
    touched = {action.sync_id}
    copies = ActionItem.objects.filter(carried_from=action).exclude(sync__status=Sync.Status.CLOSED)
    touched.update(copies.values_list("sync_id", flat=True))
    copies.update(done_at=action.done_at)
    if action.carried_from_id is not None:
        ActionItem.objects.filter(pk=action.carried_from_id).update(done_at=action.done_at)
    for sync_id in touched:
        sync_touch(sync_id=sync_id)
    return action


@transaction.atomic
def action_item_delete(*, action: ActionItem) -> None:
    _check_open(action.sync, None)
    sync_id = action.sync_id
    action.delete()
    sync_touch(sync_id=sync_id)
