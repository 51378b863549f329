"""The metric engine's input: one pandas DataFrame per raw table.

This module is pure (pandas and the standard library, no Django) so that the engine can be fed
either from a `collab-workspace/1` document (`frames_from_workspace`, used by tests and imports)
or from PostgreSQL by a loader that must produce *identical* frames. The column contract:

Conventions for every table
    - timestamps are tz-aware ``datetime64[ns, UTC]``, ``NaT`` where absent;
    - identifiers (feature, sync, conflict, escalation, deployment, incident) are opaque hashable
      values: keys in a workspace, primary keys from the database. The engine only joins on them;
    - ``team`` is the team's slug (``str``) or ``None``/``NA`` for organisation-wide records;
    - weeks are ISO week strings ``"YYYY-Www"`` or ``None``/``NA``;
    - column order is free, extra columns are ignored, every listed column must exist;
    - the engine first calls `Frames.normalised()`, which keeps the listed columns, coerces their
      dtypes (any datetime unit or tz becomes ``datetime64[ns, UTC]``) and refuses naive
      timestamps, so a loader may hand over its DataFrames as they come;
    - tables of a feature's, sync's or deployment's parts carry no team: the engine takes it from
      the parent row.

features            one row per feature
    feature         id
    team            slug
    kind            "product" | "tech_debt" | "platform" | "bug"
    status          "idea" | "framing" | "aligned" | "in_progress" | "delivered" | "accepted" | "dropped"
    effort_points   float64, NaN when absent
    planned_week    "YYYY-Www" or NA
    delivered_at    timestamp or NaT
alignment_sessions  one row per alignment session of a feature's spec
    feature         id (features.feature)
    held_at         timestamp
    outcome         "aligned" | "continue"
revisions           one row per spec revision
    feature         id (features.feature)
    at              timestamp
    kind            "rework" | "clarification"
reviews             one row per acceptance review
    feature         id (features.feature)
    at              timestamp
    outcome         "accepted" | "rejected"
syncs               one row per sync (any ritual)
    sync            id
    team            slug, NA for an organisation-wide sync
    started_at      timestamp or NaT
    ended_at        timestamp or NaT
sync_sections       one row per section of a sync
    sync            id (syncs.sync)
    code            section code, e.g. "delivery"
    planned_minutes float64
    started_at      timestamp or NaT
    ended_at        timestamp or NaT
conflicts           one row per PIVOT conflict
    conflict        id
    team            slug
    resolved_at     timestamp or NaT
    sessions        int64, number of working sessions held
escalations         one row per escalation
    escalation      id
    team            slug of its conflict's team, else of its sync's team, else NA
    level           int64, 1 | 2 | 3
    opened_at       timestamp
    decided_at      timestamp or NaT
deployments         one row per deployment
    deployment      id
    team            slug
    environment     "production" | "staging" | "test"
    result          "success" | "failure"
    finished_at     timestamp
commits             one row per commit of a deployment
    deployment      id (deployments.deployment)
    authored_at     timestamp
incidents           one row per incident
    incident        id
    team            slug
    started_at      timestamp
    resolved_at     timestamp or NaT
    deployment      id (deployments.deployment) when linked explicitly, else NA
pulses              one row per pulse answer
    team            slug
    week            "YYYY-Www"
    score           float64 (1..5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Final

import pandas as pd

TIMESTAMP_DTYPE: Final = "datetime64[ns, UTC]"

# Column -> kind: "ts" (UTC timestamp), "float", "int", or "value" (anything, kept as given).
COLUMNS: dict[str, dict[str, str]] = {
    "features": {
        "feature": "value",
        "team": "value",
        "kind": "value",
        "status": "value",
        "effort_points": "float",
        "planned_week": "value",
        "delivered_at": "ts",
    },
    "alignment_sessions": {"feature": "value", "held_at": "ts", "outcome": "value"},
    "revisions": {"feature": "value", "at": "ts", "kind": "value"},
    "reviews": {"feature": "value", "at": "ts", "outcome": "value"},
    "syncs": {"sync": "value", "team": "value", "started_at": "ts", "ended_at": "ts"},
    "sync_sections": {
        "sync": "value",
        "code": "value",
        "planned_minutes": "float",
        "started_at": "ts",
        "ended_at": "ts",
    },
    "conflicts": {"conflict": "value", "team": "value", "resolved_at": "ts", "sessions": "int"},
    "escalations": {
        "escalation": "value",
        "team": "value",
        "level": "int",
        "opened_at": "ts",
        "decided_at": "ts",
    },
    "deployments": {
        "deployment": "value",
        "team": "value",
        "environment": "value",
        "result": "value",
        "finished_at": "ts",
    },
    "commits": {"deployment": "value", "authored_at": "ts"},
    "incidents": {
        "incident": "value",
        "team": "value",
        "started_at": "ts",
        "resolved_at": "ts",
        "deployment": "value",
    },
    "pulses": {"team": "value", "week": "value", "score": "float"},
}


@dataclass(frozen=True, eq=False)
class Frames:
    """The raw tables of one organisation, shaped as described in the module docstring."""

    features: pd.DataFrame
    alignment_sessions: pd.DataFrame
    revisions: pd.DataFrame
    reviews: pd.DataFrame
    syncs: pd.DataFrame
    sync_sections: pd.DataFrame
    conflicts: pd.DataFrame
    escalations: pd.DataFrame
    deployments: pd.DataFrame
    commits: pd.DataFrame
    incidents: pd.DataFrame
    pulses: pd.DataFrame

    @classmethod
    def empty(cls) -> Frames:
        """Every table with its columns and dtypes, and no rows."""
        return cls(**{name: table_frame(name, []) for name in COLUMNS})

    @classmethod
    def from_records(cls, **tables: Iterable[Mapping[str, Any]] | pd.DataFrame) -> Frames:
        """Frames from lists of row dicts (or DataFrames) per table; missing tables are empty."""
        unknown = set(tables) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        frames = cls(**{name: table_frame(name, tables.get(name, [])) for name in COLUMNS})
        object.__setattr__(frames, "_normalised", True)  # its tables are the contract's already
        return frames

    @classmethod
    def from_columns(cls, **tables: Mapping[str, Sequence[Any]]) -> Frames:
        """Frames from each table's columns (column name -> values, all of one length), as a
        loader fetches them; missing tables are empty."""
        return cls.from_records(**{name: pd.DataFrame(dict(columns)) for name, columns in tables.items()})

    def normalised(self) -> Frames:
        """The same tables with exactly the contract's columns and dtypes; raises on a missing
        column or a naive timestamp. The engine starts from this, so loaders may hand it their
        DataFrames as they come. Frames built by `from_records` are returned as they are (their
        tables are not to be modified in place)."""
        if getattr(self, "_normalised", False):
            return self
        return Frames.from_records(**{item.name: getattr(self, item.name) for item in fields(self)})

    def teams(self) -> list[str]:
        """Every team slug that appears in any table, sorted."""
        found: set[str] = set()
        for item in fields(self):
            frame = getattr(self, item.name)
            if "team" in frame.columns:
                found.update(frame["team"].dropna().unique().tolist())
        return sorted(found)


def table_frame(name: str, rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A DataFrame for table `name` with the contract's columns and dtypes.

    A DataFrame must have every column; row dicts may leave out a field, which is then missing.
    """
    columns = COLUMNS[name]
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    missing = [column for column in columns if column not in frame.columns]
    if missing and isinstance(rows, pd.DataFrame) and len(frame):
        raise ValueError(f"{name}: missing columns {missing}")
    data: dict[str, pd.Series] = {}
    for column, kind in columns.items():
        values = frame[column] if column in frame.columns else pd.Series([None] * len(frame), dtype=object)
        data[column] = _coerce(values, kind)
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame)))


def _coerce(values: pd.Series, kind: str) -> pd.Series:
    values = values.reset_index(drop=True)
    if kind == "ts":
        return to_utc(values)
    if kind == "float":
        return pd.to_numeric(values, errors="raise").astype("float64")
    if kind == "int":
        return pd.to_numeric(values, errors="raise").astype("int64")
    if values.dtype == object:
        # Absent optional values arrive as None or NaN; make them one NA the engine can test.
        return values.where(values.notna(), None)
    return values


def to_utc(values: pd.Series) -> pd.Series:
    """Timestamps (datetime64 or ISO 8601 strings with offsets) as datetime64[ns, UTC].

    Naive timestamps are refused: a week boundary depends on the instant, not on a wall clock.
    """
    values = values.reset_index(drop=True)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
    if values.isna().all():
        return pd.Series(pd.NaT, index=values.index, dtype=TIMESTAMP_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        raise ValueError("naive timestamps: give tz-aware values")
    strings = values.where(values.notna(), None)
    for value in strings.dropna():
        if isinstance(value, str) and not _has_offset(value):
            raise ValueError(f"timestamp without offset: {value!r}")
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError(f"naive timestamp: {value!r}")
    return pd.to_datetime(strings, utc=True, format="ISO8601").astype(TIMESTAMP_DTYPE)


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith("Z") or "+" in tail or "-" in tail


def frames_from_workspace(doc: Mapping[str, Any]) -> Frames:
    """Frames built straight from a `collab-workspace/1` document (assumed valid)."""
    features, sessions, revisions, reviews = [], [], [], []
    for feature in doc.get("features", []):
        key = feature["key"]
        features.append(
            {
                "feature": key,
                "team": feature.get("team"),
                "kind": feature["kind"],
                "status": feature["status"],
                "effort_points": feature.get("effort_points"),
                "planned_week": feature.get("planned_week"),
                "delivered_at": feature.get("delivered_at"),
            }
        )
        sessions += [
            {"feature": key, "held_at": s["held_at"], "outcome": s["outcome"]}
            for s in feature.get("alignment_sessions", [])
        ]
        revisions += [
            {"feature": key, "at": r["at"], "kind": r["kind"]} for r in feature.get("revisions", [])
        ]
        reviews += [
            {"feature": key, "at": r["at"], "outcome": r["outcome"]}
            for r in feature.get("acceptance_reviews", [])
        ]

    syncs, sections = [], []
    for sync in doc.get("syncs", []):
        syncs.append(
            {
                "sync": sync["key"],
                "team": sync.get("team"),
                "started_at": sync.get("started_at"),
                "ended_at": sync.get("ended_at"),
            }
        )
        sections += [
            {
                "sync": sync["key"],
                "code": section["code"],
                "planned_minutes": section["planned_minutes"],
                "started_at": section.get("started_at"),
                "ended_at": section.get("ended_at"),
            }
            for section in sync.get("sections", [])
        ]

    conflicts = [
        {
            "conflict": conflict["key"],
            "team": conflict.get("team"),
            "resolved_at": conflict.get("resolved_at"),
            "sessions": len(conflict.get("sessions", [])),
        }
        for conflict in doc.get("conflicts", [])
    ]
    conflict_team = {row["conflict"]: row["team"] for row in conflicts}
    sync_team = {row["sync"]: row["team"] for row in syncs}
    escalations = [
        {
            "escalation": escalation["key"],
            "team": _escalation_team(escalation, conflict_team, sync_team),
            "level": escalation["level"],
            "opened_at": escalation["opened_at"],
            "decided_at": escalation.get("decided_at"),
        }
        for escalation in doc.get("escalations", [])
    ]

    deployments, commits = [], []
    for deployment in doc.get("deployments", []):
        deployments.append(
            {
                "deployment": deployment["key"],
                "team": deployment.get("team"),
                "environment": deployment["environment"],
                "result": deployment["result"],
                "finished_at": deployment["finished_at"],
            }
        )
        commits += [
            {"deployment": deployment["key"], "authored_at": commit["authored_at"]}
            for commit in deployment.get("commits", [])
        ]
    incidents = [
        {
            "incident": incident["key"],
            "team": incident.get("team"),
            "started_at": incident["started_at"],
            "resolved_at": incident.get("resolved_at"),
            "deployment": incident.get("deployment"),
        }
        for incident in doc.get("incidents", [])
    ]
    pulses = [
        {"team": pulse["team"], "week": pulse["week"], "score": pulse["score"]}
        for pulse in doc.get("pulses", [])
    ]
    return Frames.from_records(
        features=features,
        alignment_sessions=sessions,
        revisions=revisions,
        reviews=reviews,
        syncs=syncs,
        sync_sections=sections,
        conflicts=conflicts,
        escalations=escalations,
        deployments=deployments,
        commits=commits,
        incidents=incidents,
        pulses=pulses,
    )


def _escalation_team(
    escalation: Mapping[str, Any], conflict_team: Mapping[Any, Any], sync_team: Mapping[Any, Any]
) -> Any:
    if escalation.get("conflict") is not None:
        return conflict_team.get(escalation["conflict"])
    if escalation.get("sync") is not None:
        return sync_team.get(escalation["sync"])
    return None
