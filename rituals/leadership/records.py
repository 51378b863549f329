"""Writes for tech wins (written by anyone, reviewed by product before they are shared) and user
interviews (who attended, with their role; linked feedback and features)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Feature, Membership, Organisation, Role, Team
from delivery.models import Deployment
from productops.models import FeedbackItem
from rituals.leadership.models import ENGINEERING_ROLES, InterviewAttendee, TechWin, UserInterview

TECH_KINDS = (Feature.Kind.TECH_DEBT, Feature.Kind.PLATFORM)
# Product reviews a tech win before it is shared: the story must read right for executives.
PRODUCT_REVIEWERS = frozenset({Role.PM.value, Role.VP_PRODUCT.value, Role.CPO.value})
MAX_FIGURE = Decimal("99999999999")


def may_review_tech_win(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role in PRODUCT_REVIEWERS


@dataclass
class TechWinInput:
    title: str
    metric: str
    before: Decimal
    after: Decimal
    period_start: dt.date
    period_end: dt.date
    story: str
    unit: str = ""
    team: Team | None = None
    feature: Feature | None = None
    deployment: Deployment | None = None


def _check_tech_win(org: Organisation, data: TechWinInput) -> None:
    errors: dict[str, Any] = {}
    if data.feature is None and data.deployment is None:
        errors["feature"] = _("Link the technical change: a tech-debt or platform feature, or a deployment.")
    if data.feature is not None:
        if data.feature.team.org_id != org.pk:
            errors["feature"] = _("Choose a feature of your organisation.")
        elif data.feature.kind not in TECH_KINDS:
            errors["feature"] = _("Choose a tech-debt or platform feature.")
    if data.deployment is not None and data.deployment.org_id != org.pk:
        errors["deployment"] = _("Choose a deployment of your organisation.")
    if data.team is not None and data.team.org_id != org.pk:
        errors["team"] = _("Choose a team of your organisation.")
    if data.period_end < data.period_start:
        errors["period_end"] = _("The period ends after it starts.")
    for name in ("before", "after"):
        if abs(getattr(data, name)) > MAX_FIGURE:
            errors[name] = _("This figure is too large.")
    if not data.title.strip():
        errors["title"] = _("Give the tech win a title.")
    if not data.story.strip():
        errors["story"] = _("Tell the story for executives in a few sentences.")
    if errors:
        raise ValidationError(errors)


def _next_key(org: Organisation) -> str:
    prefix = "TW-"
    top = (
        TechWin.objects.filter(org=org, key__regex=r"^TW-[0-9]{1,9}$")
        .annotate(n=Cast(Substr("key", 4), output_field=IntegerField()))
        .aggregate(top=Max("n"))["top"]
    )
    return f"{prefix}{(top or 0) + 1}"


def _apply(win: TechWin, data: TechWinInput) -> None:
    win.title, win.metric, win.unit = data.title.strip(), data.metric.strip(), data.unit.strip()
    win.before, win.after = data.before, data.after
    win.period_start, win.period_end = data.period_start, data.period_end
    win.story = data.story.strip()
    win.team, win.feature, win.deployment = data.team, data.feature, data.deployment
    if win.team is None and data.feature is not None:
        win.team = data.feature.team
    if win.team is None and data.deployment is not None:
        win.team = data.deployment.team


@transaction.atomic
def tech_win_create(*, org: Organisation, data: TechWinInput, by: Membership) -> TechWin:
    _check_tech_win(org, data)
    Organisation.objects.select_for_update().filter(pk=org.pk).first()  # one key at a time
    win = TechWin(org=org, key=_next_key(org), author=by)
    _apply(win, data)
    win.save()
    return win


EDITABLE = (TechWin.Status.DRAFT, TechWin.Status.CHANGES)


@transaction.atomic
def tech_win_update(*, win: TechWin, data: TechWinInput) -> TechWin:
    win = TechWin.objects.select_for_update().get(pk=win.pk)
    if win.status not in EDITABLE:
        raise ValidationError(_("Only a draft, or a tech win product sent back, can be edited."))
    _check_tech_win(win.org, data)
    _apply(win, data)
    win.save(
        update_fields=[
            "title", "metric", "unit", "before", "after", "period_start", "period_end", "story",
            "team", "feature", "deployment",
        ]
    )  # fmt: skip
    return win


@transaction.atomic
def tech_win_submit(*, win: TechWin) -> TechWin:
    win = TechWin.objects.select_for_update().get(pk=win.pk)
    if win.status not in EDITABLE:
        raise ValidationError(_("This tech win is already with product, or shared."))
    win.status = TechWin.Status.IN_REVIEW
    win.save(update_fields=["status"])
    return win


@transaction.atomic
def tech_win_review(*, win: TechWin, by: Membership, approve: bool, note: str = "") -> TechWin:
    """Product shares the tech win (it reaches the dashboards and the digest) or sends it back."""
    win = TechWin.objects.select_for_update().get(pk=win.pk)
    if not may_review_tech_win(by) or by.org_id != win.org_id:
        raise ValidationError(_("A product manager, VP Product or CPO reviews tech wins."))
    if win.status != TechWin.Status.IN_REVIEW:
        raise ValidationError(_("This tech win is not waiting for a review."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what to change.")})
    now = timezone.now()
    win.reviewed_by, win.reviewed_at, win.review_note = by, now, note.strip()
    win.status = TechWin.Status.SHARED if approve else TechWin.Status.CHANGES
    win.shared_at = now if approve else None
    win.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "status", "shared_at"])
    return win


# --- User interviews ----------------------------------------------------------------------------


@dataclass
class AttendeeInput:
    role: str
    membership: Membership | None = None
    name: str = ""


@dataclass
class InterviewInput:
    team: Team
    held_on: dt.date
    customer: str
    notes: str = ""
    attendees: list[AttendeeInput] = field(default_factory=list)
    feedback_items: list[FeedbackItem] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)


def _check_interview(org: Organisation, data: InterviewInput) -> None:
    errors: dict[str, Any] = {}
    if data.team.org_id != org.pk:
        errors["team"] = _("Choose a team of your organisation.")
    if not data.customer.strip():
        errors["customer"] = _("Say which customer or segment was interviewed.")
    if not data.attendees:
        errors["members"] = _("Say who attended.")
    if any(a.membership is not None and a.membership.org_id != org.pk for a in data.attendees):
        errors["members"] = _("Choose members of your organisation.")
    if any(item.org_id != org.pk for item in data.feedback_items):
        errors["feedback_items"] = _("Choose feedback of your organisation.")
    if any(feature.team.org_id != org.pk for feature in data.features):
        errors["features"] = _("Choose features of your organisation.")
    if errors:
        raise ValidationError(errors)


def _save_interview(interview: UserInterview, data: InterviewInput) -> UserInterview:
    interview.attendees.all().delete()
    InterviewAttendee.objects.bulk_create(
        InterviewAttendee(
            interview=interview, membership=a.membership, name=a.name.strip()[:200], role=a.role
        )
        for a in data.attendees
    )
    interview.feedback_items.set(data.feedback_items)
    interview.features.set(data.features)
    return interview


@transaction.atomic
def interview_create(*, org: Organisation, data: InterviewInput, by: Membership | None) -> UserInterview:
    _check_interview(org, data)
    interview = UserInterview.objects.create(
        org=org,
        team=data.team,
        held_on=data.held_on,
        customer=data.customer.strip(),
        notes=data.notes.strip(),
        with_engineer=any(a.role in ENGINEERING_ROLES for a in data.attendees),
        created_by=by,
    )
    return _save_interview(interview, data)


@transaction.atomic
def interview_update(*, interview: UserInterview, data: InterviewInput) -> UserInterview:
    interview = UserInterview.objects.select_for_update().get(pk=interview.pk)
    _check_interview(interview.org, data)
    interview.team, interview.held_on = data.team, data.held_on
    interview.customer, interview.notes = data.customer.strip(), data.notes.strip()
    interview.with_engineer = any(a.role in ENGINEERING_ROLES for a in data.attendees)
    interview.save(update_fields=["team", "held_on", "customer", "notes", "with_engineer"])
    return _save_interview(interview, data)


@transaction.atomic
def interview_delete(*, interview: UserInterview) -> None:
    interview.delete()
