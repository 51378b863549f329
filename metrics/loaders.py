"""Build the metric engine's `Frames` from PostgreSQL, for one organisation (or one team of it).

One ``.values_list()`` per table, whatever the data size: twelve queries, no model instances
(fetched in PostgreSQL's binary format, see `fetch_rows`). Rows
come ordered by (timestamp, id), which is the order a workspace document gives the engine, so its
tie rules hold (a feature's first review is the earliest by `at`, then the first recorded; an
incident links implicitly to the team's latest deployment, the last recorded among equal times).

``since`` (optional) is the first ISO week any window will cover. Rows that cannot place a record
in a window starting that week or later are left out — exactly, not approximately:

- features: delivered, planned, aligned or first reviewed from that week on (a spec's sessions
  and a feature's reviews are then loaded whole: the sessions up to alignment count, and only the
  earliest review is a feature's first);
- revisions, syncs and their sections, conflicts, escalations: from that week on;
- deployments: successful production ones only (the only ones DORA counts; an explicit link to
  another deployment links an incident to none, loaded or not), finished from that week on;
- commits: of those deployments;
- incidents: started or resolved from that week on, or linked to a loaded deployment (an incident
  that started earlier can only link implicitly to a deployment finished earlier still);
- pulses: of that week on.

Team names are slugs, identifiers primary keys (opaque to the engine). The loader never imports
pandas: it hands each table's columns, as lists, to `Frames.from_columns`.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from collab.models import AcceptanceReview, AlignmentSession, Feature, Organisation, SpecRevision, Team
from collab.weeks import org_zone
from delivery.models import Commit, Deployment, Incident
from metrics.computations import parse_week, week_start
from metrics.frames import Frames
from metrics.meanwhile import Meanwhile
from rituals.models import Conflict, Escalation, Pulse, Sync, SyncSection

__all__ = ["LoadedFrames", "fetch_rows", "load_frames", "load_frames_timed", "load_later"]


@dataclass(frozen=True)
class LoadedFrames:
    frames: Frames
    seconds: float  # fetching the rows and building the frames
    rows: int
    first_week: str | None  # the ISO week (organisation time zone) of the earliest record loaded


def load_frames(*, org: Organisation, team: Team | None = None, since: str | None = None) -> Frames:
    """The organisation's raw tables as `Frames` (only `team`'s records when given; only what
    windows from the ISO week `since` on can read when given)."""
    return load_frames_timed(org=org, team=team, since=since).frames


def load_frames_timed(
    *,
    org: Organisation,
    team: Team | None = None,
    since: str | None = None,
    tables: Collection[str] | None = None,
) -> LoadedFrames:
    """`load_frames`, timed; only the tables named in `tables` when given (the others empty)."""
    began = perf_counter()
    start = week_start(since, org.time_zone).to_pydatetime() if since else None
    queries = {
        name: query
        for name, query in _queries(org, team, since, start).items()
        if tables is None or name in tables
    }
    with _collector_paused():
        names = [name for name in _APART if name in queries] if since else []
        if names and len(names) == len(queries):
            names = names[len(names) // 2 :]
        apart = Meanwhile(_tables, {name: queries.pop(name) for name in names}) if names else None
        fetched = _tables(queries)
        fetched |= apart.result() if apart else {}
        if "features" in fetched:  # blank in the database, absent for the engine
            fetched["features"]["planned_week"] = [
                week or None for week in fetched["features"]["planned_week"]
            ]
        frames = Frames.from_columns(**fetched)
    return LoadedFrames(
        frames,
        perf_counter() - began,
        sum(len(next(iter(columns.values()))) for columns in fetched.values()),
        _first_week(fetched, org_zone(org.time_zone)),
    )


# The tables a load of recent weeks fetches on a second connection meanwhile (about half of the
# database's work): such a load waits on the database more than it builds frames.
_APART = ("deployments", "commits", "incidents", "conflicts", "escalations", "pulses")


def load_later(**kwargs: Any) -> Meanwhile[LoadedFrames]:
    """`load_frames_timed(**kwargs)` on a second connection, started now, while the caller does
    something else (never asked for: the thread finishes alone)."""
    return Meanwhile(load_frames_timed, **kwargs)


def _tables(queries: dict[str, _Query]) -> dict[str, dict[str, list[Any]]]:
    return {name: _columns(query, columns) for name, (query, columns) in queries.items()}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: the rows make about a million tuples, lists and
    datetimes, none in a reference cycle, and the collector would walk them again and again
    (it took a third of a large load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _columns(query: QuerySet[Any, Any], names: Sequence[str]) -> dict[str, list[Any]]:
    """The query's rows, column by column (a DataFrame is built from columns far faster than
    from row dicts)."""
    rows = fetch_rows(query)
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return dict(zip(names, columns, strict=True))


def fetch_rows(query: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` queryset, fetched in PostgreSQL's binary format.

    The query is the queryset's own SQL; only the transfer differs: timestamps arrive as binary
    instants rather than text to parse, which loads the tables about three times faster. Django's
    error wrapping (OperationalError stays retryable) and query log apply as for any query. Only
    for columns that need no Django conversion: integers, floats, text, timestamps (and JSON, which
    arrives decoded).
    """
    database = connections[query.db]
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    database.ensure_connection()
    began = perf_counter()
    with database.wrap_database_errors, psycopg.Cursor(database.connection) as cursor:
        cursor.execute(sql, tuple(params), binary=True)
        rows = cursor.fetchall()
    if database.queries_logged:
        database.queries_log.append({"sql": sql, "time": f"{perf_counter() - began:.3f}"})
    return rows


# The instants and weeks that place a record in a window (the others only measure durations).
_PLACING = {
    "features": ("delivered_at",),
    "alignment_sessions": ("held_at",),
    "reviews": ("at",),
    "syncs": ("started_at",),
    "conflicts": ("resolved_at",),
    "escalations": ("opened_at",),
    "deployments": ("finished_at",),
    "incidents": ("resolved_at",),
}
_PLACING_WEEKS = {"features": "planned_week", "pulses": "week"}


def _first_week(tables: dict[str, dict[str, list[Any]]], tz: ZoneInfo) -> str | None:
    instants = [
        value
        for name, columns in _PLACING.items()
        if name in tables
        for column in columns
        if (value := min(filter(None, tables[name][column]), default=None))
    ]
    weeks = [
        value
        for name, column in _PLACING_WEEKS.items()
        if name in tables
        if (value := min((week for week in set(tables[name][column]) if _is_week(week)), default=None))
    ]
    if instants:
        year, number, _ = min(instants).astimezone(tz).isocalendar()
        weeks.append(f"{year}-W{number:02d}")
    return min(weeks, default=None)


def _is_week(value: Any) -> bool:
    try:
        parse_week(value)
    except ValueError:
        return False
    return True


_Query = tuple[QuerySet[Any, Any], tuple[str, ...]]


def _among(query: QuerySet[Any, Any], column: str, values: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
    """The rows of `query` whose `column` is one of `values`' (a one-column query), written
    `column = ANY(ARRAY(…))`: PostgreSQL computes the few values first and looks their rows up by
    index, where `IN (…)` has it hash-join the whole table (its rows of every week)."""
    sql, params = values.query.sql_with_params()
    table = query.model._meta.db_table
    return query.extra(where=[f'"{table}"."{column}" = ANY(ARRAY({sql}))'], params=list(params))  # noqa: S610


def _queries(
    org: Organisation, team: Team | None, since: str | None, start: datetime | None
) -> dict[str, _Query]:
    teamed = {"team": team} if team else {}

    features = Feature.objects.filter(org=org, **teamed)
    sessions = AlignmentSession.objects.filter(spec__feature__org=org)
    revisions = SpecRevision.objects.filter(spec__feature__org=org)
    reviews = AcceptanceReview.objects.filter(feature__org=org)
    syncs = Sync.objects.filter(org=org, **teamed)
    sections = SyncSection.objects.filter(sync__org=org)
    conflicts = Conflict.objects.filter(org=org, **teamed)
    escalations = Escalation.objects.filter(org=org)
    deployments = Deployment.objects.filter(
        org=org, environment=Deployment.Environment.PRODUCTION, result=Deployment.Result.SUCCESS, **teamed
    )
    commits = Commit.objects.filter(
        deployment__org=org,
        deployment__environment=Deployment.Environment.PRODUCTION,
        deployment__result=Deployment.Result.SUCCESS,
    )
    incidents = Incident.objects.filter(org=org)
    pulses = Pulse.objects.filter(org=org, **teamed)
    if team is not None:
        sessions = sessions.filter(spec__feature__team=team)
        revisions = revisions.filter(spec__feature__team=team)
        reviews = reviews.filter(feature__team=team)
        sections = sections.filter(sync__team=team)
        escalations = escalations.filter(Q(conflict__team=team) | Q(conflict__isnull=True, sync__team=team))
        commits = commits.filter(deployment__team=team)
        # An incident of another team may name this team's deployment as its cause.
        incidents = incidents.filter(Q(team=team) | Q(deployment__team=team))

    if start is not None and since is not None:
        aligned_since = AlignmentSession.objects.filter(
            outcome=AlignmentSession.Outcome.ALIGNED, held_at__gte=start
        ).order_by()
        reviewed_since = AcceptanceReview.objects.filter(at__gte=start).order_by()
        # Each part by its own index, then the features by id: one OR would read every feature of
        # the organisation (and have PostgreSQL compile the query, its cost estimated that high).
        recent = (
            Feature.objects.filter(org=org, delivered_at__gte=start)
            .order_by()
            .values("id")
            .union(
                Feature.objects.filter(org=org, planned_week__gte=since).order_by().values("id"),
                aligned_since.values("spec__feature_id"),
                reviewed_since.values("feature_id"),
            )
        )
        features = features.filter(pk__in=recent)
        sessions = _among(sessions, "spec_id", aligned_since.values("spec_id"))
        revisions = revisions.filter(at__gte=start)
        reviews = _among(reviews, "feature_id", reviewed_since.values("feature_id"))
        syncs = syncs.filter(started_at__gte=start)
        sections = _among(sections, "sync_id", syncs.order_by().values("id"))
        conflicts = conflicts.filter(resolved_at__gte=start)
        escalations = escalations.filter(opened_at__gte=start)
        deployments = deployments.filter(finished_at__gte=start)
        # The same rows as the filters above (commits of those deployments), looked up by index.
        commits = _among(Commit.objects.all(), "deployment_id", deployments.order_by().values("id"))
        incidents = incidents.filter(
            Q(started_at__gte=start)
            | Q(resolved_at__gte=start)
            | Q(deployment_id__in=Deployment.objects.filter(org=org, finished_at__gte=start).values("id"))
        )
        pulses = pulses.filter(week__gte=since)

    return {
        "features": (
            features.order_by("id").values_list(
                "id", "team__slug", "kind", "status", "effort_points", "planned_week", "delivered_at"
            ),
            ("feature", "team", "kind", "status", "effort_points", "planned_week", "delivered_at"),
        ),
        "alignment_sessions": (
            sessions.order_by("held_at", "id").values_list("spec__feature_id", "held_at", "outcome"),
            ("feature", "held_at", "outcome"),
        ),
        "revisions": (
            revisions.order_by("at", "id").values_list("spec__feature_id", "at", "kind"),
            ("feature", "at", "kind"),
        ),
        "reviews": (
            reviews.order_by("at", "id").values_list("feature_id", "at", "outcome"),
            ("feature", "at", "outcome"),
        ),
        "syncs": (
            syncs.order_by("started_at", "id").values_list("id", "team__slug", "started_at", "ended_at"),
            ("sync", "team", "started_at", "ended_at"),
        ),
        "sync_sections": (
            sections.order_by("sync_id", "position", "id").values_list(
                "sync_id", "code", "planned_minutes", "started_at", "ended_at"
            ),
            ("sync", "code", "planned_minutes", "started_at", "ended_at"),
        ),
        "conflicts": (
            conflicts.annotate(session_count=Count("sessions"))
            .order_by("resolved_at", "id")
            .values_list("id", "team__slug", "resolved_at", "session_count"),
            ("conflict", "team", "resolved_at", "sessions"),
        ),
        "escalations": (
            # The team of its conflict, else of its sync (a conflict always has a team).
            escalations.annotate(team_slug=Coalesce("conflict__team__slug", "sync__team__slug"))
            .order_by("opened_at", "id")
            .values_list("id", "team_slug", "level", "opened_at", "decided_at"),
            ("escalation", "team", "level", "opened_at", "decided_at"),
        ),
        "deployments": (
            deployments.order_by("finished_at", "id").values_list(
                "id", "team__slug", "environment", "result", "finished_at"
            ),
            ("deployment", "team", "environment", "result", "finished_at"),
        ),
        "commits": (
            commits.order_by("id").values_list("deployment_id", "authored_at"),
            ("deployment", "authored_at"),
        ),
        "incidents": (
            incidents.order_by("started_at", "id").values_list(
                "id", "team__slug", "started_at", "resolved_at", "deployment_id"
            ),
            ("incident", "team", "started_at", "resolved_at", "deployment"),
        ),
        "pulses": (
            pulses.order_by("id").values_list("team__slug", "week", "score"),
            ("team", "week", "score"),
        ),
    }
