"""The metrics: each returns a `Grid`, its results for every (width × group × window) as arrays.

The arithmetic is the definitions' (DESIGN.md), element-wise: a ratio is the numerator divided by
the denominator where the denominator is not zero, and null elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from metrics.computations.cohorts import Cohorts
from metrics.computations.results import (
    Column,
    Field,
    Grid,
    floats,
    ints,
    nulls,
    where,
    whole_where_integral,
)
from metrics.computations.targets import BANDS, dora_bands
from metrics.computations.windows import Windows


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator ÷ denominator, NaN where the denominator is zero."""
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    safe = np.where(denominator != 0, denominator, 1.0)
    return np.where(denominator != 0, numerator / safe, np.nan)


def _rate(hits: np.ndarray, count: np.ndarray, extra: tuple[Field, ...] = ()) -> Grid:
    return Grid(floats(_ratio(hits, count)), ints(hits), ints(count), count, extra)


def _median(values: np.ndarray, count: np.ndarray, *, whole: bool, extra: tuple[Field, ...] = ()) -> Grid:
    """A median's grid. The middle value of whole numbers stays whole (an odd count); the mean of
    two middle values is a float."""
    value = Column(values, (count % 2 == 1) if whole else False)
    return Grid(value, nulls(count.shape), ints(count), count, extra)


def _band(metric: str, values: np.ndarray, **kwargs: np.ndarray) -> tuple[Field, ...]:
    return (Field("band", floats(dora_bands(metric, values, **kwargs)), labels=BANDS),)


def time_to_alignment(cohorts: Cohorts, windows: Windows) -> Grid:
    specs = cohorts.aligned_specs
    count = windows.counts(specs)
    within = windows.counts(specs, cohorts.targets["time_to_alignment"].met_by(specs["sessions"]))
    extra = (
        Field("share_within_target", floats(_ratio(within, count))),
        Field("median_days", floats(windows.medians(specs, "days"))),
    )
    return _median(windows.medians(specs, "sessions"), count, whole=True, extra=extra)


def rework_rate(cohorts: Cohorts, windows: Windows) -> Grid:
    specs = cohorts.aligned_specs
    return _rate(windows.counts(specs, specs["reworked"]), windows.counts(specs))


def first_time_acceptance(cohorts: Cohorts, windows: Windows) -> Grid:
    reviews = cohorts.first_reviews
    return _rate(windows.counts(reviews, reviews["accepted"]), windows.counts(reviews))


def conflict_one_session_rate(cohorts: Cohorts, windows: Windows) -> Grid:
    conflicts = cohorts.resolved_conflicts
    count = windows.counts(conflicts)
    sessions = windows.sums(conflicts, conflicts["sessions"])
    return _rate(
        windows.counts(conflicts, conflicts["sessions"] == 1),
        count,
        (Field("mean_sessions", floats(_ratio(sessions, count))),),
    )


def velocity(cohorts: Cohorts, windows: Windows) -> Grid:
    features = cohorts.delivered_features
    count = windows.counts(features)
    points = windows.sums(features, features["points"])
    weeks = np.broadcast_to(windows.width_array, count.shape)
    return Grid(
        floats(np.where(count > 0, points / weeks, np.nan)),
        whole_where_integral(points),
        ints(weeks),
        count,
    )


_INVESTMENT_KINDS = ("tech_debt", "platform")


def investment_balance(cohorts: Cohorts, windows: Windows) -> Grid:
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
    shares = tuple(
        Field(
            kind,
            where((points != 0) & (kind_count[kind] > 0), floats(_ratio(kind_points[kind], points))),
            optional=True,
        )
        for kind in kinds
    )
    return Grid(
        where(count > 0, floats(_ratio(invested, points))),
        whole_where_integral(invested),
        whole_where_integral(points),
        count,
        (Field("by_kind", children=shares),),
    )


def predictability(cohorts: Cohorts, windows: Windows) -> Grid:
    planned = cohorts.planned_features
    return _rate(windows.counts(planned, planned["on_time"]), windows.counts(planned))


def sync_discipline(cohorts: Cohorts, windows: Windows) -> Grid:
    syncs = cohorts.syncs
    sections = cohorts.sync_sections
    codes = sorted(sections["code"].dropna().unique())
    overruns = []
    for code in codes:
        mask = sections["code"] == code
        minutes = windows.sums(sections, sections["overrun"].where(mask, 0.0))
        overruns.append(Field(code, floats(_ratio(minutes, windows.counts(sections, mask))), optional=True))
    return _rate(
        windows.counts(syncs, syncs["on_time"]),
        windows.counts(syncs),
        (Field("mean_overrun_minutes", children=tuple(overruns)),),
    )


def escalations(cohorts: Cohorts, windows: Windows) -> Grid:
    opened = cohorts.escalations
    count = windows.counts(opened)
    levels = tuple(
        Field(str(level), ints(windows.counts(opened, opened["level"] == level))) for level in (1, 2, 3)
    )
    hours = windows.medians(opened[opened["decided"]], "hours")
    return Grid(
        ints(count),
        nulls(count.shape),
        ints(count),
        count,
        (Field("by_level", children=levels), Field("median_hours_to_decision", floats(hours))),
    )


def deployment_frequency(cohorts: Cohorts, windows: Windows) -> Grid:
    deployments = cohorts.deployments
    count = windows.counts(deployments)
    team_days = windows.weekly(deployments.drop_duplicates(["group", "day"]))
    if windows.org:
        # Days are distinct over the whole organisation, not summed over teams.
        team_days[-1] = windows.weekly(deployments.drop_duplicates("day"))[-1]
    days = np.rint(team_days)
    medians, means = [], []
    for width in windows.widths:
        weekly = np.sort(windows.slide(days, width), axis=2)
        medians.append((weekly[:, :, (width - 1) // 2] + weekly[:, :, width // 2]) / 2)
        means.append(weekly.mean(axis=2))
    value = np.where(count > 0, np.stack(medians), np.nan)
    # The middle of an odd number of weeks is a whole number of days; of an even one, a mean.
    odd = np.broadcast_to(windows.width_array % 2 == 1, count.shape)
    weeks = np.broadcast_to(windows.width_array, count.shape)
    band = _band("deployment_frequency", value, weekly_means=np.stack(means))
    return Grid(Column(value, odd), nulls(count.shape), ints(weeks), count, band)


def _banded_median(metric: str, records: pd.DataFrame, windows: Windows) -> Grid:
    count = windows.counts(records)
    medians = windows.medians(records, "hours")
    return _median(medians, count, whole=False, extra=_band(metric, medians))


def lead_time_for_changes(cohorts: Cohorts, windows: Windows) -> Grid:
    return _banded_median("lead_time_for_changes", cohorts.commits, windows)


def change_failure_rate(cohorts: Cohorts, windows: Windows) -> Grid:
    deployments = cohorts.deployments
    hits, count = windows.counts(deployments, deployments["failed"]), windows.counts(deployments)
    return _rate(hits, count, _band("change_failure_rate", _ratio(hits, count)))


def time_to_restore(cohorts: Cohorts, windows: Windows) -> Grid:
    return _banded_median("time_to_restore", cohorts.resolved_incidents, windows)


def team_pulse(cohorts: Cohorts, windows: Windows) -> Grid:
    pulses = cohorts.pulses
    count = windows.counts(pulses)
    scores = windows.sums(pulses, pulses["score"])
    return Grid(floats(_ratio(scores, count)), nulls(count.shape), ints(count), count)


COMPUTE: dict[str, Callable[[Cohorts, Windows], Grid]] = {
    "time_to_alignment": time_to_alignment,
    "rework_rate": rework_rate,
    "first_time_acceptance": first_time_acceptance,
    "conflict_one_session_rate": conflict_one_session_rate,
    "velocity": velocity,
    "investment_balance": investment_balance,
    "predictability": predictability,
    "sync_discipline": sync_discipline,
    "escalations": escalations,
    "deployment_frequency": deployment_frequency,
    "lead_time_for_changes": lead_time_for_changes,
    "change_failure_rate": change_failure_rate,
    "time_to_restore": time_to_restore,
    "team_pulse": team_pulse,
}
