"""Writes for leadership decision reviews: the decisions on the agenda (each one a time-boxed section
of the sync), who is speaking (server clock), and the shares recorded when the review closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from collab.models import Membership, Role
from rituals.leadership import speaking
from rituals.leadership.models import ReviewDecision, ReviewRecord, Side, SpeakingTurn
from rituals.models import Conflict, Decision, Escalation, Ritual, Sync, SyncSection

DECISION_CODE_PREFIX = "decision-"
DEFAULT_MINUTES = 10
# What each decision's step asks (msgids, translated when shown, as the templates' prompts are).
DECISION_PROMPTS = (
    gettext_noop("The options, and what each one costs and brings"),
    gettext_noop("What product and tech recommend together"),
    gettext_noop("What we need from you: a decision, a budget, a priority"),
)
PRODUCT_ROLES = (Role.CPO, Role.VP_PRODUCT)
TECH_ROLES = (Role.CTO,)


# The sync services call the hooks below from their moves, so this module does not import them:
# the same row lock and revision bump, written here.
def lock_sync(sync: Sync) -> Sync:
    return Sync.objects.select_for_update().get(pk=sync.pk)


def sync_touch(*, sync_id: int) -> None:
    Sync.objects.filter(pk=sync_id).update(revision=F("revision") + 1)


def is_review(sync: Sync) -> bool:
    return sync.ritual == Ritual.DECISION_REVIEW


def default_presenters(org_id: int) -> tuple[Membership | None, Membership | None]:
    """The CPO (or, without one, the VP Product) and the CTO of the organisation."""
    leaders = list(
        Membership.objects.filter(
            org_id=org_id, is_active=True, role__in=[*PRODUCT_ROLES, *TECH_ROLES]
        ).select_related("user")
    )

    def first(roles: tuple[str, ...]) -> Membership | None:
        for role in roles:
            for member in sorted(leaders, key=lambda m: m.pk):
                if member.role == role:
                    return member
        return None

    return first(PRODUCT_ROLES), first(TECH_ROLES)


@dataclass
class Source:
    """Where a decision to present comes from: nothing (a new one), or one record of the org."""

    kind: str = ReviewDecision.Source.NEW
    decision: Decision | None = None
    escalation: Escalation | None = None
    conflict: Conflict | None = None

    @property
    def title(self) -> str:
        if self.decision is not None:
            return self.decision.text.strip().splitlines()[0][:300] if self.decision.text.strip() else ""
        if self.escalation is not None:
            return self.escalation.title
        if self.conflict is not None:
            return self.conflict.title
        return ""

    @property
    def context(self) -> str:
        if self.escalation is not None:
            return self.escalation.context
        if self.conflict is not None:
            return self.conflict.facts
        return ""


def _check_presenter(sync: Sync, member: Membership | None, field: str) -> None:
    if member is not None and (member.org_id != sync.org_id or not member.is_active):
        raise ValidationError({field: _("Choose an active member of your organisation.")})


def _reorder(sync: Sync) -> None:
    """The decisions go between the template's opening sections and its closing one."""
    sections = list(sync.sections.order_by("position", "id"))
    decisions = [s for s in sections if s.code.startswith(DECISION_CODE_PREFIX)]
    others = [s for s in sections if not s.code.startswith(DECISION_CODE_PREFIX)]
    ordered = [*others[:-1], *decisions, *others[-1:]] if len(others) >= 2 else [*others, *decisions]
    for position, section in enumerate(ordered):
        if section.position != position:
            SyncSection.objects.filter(pk=section.pk).update(position=position)


@transaction.atomic
def review_decision_add(
    *,
    sync: Sync,
    title: str,
    context: str = "",
    source: Source | None = None,
    product_presenter: Membership | None = None,
    tech_presenter: Membership | None = None,
    minutes: int = DEFAULT_MINUTES,
) -> ReviewDecision:
    """Put a decision on the review's agenda, as a new time-boxed section."""
    sync = lock_sync(sync)
    if not is_review(sync):
        raise ValidationError(_("Decisions to present belong to a leadership decision review."))
    if sync.status == Sync.Status.CLOSED:
        raise ValidationError(_("This review is closed."))
    source = source or Source()
    title = (title or source.title).strip()
    if not title:
        raise ValidationError({"title": _("Say which decision is presented.")})
    if not 1 <= minutes <= 120:
        raise ValidationError({"minutes": _("A time box is between 1 and 120 minutes.")})
    for record in (source.decision, source.escalation, source.conflict):
        org_id = getattr(record, "org_id", None) or getattr(getattr(record, "sync", None), "org_id", None)
        if record is not None and org_id != sync.org_id:
            raise ValidationError(_("This record belongs to another organisation."))
    _check_presenter(sync, product_presenter, "product_presenter")
    _check_presenter(sync, tech_presenter, "tech_presenter")
    codes = set(sync.sections.values_list("code", flat=True))
    n = 1
    while f"{DECISION_CODE_PREFIX}{n}" in codes:
        n += 1
    section = SyncSection.objects.create(
        sync=sync,
        code=f"{DECISION_CODE_PREFIX}{n}",
        title=title[:120],
        planned_minutes=minutes,
        prompts=list(DECISION_PROMPTS),
        position=999,
    )
    decision = ReviewDecision.objects.create(
        sync=sync,
        section=section,
        title=title[:300],
        context=(context or source.context).strip(),
        source=source.kind,
        source_decision=source.decision,
        escalation=source.escalation,
        conflict=source.conflict,
        product_presenter=product_presenter,
        tech_presenter=tech_presenter,
    )
    _reorder(sync)
    sync_touch(sync_id=sync.pk)
    return decision


@transaction.atomic
def review_decision_remove(*, decision: ReviewDecision) -> None:
    sync = lock_sync(decision.sync)
    section = SyncSection.objects.get(pk=decision.section_id)
    if section.started_at is not None or sync.current_section_id == section.pk:
        raise ValidationError(_("This decision was already presented; it stays in the review."))
    section.delete()
    _reorder(sync)
    sync_touch(sync_id=sync.pk)


# --- Speaking time ------------------------------------------------------------------------------


def _close_open_turn(sync: Sync, end: datetime) -> SpeakingTurn | None:
    turn = SpeakingTurn.objects.filter(sync=sync, ended_at__isnull=True).first()
    if turn is not None:
        turn.ended_at = max(end, turn.started_at)
        turn.save(update_fields=["ended_at"])
    return turn


@transaction.atomic
def speaking_mark(
    *, sync: Sync, side: str | None, by: Membership | None = None, now: datetime | None = None
) -> Sync:
    """`side` starts speaking now (server clock); None: nobody speaks. Marking the side already
    speaking changes nothing."""
    sync = lock_sync(sync)
    if not is_review(sync):
        raise ValidationError(_("Speaking time is tracked in leadership decision reviews."))
    if sync.status != Sync.Status.LIVE or sync.current_section_id is None:
        raise ValidationError(_("Start the review before marking who speaks."))
    if side is not None and side not in Side.values:
        raise ValidationError(_("Choose product or tech."))
    if side is not None and sync.paused_at is not None:
        raise ValidationError(_("The review is paused: resume it first."))
    now = now or timezone.now()
    current = SpeakingTurn.objects.filter(sync=sync, ended_at__isnull=True).first()
    if current is not None and current.side == side and current.section_id == sync.current_section_id:
        return sync
    _close_open_turn(sync, now)
    if side is not None:
        SpeakingTurn.objects.create(
            sync=sync, section_id=sync.current_section_id, side=side, started_at=now, marked_by=by
        )
    sync_touch(sync_id=sync.pk)
    return sync


def speaking_follow(*, sync: Sync, section: SyncSection, now: datetime) -> None:
    """The review moved to `section`: whoever was speaking goes on speaking, on the new section.
    Called by the sync's moves, inside their transaction; nothing for other rituals."""
    if not is_review(sync):
        return
    turn = _close_open_turn(sync, now)
    if turn is not None and sync.paused_at is None:
        SpeakingTurn.objects.create(
            sync=sync, section=section, side=turn.side, started_at=now, marked_by=turn.marked_by
        )


def speaking_stop(*, sync: Sync, now: datetime) -> None:
    """The review was paused or closed: nobody speaks any more."""
    if is_review(sync):
        _close_open_turn(sync, now)


def review_record(*, sync: Sync, now: datetime) -> None:
    """Record each side's seconds per decision and for the whole review (when it closes)."""
    if not is_review(sync):
        return
    _close_open_turn(sync, now)
    turns = [
        speaking.Turn(t.section_id, t.side, t.started_at, t.ended_at)
        for t in SpeakingTurn.objects.filter(sync=sync).only("section_id", "side", "started_at", "ended_at")
    ]
    by_section = speaking.shares_by_section(turns, now=now)
    for decision in ReviewDecision.objects.filter(sync=sync):
        shares = by_section.get(decision.section_id, speaking.Shares())
        decision.product_seconds, decision.tech_seconds = shares.product, shares.tech
        decision.save(update_fields=["product_seconds", "tech_seconds"])
    whole = speaking.total(by_section.values())
    ReviewRecord.objects.update_or_create(
        sync=sync,
        defaults={
            "org_id": sync.org_id,
            "held_at": sync.started_at or now,
            "product_seconds": whole.product,
            "tech_seconds": whole.tech,
        },
    )
