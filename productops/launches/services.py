"""Writes of launch coordination: the organisation's launch template, a feature's launch plan and
its checklist, and the post-launch review that feeds the feature's acceptance review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.features.services import review_record
from collab.models import Feature, Membership, Organisation
from productops.launches import defaults, selectors
from productops.models import Launch, LaunchTemplate, PostLaunchReview

MAX_ITEMS = 40
MAX_ITEM_LENGTH = 300
# A launch date this far from today is a typing mistake, not a plan.
MAX_YEARS_AWAY = 10


@transaction.atomic
def launch_template_ensure(*, org: Organisation) -> LaunchTemplate:
    template, _created = LaunchTemplate.objects.get_or_create(
        org=org, defaults={"checklist": list(defaults.CHECKLIST)}
    )
    return template


def _clean_items(items: list[str]) -> list[str]:
    cleaned = [item.strip()[:MAX_ITEM_LENGTH] for item in items if item.strip()]
    if len(cleaned) > MAX_ITEMS:
        raise ValidationError({"checklist": _("A checklist has at most 40 items.")})
    return cleaned


@transaction.atomic
def launch_template_update(*, org: Organisation, checklist: list[str]) -> LaunchTemplate:
    template = launch_template_ensure(org=org)
    template.checklist = _clean_items(checklist)
    template.save(update_fields=["checklist"])
    return template


def _check(org: Organisation, feature: Feature, owners: list[Membership], launch_on: dt.date) -> None:
    if feature.org_id != org.pk:
        raise ValidationError({"feature": _("Pick a feature of your organisation.")})
    if any(o.org_id != org.pk or not o.is_active for o in owners):
        raise ValidationError({"owners": _("Owners are active members of your organisation.")})
    today = selectors.org_today(org)
    if abs(launch_on.year - today.year) > MAX_YEARS_AWAY:
        raise ValidationError({"launch_on": _("Pick a launch date within ten years of today.")})


@transaction.atomic
def launch_create(
    *,
    org: Organisation,
    by: Membership,
    feature: Feature,
    launch_on: dt.date,
    tier: str,
    owners: list[Membership],
    notes: str = "",
) -> Launch:
    _check(org, feature, owners, launch_on)
    if Launch.objects.filter(feature=feature).exists():
        raise ValidationError({"feature": _("This feature already has a launch plan.")})
    template = launch_template_ensure(org=org)
    launch = Launch(
        org=org,
        feature=feature,
        launch_on=launch_on,
        tier=tier,
        notes=notes.strip(),
        created_by=by,
        checklist=[{"item": item, "done": False} for item in template.checklist],
    )
    launch.full_clean(exclude=["org", "feature", "created_by"])
    launch.save()
    launch.owners.set(owners)
    return launch


@transaction.atomic
def launch_update(
    *, launch: Launch, launch_on: dt.date, tier: str, owners: list[Membership], notes: str = ""
) -> Launch:
    launch = Launch.objects.select_for_update().get(pk=launch.pk)
    _check(launch.org, launch.feature, owners, launch_on)
    launch.launch_on, launch.tier, launch.notes = launch_on, tier, notes.strip()
    launch.full_clean(exclude=["org", "feature", "created_by"])
    launch.save(update_fields=["launch_on", "tier", "notes"])
    launch.owners.set(owners)
    return launch


@transaction.atomic
def launch_checklist_update(*, launch: Launch, done: set[int], extra: str = "") -> Launch:
    """Tick the items whose positions are in `done`; `extra` adds an item this launch needs."""
    launch = Launch.objects.select_for_update().get(pk=launch.pk)
    checklist = [{"item": e["item"], "done": i in done} for i, e in enumerate(launch.checklist)]
    if extra.strip():
        if len(checklist) >= MAX_ITEMS:
            raise ValidationError({"extra": _("A checklist has at most 40 items.")})
        checklist.append({"item": extra.strip()[:MAX_ITEM_LENGTH], "done": False})
    launch.checklist = checklist
    launch.save(update_fields=["checklist"])
    return launch


@transaction.atomic
def launch_delete(*, launch: Launch) -> None:
    Launch.objects.filter(pk=launch.pk).delete()


@transaction.atomic
def review_save(*, launch: Launch, by: Membership, measured: list[tuple[str, bool]]) -> PostLaunchReview:
    """Record, per success criterion of the spec (in its order), the measured value and whether the
    target is met."""
    criteria = selectors.spec_criteria(feature=launch.feature)
    if len(measured) != len(criteria):
        raise ValidationError(_("The spec's success criteria changed; reload the page."))
    review, _created = PostLaunchReview.objects.select_for_update().get_or_create(launch=launch)
    if review.acceptance_review_id is not None:
        raise ValidationError(_("This review already fed the acceptance review; it no longer changes."))
    review.measurements = [
        {**c, "measured": value.strip()[:MAX_ITEM_LENGTH], "met": met}
        for c, (value, met) in zip(criteria, measured, strict=True)
    ]
    review.updated_at, review.updated_by = timezone.now(), by
    review.save(update_fields=["measurements", "updated_at", "updated_by"])
    return review


@transaction.atomic
def review_to_acceptance(
    *, launch: Launch, by: Membership, outcome: str, reason: str = ""
) -> PostLaunchReview:
    """Record the feature's acceptance review from the measured values (each value is the note of
    its criterion) and link it: the review is not copied."""
    review = PostLaunchReview.objects.select_for_update().filter(launch=launch).first()
    if review is None or not review.measurements:
        raise ValidationError(_("Enter the measured values first."))
    if review.acceptance_review_id is not None:
        raise ValidationError(_("This review already fed the acceptance review."))
    results: list[dict[str, Any]] = [
        {
            "kind": m.get("kind", ""),
            "metric": m.get("metric", ""),
            "target": m.get("target", ""),
            "met": bool(m.get("met")),
            "note": m.get("measured", ""),
        }
        for m in review.measurements
    ]
    acceptance = review_record(
        feature=launch.feature, by=by, outcome=outcome, criteria_results=results, reason=reason
    )
    review.acceptance_review = acceptance
    review.save(update_fields=["acceptance_review"])
    return review
