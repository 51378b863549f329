"""Reads for features and specs, always from the caller's organisation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from collab.audit import Action
from collab.models import (
    AcceptanceReview,
    AlignmentSession,
    AuditEvent,
    Feature,
    KeyResult,
    Organisation,
    SpecRevision,
    Team,
)
from collab.weeks import quarter_of_date, quarter_shift, quarter_weeks, week_quarter

SORTS = {
    "rice": (F("rice_score").desc(nulls_last=True), "id"),
    "effort": (F("effort_points").asc(nulls_last=True), "id"),
    "week": (F("planned_week").asc(), "id"),
    "key": ("id",),
    "updated": ("-updated_at", "-id"),
}
OPEN_STATUSES = (
    Feature.Status.IDEA,
    Feature.Status.FRAMING,
    Feature.Status.ALIGNED,
    Feature.Status.IN_PROGRESS,
)


def team_list(*, org: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(org=org).order_by("name")


def feature_list(
    *,
    org: Organisation,
    team: Team | None = None,
    kind: str = "",
    status: str = "",
    quarter: str = "",
    q: str = "",
    sort: str = "rice",
) -> QuerySet[Feature]:
    # A correlated count (not a JOIN … GROUP BY over every feature): cheap with a page of rows.
    sessions = (
        AlignmentSession.objects.filter(spec__feature=OuterRef("pk"))
        .order_by()
        .values("spec__feature")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = (
        Feature.objects.filter(org=org)
        .select_related("team", "spec")
        .annotate(session_count=Coalesce(Subquery(sessions, output_field=IntegerField()), 0))
    )
    if team is not None:
        qs = qs.filter(team=team)
    if kind:
        qs = qs.filter(kind=kind)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if quarter:
        qs = qs.filter(planned_week__in=quarter_weeks(quarter))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(key__iexact=q.strip()))
    return qs.order_by(*SORTS.get(sort, SORTS["rice"]))


def feature_quarters(*, org: Organisation) -> list[str]:
    """Quarters that have planned features, plus the current one and the next, newest first."""
    weeks = (
        Feature.objects.filter(org=org)
        .exclude(planned_week="")
        .values_list("planned_week", flat=True)
        .distinct()
    )
    current = quarter_of_date(timezone.localdate())
    quarters = {week_quarter(w) for w in weeks} | {current, quarter_shift(current, 1)}
    return sorted((q for q in quarters if q), reverse=True)


def feature_get(*, org: Organisation, key: str) -> Feature:
    """The feature with everything its page shows; raises Feature.DoesNotExist outside the org."""
    return (
        Feature.objects.filter(org=org, key=key)
        .select_related("team", "spec", "spec__updated_by__user", "spec__aligned_session")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.select_related("objective")),
            Prefetch("depends_on", queryset=Feature.objects.select_related("team").order_by("key")),
            Prefetch("dependents", queryset=Feature.objects.select_related("team").order_by("key")),
            Prefetch(
                "acceptance_reviews",
                queryset=AcceptanceReview.objects.select_related("by__user").order_by("-at"),
            ),
        )
        .get()
    )


def feature_deployments(*, feature: Feature, limit: int = 10) -> tuple[list[Any], int]:
    """The latest deployments that shipped the feature, and how many there are in all (through the
    reverse relation the delivery app's Deployment.features declares: no import upward)."""
    qs = feature.deployments.all()
    return list(qs.order_by("-finished_at", "-id")[:limit]), qs.count()


def spec_sessions(*, spec: Any) -> list[AlignmentSession]:
    return list(
        AlignmentSession.objects.filter(spec=spec)
        .prefetch_related("attendees__user")
        .order_by("held_at", "id")
    )


def spec_revisions(*, spec: Any) -> QuerySet[SpecRevision]:
    return SpecRevision.objects.filter(spec=spec).select_related("by__user").order_by("-at", "-id")


def spec_is_reworked(*, spec: Any) -> bool:
    """True when a rework revision was recorded after the spec's alignment (the rework-rate rule)."""
    if spec.aligned_at is None:
        return False
    return SpecRevision.objects.filter(
        spec=spec, kind=SpecRevision.Kind.REWORK, at__gt=spec.aligned_at
    ).exists()


def key_result_choices(*, org: Organisation) -> QuerySet[KeyResult]:
    return (
        KeyResult.objects.filter(org=org)
        .select_related("objective")
        .order_by("-objective__quarter", "objective_id", "id")
    )


# --- The roadmap: business value against technical effort ---------------------------------------

ROADMAP_LIMIT = 150


def _plot_left(x: float) -> float:
    return round(4 + 0.84 * x, 2)


def _plot_top(y: float) -> float:
    return round(10 + 0.78 * (100 - y), 2)


@dataclass
class RoadmapPoint:
    feature: Feature
    x: float  # 0..100 from the left: effort
    y: float  # 0..100 from the bottom: value
    quadrant: str

    @property
    def left(self) -> float:
        """Percent from the left of the plot, leaving room for labels on the right."""
        return _plot_left(self.x)

    @property
    def top(self) -> float:
        """Percent from the top, leaving the corners to the quadrant names."""
        return _plot_top(self.y)


@dataclass
class Roadmap:
    points: list[RoadmapPoint] = field(default_factory=list)
    unplaced: list[Feature] = field(default_factory=list)
    total: int = 0
    effort_split: float | None = None  # median effort, the vertical line
    value_split: float | None = None  # median RICE score, the horizontal line
    split_x: float = 50.0
    split_y: float = 50.0
    max_effort: float = 0.0
    max_value: float = 0.0
    investment: dict[str, float] = field(default_factory=dict)  # effort points by kind
    tech_share: float | None = None

    @property
    def split_left(self) -> float:
        return _plot_left(self.split_x)

    @property
    def split_top(self) -> float:
        return _plot_top(self.split_y)

    def by_quadrant(self, quadrant: str) -> list[RoadmapPoint]:
        return [p for p in self.points if p.quadrant == quadrant]

    @property
    def quadrants(self) -> list[tuple[str, list[RoadmapPoint]]]:
        return [(q, self.by_quadrant(q)) for q in ("quick_wins", "big_bets", "fill_ins", "reconsider")]


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _log_scale(low: float, high: float) -> Any:
    """0..100 between the smallest and the largest value on a log scale: RICE scores and effort
    points spread over orders of magnitude."""
    lo, hi = math.log1p(max(low, 0.0)), math.log1p(max(high, 0.0))

    def position(value: float) -> float:
        if hi <= lo:
            return 50.0
        return 100.0 * (math.log1p(max(value, 0.0)) - lo) / (hi - lo)

    return position


def roadmap(*, org: Organisation, team: Team | None = None, quarter: str = "") -> Roadmap:
    """Open features (idea → in progress) placed by RICE score (business value) and effort points
    (technical effort); quadrants split at the medians. Features missing either are listed apart."""
    qs = feature_list(org=org, team=team, quarter=quarter, status="open", sort="rice")
    total = qs.count()
    features = list(qs[:ROADMAP_LIMIT])
    result = Roadmap(total=total)
    placed = [f for f in features if f.rice_score is not None and f.effort_points is not None]
    result.unplaced = [f for f in features if f not in placed]
    for feature in features:
        if feature.effort_points:
            result.investment[feature.kind] = result.investment.get(feature.kind, 0.0) + feature.effort_points
    points_total = sum(result.investment.values())
    if points_total:
        tech = result.investment.get(Feature.Kind.TECH_DEBT, 0.0) + result.investment.get(
            Feature.Kind.PLATFORM, 0.0
        )
        result.tech_share = tech / points_total
    if not placed:
        return result
    efforts = [f.effort_points or 0.0 for f in placed]
    values = [f.rice_score or 0.0 for f in placed]
    result.max_effort, result.max_value = max(efforts), max(values)
    x_of, y_of = _log_scale(min(efforts), max(efforts)), _log_scale(min(values), max(values))
    result.effort_split, result.value_split = _median(efforts), _median(values)
    result.split_x, result.split_y = x_of(result.effort_split), y_of(result.value_split)
    for f in placed:
        high_value = (f.rice_score or 0.0) >= result.value_split
        low_effort = (f.effort_points or 0.0) <= result.effort_split
        quadrant = {
            (True, True): "quick_wins",
            (True, False): "big_bets",
            (False, True): "fill_ins",
            (False, False): "reconsider",
        }[(high_value, low_effort)]
        result.points.append(
            RoadmapPoint(
                feature=f,
                x=x_of(f.effort_points or 0.0),
                y=y_of(f.rice_score or 0.0),
                quadrant=quadrant,
            )
        )
    return result


def feature_drop_event(*, feature: Feature) -> AuditEvent | None:
    """The latest time this feature was dropped, with its reason in `details` (None if never)."""
    return (
        AuditEvent.objects.filter(org_id=feature.org_id, action=Action.FEATURE_DROPPED, target=feature.key)
        .select_related("actor__user")
        .order_by("-at", "-id")
        .first()
    )
