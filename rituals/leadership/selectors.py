"""Reads for decision reviews, tech wins and user interviews, scoped to an organisation. The
dashboards' panels read here (a fixed, small number of bounded queries each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from collab.models import Membership, Organisation, Team
from collab.weeks import org_zone, quarter_of_date, quarter_shift
from rituals.leadership import speaking
from rituals.leadership.models import (
    ENGINEERING_ROLES,
    InterviewAttendee,
    ReviewDecision,
    ReviewRecord,
    SpeakingTurn,
    TechWin,
    UserInterview,
)
from rituals.leadership.reviews import is_review
from rituals.models import Conflict, Decision, Escalation, Sync

# Organisation.targets keys (the same JSON as the metric targets); shares as fractions.
SPEAKING_TARGET = "speaking_share_min"
INTERVIEW_TARGET = "interview_engineer_share"
DEFAULT_SPEAKING_MIN = 0.4
DEFAULT_INTERVIEW_SHARE = 0.5
TREND_REVIEWS = 12
QUARTERS = 4
CANDIDATES = 30


def _target(org: Organisation, key: str, default: float) -> float:
    stored = org.targets.get(key) if isinstance(org.targets, dict) else None
    if isinstance(stored, int | float) and not isinstance(stored, bool) and 0 <= stored <= 1:
        return float(stored)
    return default


def speaking_target(org: Organisation) -> float:
    """The minimum share of speaking time of each side (0.4: each side between 40 % and 60 %)."""
    return min(_target(org, SPEAKING_TARGET, DEFAULT_SPEAKING_MIN), 0.5)


def interview_target(org: Organisation) -> float:
    return _target(org, INTERVIEW_TARGET, DEFAULT_INTERVIEW_SHARE)


# --- Decision reviews ---------------------------------------------------------------------------


def review_decisions(*, sync: Sync) -> list[ReviewDecision]:
    return list(
        ReviewDecision.objects.filter(sync=sync)
        .select_related("section", "product_presenter__user", "tech_presenter__user")
        .order_by("section__position", "id")
    )


def may_mark_speaker(*, membership: Membership | None, sync: Sync, decisions: list[ReviewDecision]) -> bool:
    """The facilitator and the presenters of the review mark who speaks."""
    if membership is None or not membership.is_active or membership.org_id != sync.org_id:
        return False
    if sync.facilitator_id == membership.pk:
        return True
    return any(membership.pk in (d.product_presenter_id, d.tech_presenter_id) for d in decisions)


@dataclass
class ReviewState:
    decisions: list[ReviewDecision]
    by_section: dict[int, speaking.Shares]
    meeting: speaking.Shares
    current: speaking.Shares
    speaking_side: str | None
    may_mark: bool
    target: float
    server_now_ms: int
    rows: list[tuple[ReviewDecision, speaking.Shares]] = field(default_factory=list)


def review_state(
    *, sync: Sync, membership: Membership | None, now: dt.datetime | None = None
) -> ReviewState | None:
    """Everything the tracker shows, live (an open turn counts up to now, or to the pause). Two
    queries; None for a sync that is not a decision review."""
    if not is_review(sync):
        return None
    now = now or timezone.now()
    decisions = review_decisions(sync=sync)
    rows = list(
        SpeakingTurn.objects.filter(sync=sync).values_list("section_id", "side", "started_at", "ended_at")
    )
    turns = [speaking.Turn(*row) for row in rows]
    by_section = speaking.shares_by_section(turns, now=now, paused_at=sync.paused_at)
    open_turn = next((t for t in turns if t.ended_at is None), None)
    current = by_section.get(sync.current_section_id or 0, speaking.Shares())
    return ReviewState(
        decisions=decisions,
        by_section=by_section,
        meeting=speaking.total(by_section.values()),
        current=current,
        speaking_side=open_turn.side if open_turn is not None and sync.paused_at is None else None,
        may_mark=may_mark_speaker(membership=membership, sync=sync, decisions=decisions),
        target=speaking_target(sync.org),
        server_now_ms=int(now.timestamp() * 1000),
        rows=[(d, by_section.get(d.section_id, speaking.Shares())) for d in decisions],
    )


def recorded_shares(
    *, sync: Sync
) -> tuple[list[tuple[ReviewDecision, speaking.Shares]], speaking.Shares | None]:
    """What the closing recorded: each decision's seconds and the whole review's."""
    decisions = review_decisions(sync=sync)
    rows = [(d, speaking.Shares(d.product_seconds or 0.0, d.tech_seconds or 0.0)) for d in decisions]
    record = ReviewRecord.objects.filter(sync=sync).first()
    whole = speaking.Shares(record.product_seconds, record.tech_seconds) if record else None
    return rows, whole


@dataclass(frozen=True)
class TrendPoint:
    sync_id: int
    key: str
    held_at: dt.datetime
    shares: speaking.Shares


def speaking_trend(*, org: Organisation, limit: int = TREND_REVIEWS) -> list[TrendPoint]:
    """The last `limit` closed reviews' speaking shares, oldest first (one query)."""
    records = list(
        ReviewRecord.objects.filter(org=org)
        .select_related("sync")
        .only("held_at", "product_seconds", "tech_seconds", "sync__key", "sync_id")
        .order_by("-held_at", "-id")[:limit]
    )
    return [
        TrendPoint(r.sync_id, r.sync.key, r.held_at, speaking.Shares(r.product_seconds, r.tech_seconds))
        for r in reversed(records)
    ]


@dataclass(frozen=True)
class Candidate:
    value: str
    label: str


def review_candidates(*, org: Organisation) -> dict[str, list[Candidate]]:
    """Recent decisions of syncs, open escalations and open conflicts, to put on a review's agenda
    (bounded: the most recent few of each)."""
    decisions = (
        Decision.objects.filter(sync__org=org)
        .exclude(sync__ritual="decision_review")
        .select_related("sync")
        .order_by("-created_at", "-id")[:CANDIDATES]
    )
    escalations = Escalation.objects.filter(org=org, decided_at__isnull=True).order_by("-opened_at", "-id")[
        :CANDIDATES
    ]
    conflicts = Conflict.objects.filter(org=org, resolved_at__isnull=True).order_by("-opened_at", "-id")[
        :CANDIDATES
    ]
    return {
        "decision": [Candidate(f"decision:{d.pk}", f"{d.sync.key} · {d.text[:100]}") for d in decisions],
        "escalation": [Candidate(f"escalation:{e.pk}", f"{e.key} · {e.title[:100]}") for e in escalations],
        "conflict": [Candidate(f"conflict:{c.pk}", f"{c.key} · {c.title[:100]}") for c in conflicts],
    }


def candidate_record(*, org: Organisation, value: str) -> Any:
    """The record a candidate value ("escalation:12") names, in the organisation, or None."""
    kind, _sep, ident = (value or "").partition(":")
    if not ident.isdigit() or len(ident) > 18:
        return None
    pk = int(ident)
    if kind == "decision":
        return Decision.objects.filter(sync__org=org, pk=pk).select_related("sync").first()
    if kind == "escalation":
        return Escalation.objects.filter(org=org, pk=pk).first()
    if kind == "conflict":
        return Conflict.objects.filter(org=org, pk=pk).first()
    return None


# --- Tech wins ----------------------------------------------------------------------------------


def tech_win_list(*, org: Organisation, status: str | None = None) -> QuerySet[TechWin]:
    qs = TechWin.objects.filter(org=org).select_related(
        "team", "feature", "deployment", "author__user", "reviewed_by__user"
    )
    return qs.filter(status=status) if status else qs


def tech_wins_for_digest(*, org: Organisation, since: dt.datetime, until: dt.datetime) -> list[TechWin]:
    """The tech wins shared in [since, until): what a weekly digest shows, newest first."""
    return list(
        tech_win_list(org=org, status=TechWin.Status.SHARED)
        .filter(shared_at__gte=since, shared_at__lt=until)
        .order_by("-shared_at", "-id")
    )


def _quarters(org: Organisation, count: int) -> list[str]:
    today = timezone.now().astimezone(org_zone(org.time_zone)).date()
    last = quarter_of_date(today)
    return [quarter_shift(last, -i) for i in range(count - 1, -1, -1)]


def _quarter_start(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[-1])
    return dt.date(year, 3 * (q - 1) + 1, 1)


def tech_wins_per_quarter(*, org: Organisation, quarters: int = QUARTERS) -> list[tuple[str, int]]:
    """How many tech wins were shared in each of the last `quarters` quarters (organisation's time)."""
    labels = _quarters(org, quarters)
    zone = org_zone(org.time_zone)
    start = dt.datetime.combine(_quarter_start(labels[0]), dt.time(), tzinfo=zone)
    counts = dict.fromkeys(labels, 0)
    for shared_at in TechWin.objects.filter(
        org=org, status=TechWin.Status.SHARED, shared_at__gte=start
    ).values_list("shared_at", flat=True):
        if shared_at is None:
            continue
        label = quarter_of_date(shared_at.astimezone(zone).date())
        if label in counts:
            counts[label] += 1
    return list(counts.items())


# --- User interviews ----------------------------------------------------------------------------


def interview_list(*, org: Organisation, team: Team | None = None) -> QuerySet[UserInterview]:
    qs = UserInterview.objects.filter(org=org).select_related("team", "created_by__user")
    qs = qs.prefetch_related(
        Prefetch("attendees", queryset=InterviewAttendee.objects.select_related("membership__user")),
        "features",
        "feedback_items",
    )
    return qs.filter(team=team) if team else qs


@dataclass(frozen=True)
class InterviewShare:
    team: Team
    by_quarter: list[tuple[str, int, int]]  # (quarter, with an engineer, interviews)


def interview_shares(
    *, org: Organisation, quarters: int = QUARTERS
) -> tuple[list[str], list[InterviewShare]]:
    """Per team and quarter: interviews held, and how many had an engineer or a tech lead (two
    queries, bounded by the quarters shown)."""
    labels = _quarters(org, quarters)
    counts: dict[tuple[int, str], list[int]] = {}
    for team_id, held_on, with_engineer in UserInterview.objects.filter(
        org=org, held_on__gte=_quarter_start(labels[0])
    ).values_list("team_id", "held_on", "with_engineer"):
        cell = counts.setdefault((team_id, quarter_of_date(held_on)), [0, 0])
        cell[0] += int(with_engineer)
        cell[1] += 1
    teams = list(Team.objects.filter(org=org).order_by("name", "id"))
    rows = [
        InterviewShare(team, [(q, *_pair(counts.get((team.pk, q)))) for q in labels])
        for team in teams
        if any((team.pk, q) in counts for q in labels)
    ]
    return labels, rows


def _pair(cell: list[int] | None) -> tuple[int, int]:
    return (cell[0], cell[1]) if cell else (0, 0)


def has_engineer(roles: list[str]) -> bool:
    return any(role in ENGINEERING_ROLES for role in roles)
