"""The metric engine: pure pandas/numpy, no Django.

`compute_window` and `compute_series` turn `Frames` (see metrics/frames.py) into metric results of
DESIGN.md's shape ``{metric, team, from, to, value, numerator, denominator, cohort, extra}``.

How it works, once for both entry points:
1. each record of a cohort (an aligned spec, a delivered feature, a deployment, ...) is derived
   once from the raw tables, with the week of the instant that puts it in a window: the index of
   the ISO week, in the organisation's time zone, that contains it (`_Calendar`);
2. per team and week, counts and sums go into a (group × week) matrix; a window of w weeks is a
   sum over w consecutive columns, so every sliding window costs one vectorised sum. Medians
   take the window's slice of the group's records, sorted by week.
`compute_window` is the one-window case of the same engine.

Organisation-wide results pool every record (including those of no team); they are never means
of team values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from metrics.frames import TIMESTAMP_DTYPE, Frames

METRICS: tuple[str, ...] = (
    "time_to_alignment",
    "rework_rate",
    "first_time_acceptance",
    "conflict_one_session_rate",
    "velocity",
    "investment_balance",
    "predictability",
    "sync_discipline",
    "escalations",
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "time_to_restore",
    "team_pulse",
)

DORA_METRICS = ("deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore")

# What a user reads next to a metric. English only: the Django layer translates these strings.
METADATA: dict[str, dict[str, str]] = {
    "time_to_alignment": {
        "label": "Time to alignment",
        "unit": "sessions",
        "how": "Median number of alignment sessions a spec needed, up to and including the one where "
        "it was aligned, over specs aligned in the period.",
        "record": "Record alignment sessions on specs, with the outcome 'aligned' for the last one.",
    },
    "rework_rate": {
        "label": "Rework rate",
        "unit": "share",
        "how": "Share of specs aligned in the period that had at least one rework revision after alignment.",
        "record": "Align specs; revise them after alignment with the kind 'rework' or 'clarification'.",
    },
    "first_time_acceptance": {
        "label": "First-time acceptance",
        "unit": "share",
        "how": "Share of features whose first acceptance review, in the period, accepted them.",
        "record": "Record an acceptance review on each delivered feature.",
    },
    "conflict_one_session_rate": {
        "label": "Conflicts resolved in one session",
        "unit": "share",
        "how": "Share of conflicts resolved in the period that needed exactly one PIVOT session.",
        "record": "Open conflicts, record their sessions and resolve them.",
    },
    "velocity": {
        "label": "Velocity",
        "unit": "points per week",
        "how": "Effort points of the features delivered in the period, divided by its number of weeks.",
        "record": "Give features effort points and a delivery date.",
    },
    "investment_balance": {
        "label": "Investment balance",
        "unit": "share",
        "how": "Share of the effort points delivered in the period that went to tech debt and platform "
        "work; the share of every kind is shown too.",
        "record": "Give features a kind, effort points and a delivery date.",
    },
    "predictability": {
        "label": "Predictability",
        "unit": "share",
        "how": "Share of the features planned for a week of the period that were delivered by the end "
        "of their planned week; dropped and undelivered features count as late.",
        "record": "Plan features for a week and record when they are delivered.",
    },
    "sync_discipline": {
        "label": "Sync discipline",
        "unit": "share",
        "how": "Share of the syncs started in the period that ended within the sum of their sections' "
        "time boxes; the mean overrun of each section is shown too.",
        "record": "Run syncs with the timer, starting and ending them and their sections.",
    },
    "escalations": {
        "label": "Escalations",
        "unit": "escalations",
        "how": "Number of escalations opened in the period, per level, and the median hours until "
        "their decision.",
        "record": "Escalate from a conflict or a sync and record the decision.",
    },
    "deployment_frequency": {
        "label": "Deployment frequency",
        "unit": "days per week",
        "how": "For each week, the number of days with a successful production deployment; the median "
        "of those weekly numbers over the period.",
        "record": "Send successful and failed deployments from CI, with their environment.",
    },
    "lead_time_for_changes": {
        "label": "Lead time for changes",
        "unit": "hours",
        "how": "Median hours from a commit being authored to the successful production deployment "
        "that shipped it, over deployments finished in the period.",
        "record": "Send deployments from CI with their commits and authoring times.",
    },
    "change_failure_rate": {
        "label": "Change failure rate",
        "unit": "share",
        "how": "Share of the successful production deployments of the period that caused an incident: "
        "linked to it, or else the team's latest one before the incident started.",
        "record": "Send deployments from CI and record incidents, linked to a deployment when known.",
    },
    "time_to_restore": {
        "label": "Time to restore service",
        "unit": "hours",
        "how": "Median hours from an incident starting to it being resolved, over incidents resolved "
        "in the period.",
        "record": "Record incidents with their start and resolution times.",
    },
    "team_pulse": {
        "label": "Team pulse",
        "unit": "score",
        "how": "Mean satisfaction score (1 to 5) of the pulse answers of the period.",
        "record": "Ask the team's weekly pulse question.",
    },
}


# --- targets and traffic lights ----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A metric's target: `value` is the bound to reach (the lower bound of a range)."""

    direction: Literal["higher", "lower", "range"]
    value: float
    upper: float | None = None  # for a range only
    strict: bool = False  # "<" or ">" rather than "≤" or "≥"

    def met(self, value: float) -> bool:
        return bool(self.met_by(np.asarray([value]))[0])

    def met_by(self, values: Any) -> np.ndarray:
        """Element-wise `met` over an array of values."""
        values = np.asarray(values, dtype="float64")
        if self.direction == "range":
            assert self.upper is not None
            return (values >= self.value) & (values <= self.upper)
        if self.direction == "higher":
            return values > self.value if self.strict else values >= self.value
        return values < self.value if self.strict else values <= self.value


# DESIGN.md's table; velocity and escalations are read as trends and have none.
DEFAULT_TARGETS: dict[str, Target] = {
    "time_to_alignment": Target("lower", 2),
    "rework_rate": Target("lower", 0.15, strict=True),
    "first_time_acceptance": Target("higher", 0.9, strict=True),
    "conflict_one_session_rate": Target("higher", 0.89),
    "predictability": Target("range", 0.7, upper=0.95),
    "investment_balance": Target("higher", 0.2),
    "sync_discipline": Target("higher", 0.8),
    "deployment_frequency": Target("higher", 5),
    "lead_time_for_changes": Target("lower", 24, strict=True),
    "change_failure_rate": Target("lower", 0.05),
    "time_to_restore": Target("lower", 1, strict=True),
    "team_pulse": Target("higher", 4),
}

# A value that misses its target by at most this share of the target is "warn", not "bad".
WARN_MARGIN = 0.2


def targets_with_overrides(
    overrides: Mapping[str, float | Sequence[float] | Target] | None = None,
) -> dict[str, Target]:
    """The default targets with an organisation's overrides (a workspace's `targets`).

    An override is a number: the new bound, keeping the direction (for predictability, the lower
    bound of the range); a predictability override may also be a pair `[lower, upper]`; a
    `Target` replaces the default as it is.
    """
    targets = dict(DEFAULT_TARGETS)
    for metric, override in (overrides or {}).items():
        if metric not in DEFAULT_TARGETS:
            raise ValueError(f"no target for metric {metric!r}")
        current = targets[metric]
        if isinstance(override, Target):
            targets[metric] = override
        elif isinstance(override, Sequence):
            if current.direction != "range" or len(override) != 2:
                raise ValueError(f"target for {metric!r} must be a number")
            targets[metric] = replace(current, value=float(override[0]), upper=float(override[1]))
        else:
            targets[metric] = replace(current, value=float(override))
    return targets


def status(metric: str, value: float | None, targets: Mapping[str, Target] | None = None) -> str | None:
    """Traffic light for a value: "good" when the target is met, "warn" when it misses by at most
    `WARN_MARGIN` of the target, else "bad"; None without a value or a target."""
    target = (targets if targets is not None else DEFAULT_TARGETS).get(metric)
    if value is None or target is None:
        return None
    if target.met(value):
        return "good"
    if target.direction == "range":
        assert target.upper is not None
        bound = target.value if value < target.value else target.upper
    else:
        bound = target.value
    return "warn" if abs(value - bound) <= WARN_MARGIN * abs(bound) else "bad"


# DORA 2023 bands. A month is taken as 30 days.
_HOURS_BANDS = {
    "lead_time_for_changes": (24.0, 7 * 24.0, 30 * 24.0),
    "time_to_restore": (1.0, 24.0, 7 * 24.0),
}


def dora_band(metric: str, value: float | None, *, weekly_mean: float | None = None) -> str | None:
    """The DORA 2023 band ("elite", "high", "medium", "low") of a DORA metric's value.

    For deployment_frequency, `value` is the median of the weekly deployment-day counts and
    `weekly_mean` their mean, which decides "medium" (≥ 0.25, about one a month); it defaults to
    `value`.
    """
    if value is None:
        return None
    if metric == "deployment_frequency":
        mean = value if weekly_mean is None else weekly_mean
        return "elite" if value >= 5 else "high" if value >= 1 else "medium" if mean >= 0.25 else "low"
    if metric == "change_failure_rate":
        return "elite" if value <= 0.05 else "high" if value <= 0.10 else "medium" if value <= 0.15 else "low"
    if metric in _HOURS_BANDS:
        elite, high, medium = _HOURS_BANDS[metric]
        return "elite" if value < elite else "high" if value < high else "medium" if value < medium else "low"
    raise ValueError(f"{metric!r} is not a DORA metric")


# --- weeks ---------------------------------------------------------------------------------------

_EPOCH = date(1970, 1, 1)  # a Thursday: week index 0 is the ISO week starting Monday 1969-12-29
_NS_PER_HOUR = 3_600 * 10**9
_NS_PER_DAY = 24 * _NS_PER_HOUR
_NO_WEEK = 2**40  # week index of a missing instant: after every window


def parse_week(week: str) -> date:
    """The Monday of an ISO week written 'YYYY-Www'."""
    try:
        year, number = week.split("-W")
        if len(year) != 4 or len(number) != 2:
            raise ValueError
        return date.fromisocalendar(int(year), int(number), 1)
    except (ValueError, AttributeError):
        raise ValueError(f"not an ISO week 'YYYY-Www': {week!r}") from None


def week_index(week: str) -> int:
    """A running number of ISO weeks: consecutive weeks have consecutive indices."""
    return ((parse_week(week) - _EPOCH).days + 3) // 7


def week_label(index: int) -> str:
    """The 'YYYY-Www' of a week index (inverse of `week_index`)."""
    year, number, _ = (_EPOCH + timedelta(days=7 * index - 3)).isocalendar()
    return f"{year}-W{number:02d}"


def week_start(week: str, tz: str) -> pd.Timestamp:
    """Monday 00:00 of `week` in time zone `tz`, as a UTC timestamp.

    Where that midnight does not exist (a DST jump at midnight) the week starts at the first
    instant after it; where it exists twice, at the first.
    """
    return _local_midnights([parse_week(week)], tz)[0]


def window_bounds(first_week: str, last_week: str, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[Monday 00:00 of `first_week`, Monday 00:00 after `last_week`) in `tz`, as UTC timestamps."""
    after_last = week_label(week_index(last_week) + 1)
    return week_start(first_week, tz), week_start(after_last, tz)


def _local_midnights(days: Sequence[date], tz: str) -> pd.DatetimeIndex:
    local = pd.DatetimeIndex(pd.to_datetime(list(days)))
    earliest = np.ones(len(local), dtype=bool)  # for an ambiguous midnight, its first occurrence
    aware = local.tz_localize(tz, ambiguous=earliest, nonexistent="shift_forward")
    return aware.tz_convert("UTC").as_unit("ns")


def _nanoseconds(values: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds; NaT becomes numpy's NaT integer (int64 minimum)."""
    naive = values.astype(TIMESTAMP_DTYPE).dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view("int64")


_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class _Calendar:
    """Days and weeks, in the organisation's time zone, of instants between `lo` and `hi` weeks.

    Local midnights are computed once for the covered days, then every instant is placed by a
    binary search among them: exact across DST changes, whatever the time zone library.
    """

    tz: str
    lo: int  # first week index that matters
    hi: int  # last week index that matters

    @cached_property
    def _first_day(self) -> int:
        return 7 * self.lo - 3  # days since 1970-01-01 of Monday of week `lo`

    @cached_property
    def _midnights(self) -> np.ndarray:
        count = 7 * (self.hi - self.lo + 1) + 1
        days = [_EPOCH + timedelta(days=self._first_day + offset) for offset in range(count)]
        return _local_midnights(days, self.tz).asi8

    def days(self, instants: pd.Series) -> np.ndarray:
        """Local day numbers (days since 1970-01-01); instants outside the weeks are clamped to a
        day before or after them, and NaT gives a day after every window."""
        ns = _nanoseconds(instants)
        days = np.searchsorted(self._midnights, ns, side="right") - 1 + self._first_day
        return np.where(ns == _NAT, 7 * _NO_WEEK, days)

    def weeks(self, instants: pd.Series) -> np.ndarray:
        return (self.days(instants) + 3) // 7


def _weeks_of_labels(labels: pd.Series) -> np.ndarray:
    """Week indices of 'YYYY-Www' labels; missing or malformed labels give `_NO_WEEK`."""
    indices: dict[Any, int] = {}
    for label in labels.dropna().unique():
        try:
            indices[label] = week_index(label)
        except ValueError:
            indices[label] = _NO_WEEK
    mapped = labels.map(indices)
    return mapped.fillna(_NO_WEEK).to_numpy(dtype="int64")


# --- windows and aggregation ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Windows:
    """`count` windows of `width` weeks, the first starting at week `lo`, each one week later.

    Groups are the requested teams, in order, then the organisation when `org`.
    """

    teams: tuple[Any, ...]
    org: bool
    lo: int
    count: int
    width: int

    @property
    def hi(self) -> int:
        return self.lo + self.count + self.width - 2

    @property
    def span(self) -> int:
        return self.hi - self.lo + 1

    @property
    def groups(self) -> list[Any]:
        return [*self.teams, None] if self.org else list(self.teams)

    def cohort(self, team: pd.Series, week: np.ndarray, **columns: Any) -> pd.DataFrame:
        """A cohort's records in the covered weeks: `group` (team position, -1 for none), `week`."""
        group = pd.Index(self.teams, dtype=object).get_indexer(team.to_numpy(dtype=object))
        frame = pd.DataFrame(
            {"group": group.astype("int64"), "week": np.asarray(week, dtype="int64")}
            | {name: np.asarray(values) for name, values in columns.items()}
        )
        return frame[(frame["week"] >= self.lo) & (frame["week"] <= self.hi)].reset_index(drop=True)

    def weekly(self, records: pd.DataFrame, weights: Any = None) -> np.ndarray:
        """(group × covered week) sums of `weights` (a count without)."""
        week = records["week"].to_numpy() - self.lo
        group = records["group"].to_numpy()
        values = None if weights is None else np.asarray(weights, dtype="float64")
        team = group >= 0
        by_team = np.bincount(
            group[team] * self.span + week[team],
            weights=None if values is None else values[team],
            minlength=len(self.teams) * self.span,
        ).reshape(len(self.teams), self.span)
        rows = [by_team]
        if self.org:
            rows.append(np.bincount(week, weights=values, minlength=self.span).reshape(1, self.span))
        return np.vstack(rows).astype("float64")

    def sums(self, records: pd.DataFrame, weights: Any = None) -> np.ndarray:
        """(group × window) sums of `weights` (a count without)."""
        return self.slide(self.weekly(records, weights)).sum(axis=2)

    def counts(self, records: pd.DataFrame, where: Any = None) -> np.ndarray:
        """(group × window) numbers of records (satisfying `where`)."""
        return np.rint(self.sums(records, where)).astype("int64")

    def slide(self, weekly: np.ndarray) -> np.ndarray:
        """(group × window × week of the window) view of a (group × covered week) matrix."""
        return sliding_window_view(weekly, self.width, axis=1)

    def medians(self, records: pd.DataFrame, column: str) -> list[list[float | int | None]]:
        """(group × window) medians of `column`; None for an empty window."""
        order = np.lexsort((records["week"].to_numpy(), records["group"].to_numpy()))
        group = records["group"].to_numpy()[order]
        week = records["week"].to_numpy()[order]
        values = records[column].to_numpy()[order]
        firsts = self.lo + np.arange(self.count)
        lasts = firsts + self.width - 1
        slices: list[tuple[np.ndarray, np.ndarray]] = []
        for position in range(len(self.teams)):
            start, stop = np.searchsorted(group, [position, position + 1])
            slices.append((week[start:stop], values[start:stop]))
        if self.org:
            by_week = np.argsort(week, kind="stable")
            slices.append((week[by_week], values[by_week]))
        result = []
        for weeks, vals in slices:
            starts = np.searchsorted(weeks, firsts, side="left")
            stops = np.searchsorted(weeks, lasts, side="right")
            result.append([median(vals[a:b]) for a, b in zip(starts, stops, strict=True)])
        return result


def median(values: np.ndarray | Sequence[float]) -> float | int | None:
    """The middle value, or the mean of the two middle values; None for no values.

    The middle value keeps its type (an int stays an int), as DESIGN.md's examples show.
    """
    array = np.asarray(values)
    size = len(array)
    if size == 0:
        return None
    middle = size // 2
    if size % 2:
        return np.partition(array, middle)[middle].item()
    parted = np.partition(array, (middle - 1, middle))
    return (parted[middle - 1].item() + parted[middle].item()) / 2


# --- cohorts: one record per member, with the week that places it in windows ---------------------


def _elapsed(later: pd.Series, earlier: pd.Series, unit: int) -> np.ndarray:
    """`later − earlier` in units of `unit` nanoseconds, as floats; NaN where either is missing."""
    end, start = _nanoseconds(later), _nanoseconds(earlier)
    missing = (end == _NAT) | (start == _NAT)
    return np.where(missing, np.nan, (np.where(missing, 0, end) - np.where(missing, 0, start)) / unit)


def _hours(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return _elapsed(later, earlier, _NS_PER_HOUR)


@dataclass(frozen=True, eq=False)
class _Cohorts:
    frames: Frames
    calendar: _Calendar
    windows: _Windows
    targets: Mapping[str, Target]  # time_to_alignment's says which specs are "within target"

    def _feature_team(self, feature: pd.Series) -> pd.Series:
        teams = self.frames.features.drop_duplicates("feature").set_index("feature")["team"]
        return feature.map(teams)

    @cached_property
    def aligned_specs(self) -> pd.DataFrame:
        """Specs with an aligned session: sessions up to it, days since the first, rework after."""
        sessions = self.frames.alignment_sessions
        sessions = sessions[
            sessions["held_at"].notna() & sessions["feature"].isin(self.frames.features["feature"])
        ]
        aligned_at = (
            sessions[sessions["outcome"] == "aligned"].groupby("feature", sort=False)["held_at"].min()
        )
        sessions = sessions.merge(aligned_at.rename("aligned_at").reset_index(), on="feature", how="inner")
        sessions = sessions[sessions["held_at"] <= sessions["aligned_at"]]
        specs = sessions.groupby("feature", sort=False).agg(
            aligned_at=("aligned_at", "first"), first_at=("held_at", "min"), sessions=("held_at", "size")
        )
        specs = specs.reset_index()
        revisions = self.frames.revisions
        rework = revisions[revisions["kind"] == "rework"].merge(
            specs[["feature", "aligned_at"]], on="feature", how="inner"
        )
        reworked = rework.loc[rework["at"] > rework["aligned_at"], "feature"]
        return self.windows.cohort(
            self._feature_team(specs["feature"]),
            self.calendar.weeks(specs["aligned_at"]),
            sessions=specs["sessions"].to_numpy(dtype="int64"),
            days=_elapsed(specs["aligned_at"], specs["first_at"], _NS_PER_DAY),
            reworked=specs["feature"].isin(reworked).to_numpy(),
        )

    @cached_property
    def first_reviews(self) -> pd.DataFrame:
        reviews = self.frames.reviews
        reviews = reviews[reviews["at"].notna() & reviews["feature"].isin(self.frames.features["feature"])]
        first = reviews.sort_values("at", kind="stable").drop_duplicates("feature")
        return self.windows.cohort(
            self._feature_team(first["feature"]),
            self.calendar.weeks(first["at"]),
            accepted=(first["outcome"] == "accepted").to_numpy(),
        )

    @cached_property
    def resolved_conflicts(self) -> pd.DataFrame:
        conflicts = self.frames.conflicts
        conflicts = conflicts[conflicts["resolved_at"].notna()]
        return self.windows.cohort(
            conflicts["team"],
            self.calendar.weeks(conflicts["resolved_at"]),
            sessions=conflicts["sessions"].to_numpy(dtype="int64"),
        )

    @cached_property
    def delivered_features(self) -> pd.DataFrame:
        features = self.frames.features
        features = features[features["delivered_at"].notna()]
        return self.windows.cohort(
            features["team"],
            self.calendar.weeks(features["delivered_at"]),
            points=features["effort_points"].fillna(0).to_numpy(dtype="float64"),
            kind=features["kind"].to_numpy(dtype=object),
        )

    @cached_property
    def planned_features(self) -> pd.DataFrame:
        features = self.frames.features
        planned = _weeks_of_labels(features["planned_week"])
        delivered = self.calendar.weeks(features["delivered_at"])
        # Delivered before the Monday 00:00 after the planned week is delivered in a week ≤ it.
        on_time = (features["status"] != "dropped").to_numpy() & (delivered <= planned)
        return self.windows.cohort(features["team"], planned, on_time=on_time)

    @cached_property
    def _timed_syncs(self) -> pd.DataFrame:
        syncs = self.frames.syncs
        return syncs[syncs["started_at"].notna() & syncs["ended_at"].notna()].reset_index(drop=True)

    @cached_property
    def syncs(self) -> pd.DataFrame:
        syncs = self._timed_syncs
        planned = self.frames.sync_sections.groupby("sync")["planned_minutes"].sum()
        planned_minutes = syncs["sync"].map(planned).fillna(0).to_numpy(dtype="float64")
        minutes = _hours(syncs["ended_at"], syncs["started_at"]) * 60
        return self.windows.cohort(
            syncs["team"], self.calendar.weeks(syncs["started_at"]), on_time=minutes <= planned_minutes
        )

    @cached_property
    def sync_sections(self) -> pd.DataFrame:
        """Timed sections of the timed syncs, placed in the week their sync started."""
        syncs = self._timed_syncs[["sync", "team", "started_at"]].rename(
            columns={"started_at": "sync_started_at"}
        )
        sections = self.frames.sync_sections
        sections = sections[sections["started_at"].notna() & sections["ended_at"].notna()]
        sections = sections.merge(syncs, on="sync", how="inner")
        actual = _hours(sections["ended_at"], sections["started_at"]) * 60
        overrun = np.maximum(0.0, actual - sections["planned_minutes"].to_numpy(dtype="float64"))
        return self.windows.cohort(
            sections["team"],
            self.calendar.weeks(sections["sync_started_at"]),
            code=sections["code"].to_numpy(dtype=object),
            overrun=overrun,
        )

    @cached_property
    def escalations(self) -> pd.DataFrame:
        escalations = self.frames.escalations
        escalations = escalations[escalations["opened_at"].notna()]
        return self.windows.cohort(
            escalations["team"],
            self.calendar.weeks(escalations["opened_at"]),
            level=escalations["level"].to_numpy(dtype="int64"),
            hours=_hours(escalations["decided_at"], escalations["opened_at"]),
            decided=escalations["decided_at"].notna().to_numpy(),
        )

    @cached_property
    def _dora_deployments(self) -> pd.DataFrame:
        """Successful production deployments: the only ones DORA counts."""
        deployments = self.frames.deployments
        counted = (
            (deployments["environment"] == "production")
            & (deployments["result"] == "success")
            & deployments["finished_at"].notna()
        )
        return deployments[counted].reset_index(drop=True)

    @cached_property
    def deployments(self) -> pd.DataFrame:
        deployments = self._dora_deployments
        days = self.calendar.days(deployments["finished_at"])
        failed = deployments["deployment"].isin(self._failed_deployments())
        return self.windows.cohort(deployments["team"], (days + 3) // 7, day=days, failed=failed.to_numpy())

    def _failed_deployments(self) -> pd.Series:
        """Deployments with ≥ 1 incident linked: explicitly, or else implicitly to the team's latest
        counted deployment finished at or before the incident started."""
        incidents = self.frames.incidents
        counted = self._dora_deployments
        explicit = incidents["deployment"].notna()
        linked_explicitly = incidents.loc[explicit, "deployment"]
        unlinked = incidents[~explicit & incidents["started_at"].notna() & incidents["team"].notna()]
        if unlinked.empty or counted.empty:
            return linked_explicitly[linked_explicitly.isin(counted["deployment"])]
        # merge_asof needs one dtype for the `by` key on both sides.
        left = pd.DataFrame(
            {"team": unlinked["team"].astype(object), "at": unlinked["started_at"].astype(TIMESTAMP_DTYPE)}
        ).sort_values("at", kind="stable")
        right = pd.DataFrame(
            {
                "team": counted["team"].astype(object),
                "at": counted["finished_at"].astype(TIMESTAMP_DTYPE),
                "deployment": counted["deployment"],
            }
        ).sort_values("at", kind="stable")
        right = right[right["team"].notna()]
        implicit = pd.merge_asof(left, right, on="at", by="team", direction="backward")["deployment"]
        linked = pd.concat([linked_explicitly.astype(object), implicit.dropna().astype(object)])
        return linked[linked.isin(counted["deployment"])]

    @cached_property
    def commits(self) -> pd.DataFrame:
        """Commits of counted deployments with a positive lead time, in the deployment's week."""
        deployments = self._dora_deployments[["deployment", "team", "finished_at"]]
        commits = self.frames.commits
        commits = commits[commits["authored_at"].notna()].merge(deployments, on="deployment", how="inner")
        hours = _hours(commits["finished_at"], commits["authored_at"])
        positive = hours > 0
        return self.windows.cohort(
            commits.loc[positive, "team"],
            self.calendar.weeks(commits.loc[positive, "finished_at"]),
            hours=hours[positive],
        )

    @cached_property
    def resolved_incidents(self) -> pd.DataFrame:
        incidents = self.frames.incidents
        incidents = incidents[incidents["resolved_at"].notna() & incidents["started_at"].notna()]
        return self.windows.cohort(
            incidents["team"],
            self.calendar.weeks(incidents["resolved_at"]),
            hours=_hours(incidents["resolved_at"], incidents["started_at"]),
        )

    @cached_property
    def pulses(self) -> pd.DataFrame:
        pulses = self.frames.pulses
        pulses = pulses[pulses["score"].notna()]
        return self.windows.cohort(
            pulses["team"], _weeks_of_labels(pulses["week"]), score=pulses["score"].to_numpy(dtype="float64")
        )


# --- metrics: each returns, per group then window, (value, numerator, denominator, cohort, extra) --

_Row = tuple[Any, Any, Any, int, dict[str, Any]]
_Grid = list[list[_Row]]


def _number(value: float) -> int | float:
    """An integral float as an int (points are whole in practice), else the float."""
    return int(value) if float(value).is_integer() else float(value)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _rate(
    hits: np.ndarray, count: np.ndarray, extra: Callable[[int, int], dict[str, Any]] | None = None
) -> _Grid:
    return [
        [
            (
                _ratio(int(hits[g, j]), int(count[g, j])),
                int(hits[g, j]),
                int(count[g, j]),
                int(count[g, j]),
                extra(g, j) if extra else {},
            )
            for j in range(count.shape[1])
        ]
        for g in range(count.shape[0])
    ]


def _median_rows(
    medians: list[list[Any]], count: np.ndarray, extra: Callable[[int, int], dict[str, Any]] | None = None
) -> _Grid:
    return [
        [
            (medians[g][j], None, int(count[g, j]), int(count[g, j]), extra(g, j) if extra else {})
            for j in range(count.shape[1])
        ]
        for g in range(count.shape[0])
    ]


def _time_to_alignment(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    specs = cohorts.aligned_specs
    count = windows.counts(specs)
    within = windows.counts(specs, cohorts.targets["time_to_alignment"].met_by(specs["sessions"]))
    days = windows.medians(specs, "days")
    return _median_rows(
        windows.medians(specs, "sessions"),
        count,
        lambda g, j: {
            "share_within_target": _ratio(int(within[g, j]), int(count[g, j])),
            "median_days": days[g][j],
        },
    )


def _rework_rate(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    specs = cohorts.aligned_specs
    return _rate(windows.counts(specs, specs["reworked"]), windows.counts(specs))


def _first_time_acceptance(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    reviews = cohorts.first_reviews
    return _rate(windows.counts(reviews, reviews["accepted"]), windows.counts(reviews))


def _conflict_one_session_rate(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    conflicts = cohorts.resolved_conflicts
    count = windows.counts(conflicts)
    sessions = windows.sums(conflicts, conflicts["sessions"])
    return _rate(
        windows.counts(conflicts, conflicts["sessions"] == 1),
        count,
        lambda g, j: {"mean_sessions": _ratio(float(sessions[g, j]), int(count[g, j]))},
    )


def _velocity(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    features = cohorts.delivered_features
    count = windows.counts(features)
    points = windows.sums(features, features["points"])
    weeks = windows.width
    return [
        [
            (
                float(points[g, j]) / weeks if count[g, j] else None,
                _number(points[g, j]),
                weeks,
                int(count[g, j]),
                {},
            )
            for j in range(windows.count)
        ]
        for g in range(len(windows.groups))
    ]


_INVESTMENT_KINDS = ("tech_debt", "platform")


def _investment_balance(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    features = cohorts.delivered_features
    count = windows.counts(features)
    points = windows.sums(features, features["points"])
    kinds = sorted(features["kind"].dropna().unique())
    of_kind = {kind: features["kind"] == kind for kind in kinds}
    kind_count = {kind: windows.counts(features, mask) for kind, mask in of_kind.items()}
    kind_points = {
        kind: windows.sums(features, features["points"].where(mask, 0.0)) for kind, mask in of_kind.items()
    }
    invested = sum(
        (kind_points[kind] for kind in _INVESTMENT_KINDS if kind in kind_points), np.zeros_like(points)
    )

    def row(g: int, j: int) -> _Row:
        total = float(points[g, j])
        by_kind = (
            {kind: float(kind_points[kind][g, j]) / total for kind in kinds if kind_count[kind][g, j]}
            if total
            else {}
        )
        value = float(invested[g, j]) / total if count[g, j] and total else None
        return (value, _number(invested[g, j]), _number(total), int(count[g, j]), {"by_kind": by_kind})

    return [[row(g, j) for j in range(windows.count)] for g in range(len(windows.groups))]


def _predictability(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    planned = cohorts.planned_features
    return _rate(windows.counts(planned, planned["on_time"]), windows.counts(planned))


def _sync_discipline(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    syncs = cohorts.syncs
    sections = cohorts.sync_sections
    codes = sorted(sections["code"].dropna().unique())
    is_code = {code: sections["code"] == code for code in codes}
    code_count = {code: windows.counts(sections, mask) for code, mask in is_code.items()}
    code_overrun = {
        code: windows.sums(sections, sections["overrun"].where(mask, 0.0)) for code, mask in is_code.items()
    }
    return _rate(
        windows.counts(syncs, syncs["on_time"]),
        windows.counts(syncs),
        lambda g, j: {
            "mean_overrun_minutes": {
                code: float(code_overrun[code][g, j]) / int(code_count[code][g, j])
                for code in codes
                if code_count[code][g, j]
            }
        },
    )


def _escalations(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    escalations = cohorts.escalations
    count = windows.counts(escalations)
    by_level = {level: windows.counts(escalations, escalations["level"] == level) for level in (1, 2, 3)}
    hours = windows.medians(escalations[escalations["decided"]], "hours")
    return [
        [
            (
                int(count[g, j]),
                None,
                int(count[g, j]),
                int(count[g, j]),
                {
                    "by_level": {str(level): int(by_level[level][g, j]) for level in (1, 2, 3)},
                    "median_hours_to_decision": hours[g][j],
                },
            )
            for j in range(windows.count)
        ]
        for g in range(len(windows.groups))
    ]


def _deployment_frequency(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    deployments = cohorts.deployments
    count = windows.counts(deployments)
    team_days = windows.weekly(deployments.drop_duplicates(["group", "day"]))
    if windows.org:
        # Days are distinct over the whole organisation, not summed over teams.
        team_days[-1] = windows.weekly(deployments.drop_duplicates("day"))[-1]
    weekly = windows.slide(np.rint(team_days).astype("int64"))
    means = weekly.mean(axis=2)
    rows: _Grid = []
    for g in range(len(windows.groups)):
        row: list[_Row] = []
        for j in range(windows.count):
            value = median(weekly[g, j]) if count[g, j] else None
            band = dora_band("deployment_frequency", value, weekly_mean=float(means[g, j]))
            row.append((value, None, windows.width, int(count[g, j]), {"band": band}))
        rows.append(row)
    return rows


def _banded_median(metric: str, records: pd.DataFrame, windows: _Windows) -> _Grid:
    count = windows.counts(records)
    medians = windows.medians(records, "hours")
    return _median_rows(medians, count, lambda g, j: {"band": dora_band(metric, medians[g][j])})


def _lead_time_for_changes(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    return _banded_median("lead_time_for_changes", cohorts.commits, windows)


def _change_failure_rate(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    deployments = cohorts.deployments
    hits, count = windows.counts(deployments, deployments["failed"]), windows.counts(deployments)
    return _rate(
        hits,
        count,
        lambda g, j: {"band": dora_band("change_failure_rate", _ratio(int(hits[g, j]), int(count[g, j])))},
    )


def _time_to_restore(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    return _banded_median("time_to_restore", cohorts.resolved_incidents, windows)


def _team_pulse(cohorts: _Cohorts, windows: _Windows) -> _Grid:
    pulses = cohorts.pulses
    count = windows.counts(pulses)
    scores = windows.sums(pulses, pulses["score"])
    return [
        [
            (_ratio(float(scores[g, j]), int(count[g, j])), None, int(count[g, j]), int(count[g, j]), {})
            for j in range(windows.count)
        ]
        for g in range(len(windows.groups))
    ]


_COMPUTE: dict[str, Callable[[_Cohorts, _Windows], _Grid]] = {
    "time_to_alignment": _time_to_alignment,
    "rework_rate": _rework_rate,
    "first_time_acceptance": _first_time_acceptance,
    "conflict_one_session_rate": _conflict_one_session_rate,
    "velocity": _velocity,
    "investment_balance": _investment_balance,
    "predictability": _predictability,
    "sync_discipline": _sync_discipline,
    "escalations": _escalations,
    "deployment_frequency": _deployment_frequency,
    "lead_time_for_changes": _lead_time_for_changes,
    "change_failure_rate": _change_failure_rate,
    "time_to_restore": _time_to_restore,
    "team_pulse": _team_pulse,
}


# --- public entry points -------------------------------------------------------------------------


def compute_window(
    frames: Frames,
    *,
    tz: str,
    first_week: str,
    last_week: str,
    teams: Iterable[str] | None = None,
    include_org: bool | None = None,
    targets: Mapping[str, Any] | None = None,
    metrics: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Every metric over the window [Monday 00:00 of `first_week`, Monday 00:00 after `last_week`)
    in time zone `tz`: for each team then the organisation (team None).

    Teams default to every team found in `frames`. Given `teams`, only those teams are computed
    and the organisation row is left out unless `include_org` is True. `targets` are the
    organisation's overrides (see `targets_with_overrides`); only time_to_alignment's changes a
    result: its `share_within_target`. `metrics` restricts the metrics computed.

    Results come team by team (the organisation last), metric by metric in `METRICS` order.
    """
    first, last = week_index(first_week), week_index(last_week)
    if last < first:
        raise ValueError(f"the window ends ({last_week}) before it starts ({first_week})")
    return _compute(
        frames,
        tz=tz,
        lo=first,
        count=1,
        width=last - first + 1,
        teams=teams,
        include_org=include_org,
        targets=targets,
        metrics=metrics,
    )


def compute_series(
    frames: Frames,
    *,
    tz: str,
    first_week: str,
    last_week: str,
    window_weeks: int,
    teams: Iterable[str] | None = None,
    include_org: bool | None = None,
    targets: Mapping[str, Any] | None = None,
    metrics: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Every metric over sliding windows of `window_weeks` weeks, one window ending at each week
    from `first_week` to `last_week`: the same results as `compute_window` on each window."""
    first, last = week_index(first_week), week_index(last_week)
    if last < first:
        raise ValueError(f"the series ends ({last_week}) before it starts ({first_week})")
    if window_weeks < 1:
        raise ValueError("window_weeks must be at least 1")
    return _compute(
        frames,
        tz=tz,
        lo=first - window_weeks + 1,
        count=last - first + 1,
        width=window_weeks,
        teams=teams,
        include_org=include_org,
        targets=targets,
        metrics=metrics,
    )


def _compute(
    frames: Frames,
    *,
    tz: str,
    lo: int,
    count: int,
    width: int,
    teams: Iterable[str] | None,
    include_org: bool | None,
    targets: Mapping[str, Any] | None,
    metrics: Iterable[str] | None,
) -> list[dict[str, Any]]:
    chosen = list(METRICS if metrics is None else metrics)
    unknown = set(chosen) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")
    frames = frames.normalised()
    team_list = tuple(dict.fromkeys(frames.teams() if teams is None else teams))
    org = teams is None if include_org is None else include_org
    windows = _Windows(teams=team_list, org=org, lo=lo, count=count, width=width)
    cohorts = _Cohorts(
        frames=frames,
        calendar=_Calendar(tz=tz, lo=windows.lo, hi=windows.hi),
        windows=windows,
        targets=targets_with_overrides(targets),
    )
    labels = [(week_label(lo + j), week_label(lo + j + width - 1)) for j in range(count)]
    grids = {metric: _COMPUTE[metric](cohorts, windows) for metric in chosen}
    results: list[dict[str, Any]] = []
    for position, team in enumerate(windows.groups):
        for metric, grid in grids.items():
            for (first, last), row in zip(labels, grid[position], strict=True):
                value, numerator, denominator, size, extra = row
                results.append(
                    {
                        "metric": metric,
                        "team": team,
                        "from": first,
                        "to": last,
                        "value": value,
                        "numerator": numerator,
                        "denominator": denominator,
                        "cohort": size,
                        "extra": extra,
                    }
                )
    return results
