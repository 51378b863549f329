"""Reads for templates, schedules and syncs, always scoped to the caller's organisation, with a fixed
number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from collab.models import Feature, Membership, Organisation, Team, TeamMember
from collab.permissions import Cap, can
from rituals.models import (
    ActionItem,
    Conflict,
    Decision,
    Escalation,
    Pulse,
    RitualTemplate,
    Sync,
    SyncItem,
    SyncSchedule,
    SyncSection,
    TemplateSection,
)
from rituals.syncs.timer import TimerState, clock, section_elapsed, timer_state

# --- Templates and schedules ---------------------------------------------------------------------


def template_list(*, org: Organisation) -> QuerySet[RitualTemplate]:
    return RitualTemplate.objects.filter(org=org).prefetch_related(
        Prefetch("sections", queryset=TemplateSection.objects.order_by("position", "id"))
    )


def schedule_list(*, org: Organisation, team: Team | None = None) -> QuerySet[SyncSchedule]:
    qs = (
        SyncSchedule.objects.filter(org=org)
        .select_related("team", "facilitator__user")
        .order_by("team__name", "id")
    )
    return qs.filter(team=team) if team else qs


def team_member_memberships(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team_memberships__team=team, is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def team_features(*, team: Team | None, org: Organisation) -> QuerySet[Feature]:
    qs = Feature.objects.filter(org=org).exclude(status=Feature.Status.DROPPED).order_by("key")
    return qs.filter(team=team) if team else qs


# --- Syncs ----------------------------------------------------------------------------------------


def sync_queryset(*, org: Organisation) -> QuerySet[Sync]:
    return Sync.objects.filter(org=org).select_related("team", "facilitator__user", "current_section")


def sync_list(
    *, org: Organisation, team: Team | None = None, status: str | None = None, ritual: str | None = None
) -> QuerySet[Sync]:
    qs = sync_queryset(org=org).annotate(
        decision_count=Count("decisions", distinct=True),
        action_count=Count("action_items", distinct=True),
        item_count=Count("items", distinct=True),
    )
    if team is not None:
        qs = qs.filter(team=team)
    if status:
        qs = qs.filter(status=status)
    if ritual:
        qs = qs.filter(ritual=ritual)
    return qs


def is_team_member(membership: Membership | None, sync: Sync) -> bool:
    if membership is None or sync.team_id is None:
        return membership is not None
    return TeamMember.objects.filter(team_id=sync.team_id, membership=membership).exists()


@dataclass
class SyncAccess:
    is_facilitator: bool
    can_contribute: bool
    can_handoff: bool
    can_answer_pulse: bool


def sync_access(*, membership: Membership | None, sync: Sync) -> SyncAccess:
    """Who may do what on this sync. Anyone in the team contributes; only the facilitator moves it;
    the facilitator (or someone who manages the organisation) hands the role over."""
    if membership is None:
        return SyncAccess(False, False, False, False)
    in_team = is_team_member(membership, sync)
    is_facilitator = sync.facilitator_id == membership.pk
    manager = can(membership, Cap.MANAGE_ORG)
    return SyncAccess(
        is_facilitator=is_facilitator,
        can_contribute=can(membership, Cap.CONTRIBUTE) and (in_team or is_facilitator or manager),
        can_handoff=sync.status != Sync.Status.CLOSED and (is_facilitator or manager),
        can_answer_pulse=sync.team_id is not None and (in_team or is_facilitator),
    )


def sections_with_content(*, sync: Sync) -> list[SyncSection]:
    """The sync's sections, each with its items (flagged when escalated or turned into a conflict),
    decisions and action items — five queries whatever their number."""
    items = (
        SyncItem.objects.select_related("author__user", "feature", "carried_from__sync")
        .annotate(
            escalated=Exists(Escalation.objects.filter(sync_item=OuterRef("pk"))),
            conflicted=Exists(Conflict.objects.filter(origin_item=OuterRef("pk"))),
        )
        .order_by("done", "id")
    )
    return list(
        sync.sections.order_by("position", "id").prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("feature", "author__user").order_by("id"),
            ),
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner__user", "carried_from__sync").order_by(
                    "done_at", "due", "id"
                ),
            ),
        )
    )


def section_timer(
    *, sync: Sync, section: SyncSection | None, now: datetime | None = None
) -> TimerState | None:
    if section is None:
        return None
    return timer_state(
        started_at=section.started_at,
        ended_at=section.ended_at,
        paused_seconds=section.paused_seconds,
        planned_minutes=section.planned_minutes,
        sync_paused_at=sync.paused_at,
        now=now or timezone.now(),
    )


# --- Summary -----------------------------------------------------------------------------------------


@dataclass
class SectionReport:
    section: SyncSection
    planned_seconds: float
    actual_seconds: float | None
    decisions: list[Decision]
    action_items: list[ActionItem]
    unfinished: list[SyncItem]

    @property
    def overrun_seconds(self) -> float:
        return max(0.0, (self.actual_seconds or 0.0) - self.planned_seconds)

    @property
    def planned_display(self) -> str:
        return clock(self.planned_seconds)

    @property
    def actual_display(self) -> str:
        return clock(self.actual_seconds) if self.actual_seconds is not None else "—"

    @property
    def overrun_display(self) -> str:
        return f"+{clock(self.overrun_seconds)}" if self.overrun_seconds >= 1 else ""


@dataclass
class SyncSummary:
    sync: Sync
    sections: list[SectionReport]
    escalations: list[Escalation]
    pulse_count: int
    pulse_mean: float | None
    attendees: list[Membership] = field(default_factory=list)

    @property
    def decisions(self) -> list[Decision]:
        return [d for s in self.sections for d in s.decisions]

    @property
    def action_items(self) -> list[ActionItem]:
        return [a for s in self.sections for a in s.action_items]

    @property
    def unfinished(self) -> list[SyncItem]:
        return [i for s in self.sections for i in s.unfinished]

    @property
    def planned_seconds(self) -> float:
        return sum(s.planned_seconds for s in self.sections)

    @property
    def actual_seconds(self) -> float:
        return sum(s.actual_seconds or 0.0 for s in self.sections)

    @property
    def planned_display(self) -> str:
        return clock(self.planned_seconds)

    @property
    def actual_display(self) -> str:
        return clock(self.actual_seconds)

    @property
    def overrun_sections(self) -> list[SectionReport]:
        return [s for s in self.sections if s.overrun_seconds >= 1]


def sync_summary(*, sync: Sync, now: datetime | None = None) -> SyncSummary:
    now = now or timezone.now()
    reports = []
    for section in sections_with_content(sync=sync):
        actual = (
            section_elapsed(
                started_at=section.started_at,
                ended_at=section.ended_at,
                paused_seconds=section.paused_seconds,
                sync_paused_at=sync.paused_at,
                now=now,
            )
            if section.started_at
            else None
        )
        reports.append(
            SectionReport(
                section=section,
                planned_seconds=section.planned_minutes * 60.0,
                actual_seconds=actual,
                decisions=list(section.decisions.all()),
                action_items=list(section.action_items.all()),
                # What carries over: people's items (and earlier carry-overs) left open; the agenda's
                # own items come back by themselves while what they point at is open.
                unfinished=[
                    i
                    for i in section.items.all()
                    if not i.done and (not i.source or i.source.startswith("carried:"))
                ],
            )
        )
    escalations = list(sync.escalations.select_related("sync_item").order_by("opened_at", "id"))
    pulse = Pulse.objects.filter(sync=sync).aggregate(n=Count("id"), mean=Avg("score"))
    return SyncSummary(
        sync=sync,
        sections=reports,
        escalations=escalations,
        pulse_count=pulse["n"] or 0,
        pulse_mean=pulse["mean"],
        attendees=attendees(sync=sync),
    )


def attendees(*, sync: Sync) -> list[Membership]:
    """Who gets the summary: the team's members and the facilitator."""
    q = Q(pk=sync.facilitator_id)
    if sync.team_id is not None:
        q |= Q(team_memberships__team_id=sync.team_id)
    return list(
        Membership.objects.filter(q, org_id=sync.org_id, is_active=True)
        .select_related("user")
        .distinct()
        .order_by("user__name", "user__email")
    )


def my_pulse(*, sync: Sync, membership: Membership | None) -> Pulse | None:
    if membership is None:
        return None
    return Pulse.objects.filter(sync=sync, membership=membership).first()
