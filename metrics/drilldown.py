"""The records behind a number: the cohort of a metric for a team (or the organisation) over a
window, straight from the raw tables (the one dashboard page that lists records), paginated.

Each cohort follows the engine's definition (metrics/computations/, DESIGN.md): a test keeps
the number of records listed equal to the snapshot's cohort. A page costs a fixed number of
queries: the count, the page, and at most two lookups for the page's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.models import AcceptanceReview, AlignmentSession, Feature, Organisation, SpecRevision, Team
from metrics import cohort_queries as queries
from metrics.computations import week_start
from metrics.services import shift_week
from metrics.texts import KINDS, number

PER_PAGE = 25


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    numeric: bool = False
    tone: str = ""  # good / bad: a pill


@dataclass
class Listing:
    title: str
    columns: list[tuple[str, bool]]  # (label, numeric)
    page: Page
    rows: list[list[Cell]]

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _bounds(org: Organisation, first_week: str, last_week: str) -> tuple[datetime, datetime]:
    start = week_start(first_week, org.time_zone).to_pydatetime()
    end = week_start(shift_week(last_week, 1), org.time_zone).to_pydatetime()
    return start, end


def _when(value: datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _yes(flag: bool) -> Cell:
    return Cell(_("yes") if flag else _("no"), tone="bad" if flag else "good")


def _feature(feature: Any) -> Cell:
    return Cell(f"{feature.key} · {feature.title}", reverse("collab:feature_detail", args=[feature.key]))


def _team_name(team: Team | None) -> str:
    return team.name if team else _("Organisation-wide")


# --- rows of each kind of record ---------------------------------------------------------------


def _aligned_rows(features: Sequence[Any]) -> list[list[Cell]]:
    ids = [feature.pk for feature in features]
    sessions: dict[int, list[datetime]] = defaultdict(list)
    for feature_id, held_at in AlignmentSession.objects.filter(spec__feature__in=ids).values_list(
        "spec__feature_id", "held_at"
    ):
        sessions[feature_id].append(held_at)
    reworked: dict[int, list[datetime]] = defaultdict(list)
    for feature_id, at in SpecRevision.objects.filter(
        spec__feature__in=ids, kind=SpecRevision.Kind.REWORK
    ).values_list("spec__feature_id", "at"):
        reworked[feature_id].append(at)
    rows = []
    for feature in features:
        held = sorted(at for at in sessions[feature.pk] if at <= feature.aligned_at)
        days = (feature.aligned_at - held[0]).total_seconds() / 86400 if held else None
        rows.append(
            [
                _feature(feature),
                Cell(feature.team.name),
                Cell(_when(feature.aligned_at)),
                Cell(str(len(held)), numeric=True),
                Cell(number(days), numeric=True),
                _yes(any(at > feature.aligned_at for at in reworked[feature.pk])),
            ]
        )
    return rows


def _reviewed_rows(features: Sequence[Any]) -> list[list[Cell]]:
    first: dict[int, tuple[str, str]] = {}
    counts: dict[int, int] = defaultdict(int)
    for feature_id, outcome, reason in (
        AcceptanceReview.objects.filter(feature__in=[f.pk for f in features])
        .order_by("at", "id")
        .values_list("feature_id", "outcome", "reason")
    ):
        first.setdefault(feature_id, (outcome, reason))
        counts[feature_id] += 1
    rows = []
    for feature in features:
        outcome, reason = first.get(feature.pk, ("", ""))
        accepted = outcome == AcceptanceReview.Outcome.ACCEPTED
        rows.append(
            [
                _feature(feature),
                Cell(feature.team.name),
                Cell(_when(feature.first_review_at)),
                Cell(_("accepted") if accepted else _("rejected"), tone="good" if accepted else "bad"),
                Cell(reason),
                Cell(str(counts[feature.pk]), numeric=True),
            ]
        )
    return rows


def _conflict_rows(conflicts: Sequence[Any]) -> list[list[Cell]]:
    return [
        [
            Cell(f"{c.key} · {c.title}", reverse("rituals:conflict_detail", args=[c.pk])),
            Cell(c.team.name),
            Cell(c.get_category_display()),
            Cell(_when(c.resolved_at)),
            Cell(str(c.session_count), numeric=True, tone="good" if c.session_count == 1 else ""),
        ]
        for c in conflicts
    ]


def _delivered_rows(features: Sequence[Any]) -> list[list[Cell]]:
    return [
        [
            _feature(f),
            Cell(f.team.name),
            Cell(str(KINDS.get(f.kind, f.kind))),
            Cell(number(f.effort_points), numeric=True),
            Cell(_when(f.delivered_at)),
        ]
        for f in features
    ]


def _planned_rows(org: Organisation) -> Callable[[Sequence[Any]], list[list[Cell]]]:
    def rows(features: Sequence[Any]) -> list[list[Cell]]:
        ends = {
            week: week_start(shift_week(week, 1), org.time_zone).to_pydatetime()
            for week in {f.planned_week for f in features}
        }
        result = []
        for f in features:
            on_time = (
                f.status != Feature.Status.DROPPED
                and f.delivered_at is not None
                and f.delivered_at < ends[f.planned_week]
            )
            result.append(
                [
                    _feature(f),
                    Cell(f.team.name),
                    Cell(f.planned_week),
                    Cell(f.get_status_display()),
                    Cell(_when(f.delivered_at)),
                    Cell(_("on time") if on_time else _("late"), tone="good" if on_time else "bad"),
                ]
            )
        return result

    return rows


def _sync_rows(syncs: Sequence[Any]) -> list[list[Cell]]:
    rows = []
    for sync in syncs:
        minutes = (sync.ended_at - sync.started_at).total_seconds() / 60
        within = minutes <= sync.planned
        rows.append(
            [
                Cell(str(sync), reverse("rituals:sync_detail", args=[sync.pk])),
                Cell(_team_name(sync.team)),
                Cell(_when(sync.started_at)),
                Cell(number(minutes, 0), numeric=True),
                Cell(str(sync.planned), numeric=True),
                Cell(_("within") if within else _("over"), tone="good" if within else "bad"),
            ]
        )
    return rows


def _escalation_rows(escalations: Sequence[Any]) -> list[list[Cell]]:
    rows = []
    for e in escalations:
        hours = (e.decided_at - e.opened_at).total_seconds() / 3600 if e.decided_at else None
        rows.append(
            [
                Cell(f"{e.key} · {e.title}", reverse("rituals:escalation_detail", args=[e.pk])),
                Cell(e.team_name or _("Organisation-wide")),
                Cell(str(e.level), numeric=True),
                Cell(_when(e.opened_at)),
                Cell(_when(e.decided_at)),
                Cell(number(hours), numeric=True),
            ]
        )
    return rows


def _deployment_rows(deployments: Sequence[Any]) -> list[list[Cell]]:
    return [
        [
            Cell(d.key),
            Cell(d.team.name),
            Cell(_when(d.finished_at)),
            Cell(str(d.commit_count), numeric=True),
            _yes(d.failed),
        ]
        for d in deployments
    ]


def _commit_rows(commits: Sequence[Any]) -> list[list[Cell]]:
    return [
        [
            Cell(c.sha[:12]),
            Cell(c.deployment.key),
            Cell(c.deployment.team.name),
            Cell(_when(c.authored_at)),
            Cell(_when(c.deployment.finished_at)),
            Cell(number((c.deployment.finished_at - c.authored_at).total_seconds() / 3600), numeric=True),
        ]
        for c in commits
    ]


def _incident_rows(incidents: Sequence[Any]) -> list[list[Cell]]:
    return [
        [
            Cell(f"{i.key} · {i.title}"),
            Cell(i.team.name),
            Cell(_when(i.started_at)),
            Cell(_when(i.resolved_at)),
            Cell(number((i.resolved_at - i.started_at).total_seconds() / 3600), numeric=True),
            Cell(i.deployment.key if i.deployment else "—"),
        ]
        for i in incidents
    ]


def _pulse_rows(pulses: Sequence[Any]) -> list[list[Cell]]:
    return [[Cell(p.team.name), Cell(p.week), Cell(str(p.score), numeric=True)] for p in pulses]


# --- per metric ----------------------------------------------------------------------------------

FEATURE, TEAM = gettext_lazy("Feature"), gettext_lazy("Team")
_LISTS: dict[str, tuple[Any, list[tuple[Any, bool]]]] = {
    "aligned": (
        gettext_lazy("Specs aligned in the period"),
        [
            (FEATURE, False),
            (TEAM, False),
            (gettext_lazy("Aligned at"), False),
            (gettext_lazy("Sessions to align"), True),
            (gettext_lazy("Days from first session"), True),
            (gettext_lazy("Reworked after alignment"), False),
        ],
    ),
    "reviewed": (
        gettext_lazy("Features first reviewed in the period"),
        [
            (FEATURE, False),
            (TEAM, False),
            (gettext_lazy("First review"), False),
            (gettext_lazy("Outcome"), False),
            (gettext_lazy("Reason"), False),
            (gettext_lazy("Reviews"), True),
        ],
    ),
    "conflicts": (
        gettext_lazy("Conflicts resolved in the period"),
        [
            (gettext_lazy("Conflict"), False),
            (TEAM, False),
            (gettext_lazy("Category"), False),
            (gettext_lazy("Resolved at"), False),
            (gettext_lazy("Sessions"), True),
        ],
    ),
    "delivered": (
        gettext_lazy("Features delivered in the period"),
        [
            (FEATURE, False),
            (TEAM, False),
            (gettext_lazy("Kind"), False),
            (gettext_lazy("Effort points"), True),
            (gettext_lazy("Delivered at"), False),
        ],
    ),
    "planned": (
        gettext_lazy("Features planned for a week of the period"),
        [
            (FEATURE, False),
            (TEAM, False),
            (gettext_lazy("Planned week"), False),
            (gettext_lazy("Status"), False),
            (gettext_lazy("Delivered at"), False),
            (gettext_lazy("By the end of the planned week"), False),
        ],
    ),
    "syncs": (
        gettext_lazy("Syncs started in the period"),
        [
            (gettext_lazy("Sync"), False),
            (TEAM, False),
            (gettext_lazy("Started"), False),
            (gettext_lazy("Minutes"), True),
            (gettext_lazy("Planned minutes"), True),
            (gettext_lazy("Time box"), False),
        ],
    ),
    "escalations": (
        gettext_lazy("Escalations opened in the period"),
        [
            (gettext_lazy("Escalation"), False),
            (TEAM, False),
            (gettext_lazy("Level"), True),
            (gettext_lazy("Opened"), False),
            (gettext_lazy("Decided"), False),
            (gettext_lazy("Hours to decision"), True),
        ],
    ),
    "deployments": (
        gettext_lazy("Successful production deployments finished in the period"),
        [
            (gettext_lazy("Deployment"), False),
            (TEAM, False),
            (gettext_lazy("Finished"), False),
            (gettext_lazy("Commits"), True),
            (gettext_lazy("Caused an incident"), False),
        ],
    ),
    "commits": (
        gettext_lazy("Commits shipped by those deployments"),
        [
            (gettext_lazy("Commit"), False),
            (gettext_lazy("Deployment"), False),
            (TEAM, False),
            (gettext_lazy("Authored"), False),
            (gettext_lazy("Deployed"), False),
            (gettext_lazy("Lead time (h)"), True),
        ],
    ),
    "incidents": (
        gettext_lazy("Incidents resolved in the period"),
        [
            (gettext_lazy("Incident"), False),
            (TEAM, False),
            (gettext_lazy("Started"), False),
            (gettext_lazy("Resolved"), False),
            (gettext_lazy("Hours to restore"), True),
            (gettext_lazy("Deployment"), False),
        ],
    ),
    "pulses": (
        gettext_lazy("Pulse answers of the period"),
        [(TEAM, False), (gettext_lazy("Week"), False), (gettext_lazy("Score"), True)],
    ),
}

_METRIC_LIST = {
    "time_to_alignment": "aligned",
    "rework_rate": "aligned",
    "first_time_acceptance": "reviewed",
    "conflict_one_session_rate": "conflicts",
    "velocity": "delivered",
    "investment_balance": "delivered",
    "predictability": "planned",
    "sync_discipline": "syncs",
    "escalations": "escalations",
    "deployment_frequency": "deployments",
    "change_failure_rate": "deployments",
    "lead_time_for_changes": "commits",
    "time_to_restore": "incidents",
    "team_pulse": "pulses",
}


def _source(
    *, org: Organisation, metric: str, team: Team | None, first_week: str, last_week: str
) -> tuple[str, QuerySet[Any], Callable[[Sequence[Any]], list[list[Cell]]]]:
    """The kind of records behind `metric`, their query over [first_week, last_week] and the
    builder of their rows."""
    kind = _METRIC_LIST[metric]
    start, end = _bounds(org, first_week, last_week)
    queryset: QuerySet[Any]
    rows: Callable[[Sequence[Any]], list[list[Cell]]]
    if kind == "aligned":
        queryset, rows = queries.aligned_features(org, team, start, end), _aligned_rows
    elif kind == "reviewed":
        queryset, rows = queries.reviewed_features(org, team, start, end), _reviewed_rows
    elif kind == "conflicts":
        queryset, rows = queries.resolved_conflicts(org, team, start, end), _conflict_rows
    elif kind == "delivered":
        queryset, rows = queries.delivered_features(org, team, start, end), _delivered_rows
    elif kind == "planned":
        queryset, rows = queries.planned_features(org, team, first_week, last_week), _planned_rows(org)
    elif kind == "syncs":
        queryset, rows = queries.timed_syncs(org, team, start, end), _sync_rows
    elif kind == "escalations":
        queryset, rows = queries.opened_escalations(org, team, start, end), _escalation_rows
    elif kind == "deployments":
        queryset, rows = queries.finished_deployments(org, team, start, end), _deployment_rows
    elif kind == "commits":
        queryset, rows = queries.shipped_commits(org, team, start, end), _commit_rows
    elif kind == "incidents":
        queryset, rows = queries.resolved_incidents(org, team, start, end), _incident_rows
    else:
        queryset, rows = queries.pulse_answers(org, team, first_week, last_week), _pulse_rows
    return kind, queryset, rows


def cohort_listing(
    *, org: Organisation, metric: str, team: Team | None, first_week: str, last_week: str, page: Any = 1
) -> Listing:
    """The records of `metric`'s cohort over [first_week, last_week], one page of them."""
    kind, queryset, rows = _source(
        org=org, metric=metric, team=team, first_week=first_week, last_week=last_week
    )
    title, columns = _LISTS[kind]
    current = Paginator(queryset, PER_PAGE).get_page(page)
    return Listing(
        title=str(title),
        columns=[(str(label), numeric) for label, numeric in columns],
        page=current,
        rows=rows(list(current.object_list)),
    )


CSV_BATCH = 500


def cohort_table(
    *, org: Organisation, metric: str, team: Team | None, first_week: str, last_week: str
) -> tuple[list[str], Iterator[list[str]]]:
    """Every record of `metric`'s cohort (not one page): the column labels and the rows' texts as
    the records page shows them, read in batches (a few queries per batch, whatever the total)."""
    kind, queryset, rows = _source(
        org=org, metric=metric, team=team, first_week=first_week, last_week=last_week
    )
    _title, columns = _LISTS[kind]
    paginator = Paginator(queryset, CSV_BATCH)

    def texts() -> Iterator[list[str]]:
        for number_ in paginator.page_range:
            for row in rows(list(paginator.page(number_).object_list)):
                yield [cell.text for cell in row]

    return [str(label) for label, _numeric in columns], texts()
