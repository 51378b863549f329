"""Writes of feedback: log by hand or by CSV (all or nothing), link to a feature or create one from
it, merge duplicates into the item kept, dismiss with a reason."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collab.features.services import feature_create
from collab.models import Feature, Membership, Organisation, Team
from productops.feedback.csv_format import CsvError, parse
from productops.models import FeedbackItem


class FeedbackImportError(Exception):
    def __init__(self, errors: list[CsvError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@transaction.atomic
def feedback_create(
    *,
    org: Organisation,
    by: Membership | None,
    text: str,
    source: str,
    received_on: dt.date,
    account: str = "",
    segment: str = "",
    via: str = FeedbackItem.Via.HAND,
    team: Team | None = None,
) -> FeedbackItem:
    if team is not None and team.org_id != org.pk:
        raise ValidationError({"team": _("Pick a team of your organisation.")})
    item = FeedbackItem(
        org=org,
        logged_by=by,
        text=text.strip(),
        source=source,
        account=account.strip(),
        segment=segment.strip(),
        received_on=received_on,
        via=via,
        team=team,
    )
    item.full_clean(exclude=["org", "logged_by", "feature", "duplicate_of", "team"])
    item.save()
    return item


@transaction.atomic
def feedback_import_csv(*, org: Organisation, by: Membership, content: bytes) -> list[FeedbackItem]:
    """Every row or none: FeedbackImportError lists each error with its line and column."""
    rows, errors = parse(content)
    if errors:
        raise FeedbackImportError(errors)
    return FeedbackItem.objects.bulk_create(
        FeedbackItem(
            org=org,
            logged_by=by,
            text=row.text,
            source=row.source,
            account=row.account,
            segment=row.segment,
            received_on=row.received_on,
            via=FeedbackItem.Via.CSV,
        )
        for row in rows
    )


def _locked(item: FeedbackItem) -> FeedbackItem:
    return FeedbackItem.objects.select_for_update().get(pk=item.pk)


def _check_feature(item: FeedbackItem, feature: Feature) -> None:
    if feature.org_id != item.org_id:
        raise ValidationError({"feature": _("Pick a feature of your organisation.")})


def _check_not_merged(item: FeedbackItem) -> None:
    if item.status == FeedbackItem.Status.MERGED:
        raise ValidationError(_("This item was merged into another one; triage that one instead."))


@transaction.atomic
def feedback_link(*, item: FeedbackItem, feature: Feature) -> FeedbackItem:
    """Link the item, and the duplicates merged into it, to a feature of the organisation."""
    item = _locked(item)
    _check_not_merged(item)
    _check_feature(item, feature)
    item.status, item.feature, item.dismiss_reason = FeedbackItem.Status.LINKED, feature, ""
    item.save(update_fields=["status", "feature", "dismiss_reason"])
    item.duplicates.update(feature=feature)
    return item


@transaction.atomic
def feedback_create_feature(
    *, item: FeedbackItem, by: Membership, team: Team, title: str
) -> tuple[FeedbackItem, Feature]:
    """A new idea-stage feature from the item, described by its text, and the item linked to it."""
    _check_not_merged(_locked(item))
    feature = feature_create(org=item.org, team=team, title=title, by=by, description=item.text)
    return feedback_link(item=item, feature=feature), feature


@transaction.atomic
def feedback_merge(*, kept: FeedbackItem, duplicates: list[FeedbackItem]) -> FeedbackItem:
    """The duplicates point to the item kept and share its feature; items merged into a duplicate
    move to the kept one."""
    kept = _locked(kept)
    _check_not_merged(kept)
    others = [d for d in duplicates if d.pk != kept.pk]
    if not others:
        raise ValidationError(_("Pick at least one other item to merge into this one."))
    if any(d.org_id != kept.org_id for d in others):
        raise ValidationError(_("Pick items of your organisation."))
    ids = [d.pk for d in others]
    FeedbackItem.objects.select_for_update().filter(pk__in=ids).update(
        status=FeedbackItem.Status.MERGED, duplicate_of=kept, feature=kept.feature, dismiss_reason=""
    )
    FeedbackItem.objects.filter(duplicate_of_id__in=ids).update(duplicate_of=kept, feature=kept.feature)
    return kept


@transaction.atomic
def feedback_dismiss(*, item: FeedbackItem, reason: str) -> FeedbackItem:
    item = _locked(item)
    _check_not_merged(item)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this feedback is dismissed.")})
    item.status, item.dismiss_reason, item.feature = FeedbackItem.Status.DISMISSED, reason, None
    item.save(update_fields=["status", "dismiss_reason", "feature"])
    item.duplicates.update(feature=None)
    return item
