"""Reads for conflicts, escalations, obstacles, 1:1s and post-mortems, always scoped to the
caller's organisation, with a fixed number of queries per page."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from collab.models import Feature, Membership, Organisation, Role, Team, TeamMember
from collab.permissions import LEADERSHIP
from delivery.models import Incident
from rituals.conflicts.common import levels_for
from rituals.models import (
    ESCALATION_LEVEL,
    Conflict,
    ConflictSession,
    Escalation,
    Obstacle,
    OneOnOne,
    PostMortem,
    SyncItem,
)

# The seed's PIVOT benchmark, shown next to the organisation's own figures.
BENCHMARK_ONE_SESSION_SHARE = 0.89
BENCHMARK_SESSIONS_WITHOUT_PIVOT = 3.2


def _count_of(model: Any, field: str, **filters: Any) -> Any:
    rows = model.objects.filter(**{field: OuterRef("pk")}, **filters).order_by().values(field)
    return Coalesce(
        Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0), output_field=IntegerField()
    )


# --- Conflicts ----------------------------------------------------------------------------------


def categories_of_level(level: int) -> list[str]:
    return [category.value for category, lvl in ESCALATION_LEVEL.items() if lvl == level]


def conflict_list(
    *,
    org: Organisation,
    team: Team | None = None,
    category: str = "",
    level: int | None = None,
    status: str = "",
) -> QuerySet[Conflict]:
    qs = Conflict.objects.filter(org=org).select_related("team", "origin_item")
    if team is not None:
        qs = qs.filter(team=team)
    if category:
        qs = qs.filter(category=category)
    if level:
        qs = qs.filter(category__in=categories_of_level(level))
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    return qs.annotate(
        session_count=_count_of(ConflictSession, "conflict"),
        open_escalation_count=_count_of(Escalation, "conflict", decided_at__isnull=True),
    )


def conflict_one_session_stats(*, conflicts: QuerySet[Conflict]) -> dict[str, Any]:
    """Over the resolved conflicts of `conflicts` (annotated with session_count): how many, the
    share resolved in exactly one session, the mean number of sessions — one query."""
    stats = conflicts.order_by().aggregate(
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        one_session=Count("pk", filter=Q(resolved_at__isnull=False, session_count=1)),
        mean_sessions=Avg("session_count", filter=Q(resolved_at__isnull=False)),
    )
    resolved = stats["resolved"]
    return {
        "resolved": resolved,
        "one_session": stats["one_session"],
        "share": stats["one_session"] / resolved if resolved else None,
        "mean_sessions": stats["mean_sessions"],
        "benchmark_share": BENCHMARK_ONE_SESSION_SHARE,
        "benchmark_sessions": BENCHMARK_SESSIONS_WITHOUT_PIVOT,
    }


def conflicts_of(*, org: Organisation) -> QuerySet[Conflict]:
    return Conflict.objects.filter(org=org).select_related(
        "team", "opened_by__user", "origin_item__sync", "origin_item__section"
    )


def conflict_sessions(*, conflict: Conflict) -> QuerySet[ConflictSession]:
    return conflict.sessions.order_by("held_at", "id")


def conflict_escalations(*, conflict: Conflict) -> QuerySet[Escalation]:
    return conflict.escalations.select_related("decided_by__user", "opened_by__user").order_by(
        "opened_at", "id"
    )


def sync_items_of(*, org: Organisation) -> QuerySet[SyncItem]:
    return SyncItem.objects.filter(sync__org=org).select_related("sync__team", "section", "feature")


def teams_of(*, org: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(org=org).order_by("name")


def people_of(*, org: Organisation, roles: Any = None) -> QuerySet[Membership]:
    qs = Membership.objects.filter(org=org, is_active=True).select_related("user")
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs.order_by("user__name", "user__email")


# --- Escalations --------------------------------------------------------------------------------


def escalations_of(*, org: Organisation) -> QuerySet[Escalation]:
    return Escalation.objects.filter(org=org).select_related(
        "conflict__team",
        "sync__team",
        "sync_item__section",
        "opened_by__user",
        "decided_by__user",
    )


def escalation_list(
    *, org: Organisation, level: int | None = None, status: str = "", team: Team | None = None
) -> QuerySet[Escalation]:
    qs = escalations_of(org=org)
    if level:
        qs = qs.filter(level=level)
    if status == "open":
        qs = qs.filter(decided_at__isnull=True)
    elif status == "decided":
        qs = qs.filter(decided_at__isnull=False)
    if team is not None:
        qs = qs.filter(Q(conflict__team=team) | Q(conflict__isnull=True, sync__team=team))
    return qs


def awaiting_q(*, membership: Membership | None) -> Q | None:
    """The escalations a person decides: VP Product, CPO and CTO level 2, the CEO level 3, PMs and
    tech leads level 1 of their teams (and level 1 escalations that belong to no team)."""
    levels = levels_for(membership)
    if not levels or membership is None:
        return None
    q = Q(level__in=[lvl for lvl in levels if lvl != 1])
    if 1 in levels:
        my_teams = TeamMember.objects.filter(membership=membership).values("team_id")
        q |= Q(level=1) & (
            Q(conflict__team_id__in=my_teams)
            | Q(conflict__isnull=True, sync__team_id__in=my_teams)
            | Q(conflict__isnull=True, sync__team__isnull=True)
        )
    return q


def escalation_inbox(*, membership: Membership | None, decided: bool = False) -> QuerySet[Escalation]:
    q = awaiting_q(membership=membership)
    if q is None or membership is None:
        return Escalation.objects.none()
    qs = escalations_of(org=membership.org).filter(q, decided_at__isnull=not decided)
    return qs.order_by("-decided_at", "-id") if decided else qs.order_by("opened_at", "id")


def escalation_badge_count(*, membership: Membership | None) -> int:
    """Open escalations awaiting the person's level: one COUNT query (none for people who hold
    no level)."""
    q = awaiting_q(membership=membership)
    if q is None or membership is None:
        return 0
    return Escalation.objects.filter(q, org_id=membership.org_id, decided_at__isnull=True).count()


# --- Obstacles ----------------------------------------------------------------------------------


def obstacles_of(*, org: Organisation) -> QuerySet[Obstacle]:
    return Obstacle.objects.filter(org=org).select_related("team", "owner__user", "raised_in_sync")


def obstacle_list(
    *,
    org: Organisation,
    team: Team | None = None,
    kind: str = "",
    status: str = "",
    owner: Membership | None = None,
) -> QuerySet[Obstacle]:
    qs = obstacles_of(org=org)
    if team is not None:
        qs = qs.filter(team=team)
    if kind:
        qs = qs.filter(kind=kind)
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs


def obstacle_open_list(*, org: Organisation, team: Team | None = None) -> QuerySet[Obstacle]:
    """Open obstacles (of a team, or all), oldest first: what the sync's issues section and the
    1:1s go through."""
    return obstacle_list(org=org, team=team, status="open").order_by("opened_at", "id")


# --- 1:1s ---------------------------------------------------------------------------------------


def may_see_all_one_on_ones(membership: Membership | None) -> bool:
    return membership is not None and membership.role in LEADERSHIP


def one_on_ones_visible(*, org: Organisation, membership: Membership | None) -> QuerySet[OneOnOne]:
    """Only the two people of a 1:1 and the organisation's leadership see it."""
    qs = OneOnOne.objects.filter(org=org).select_related("leader__user", "pm__user")
    if may_see_all_one_on_ones(membership):
        return qs
    if membership is None:
        return qs.none()
    return qs.filter(Q(leader=membership) | Q(pm=membership))


def one_on_one_pairs(*, org: Organisation, membership: Membership | None) -> list[dict[str, Any]]:
    """One row per leader–PM pair the person may see: how many 1:1s, the last one, and the open
    obstacles discussed in them."""
    rows = list(
        one_on_ones_visible(org=org, membership=membership)
        .order_by()
        .values("leader", "pm")
        .annotate(count=Count("pk"), last_held_at=Max("held_at"))
        .order_by("-last_held_at")
    )
    ids = {row["leader"] for row in rows} | {row["pm"] for row in rows}
    people = {m.pk: m for m in Membership.objects.filter(pk__in=ids).select_related("user")}
    for row in rows:
        row["leader"], row["pm"] = people[row["leader"]], people[row["pm"]]
    return rows


def one_on_one_leaders(*, org: Organisation) -> QuerySet[Membership]:
    return people_of(org=org, roles={Role.VP_PRODUCT, Role.CPO, Role.ENGINEERING_MANAGER})


def one_on_one_pms(*, org: Organisation) -> QuerySet[Membership]:
    return people_of(org=org, roles={Role.PM})


# --- Post-mortems -------------------------------------------------------------------------------


def postmortems_of(*, org: Organisation) -> QuerySet[PostMortem]:
    return PostMortem.objects.filter(org=org).select_related("team", "incident", "feature", "sync")


def postmortem_list(*, org: Organisation, kind: str = "", team: Team | None = None) -> QuerySet[PostMortem]:
    qs = postmortems_of(org=org)
    if kind:
        qs = qs.filter(kind=kind)
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def incidents_of(*, org: Organisation) -> QuerySet[Incident]:
    return Incident.objects.filter(org=org).select_related("team").order_by("-started_at")


def features_of(*, org: Organisation) -> QuerySet[Feature]:
    return Feature.objects.filter(org=org).select_related("team").order_by("key")
