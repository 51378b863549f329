"""The metrics: each returns, per group then window, (value, numerator, denominator, cohort, extra)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from metrics.computations.cohorts import Cohorts
from metrics.computations.targets import dora_band
from metrics.computations.windows import Windows, median

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


def _time_to_alignment(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _rework_rate(cohorts: Cohorts, windows: Windows) -> _Grid:
    specs = cohorts.aligned_specs
    return _rate(windows.counts(specs, specs["reworked"]), windows.counts(specs))


def _first_time_acceptance(cohorts: Cohorts, windows: Windows) -> _Grid:
    reviews = cohorts.first_reviews
    return _rate(windows.counts(reviews, reviews["accepted"]), windows.counts(reviews))


def _conflict_one_session_rate(cohorts: Cohorts, windows: Windows) -> _Grid:
    conflicts = cohorts.resolved_conflicts
    count = windows.counts(conflicts)
    sessions = windows.sums(conflicts, conflicts["sessions"])
    return _rate(
        windows.counts(conflicts, conflicts["sessions"] == 1),
        count,
        lambda g, j: {"mean_sessions": _ratio(float(sessions[g, j]), int(count[g, j]))},
    )


def _velocity(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _investment_balance(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _predictability(cohorts: Cohorts, windows: Windows) -> _Grid:
    planned = cohorts.planned_features
    return _rate(windows.counts(planned, planned["on_time"]), windows.counts(planned))


def _sync_discipline(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _escalations(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _deployment_frequency(cohorts: Cohorts, windows: Windows) -> _Grid:
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


def _banded_median(metric: str, records: pd.DataFrame, windows: Windows) -> _Grid:
    count = windows.counts(records)
    medians = windows.medians(records, "hours")
    return _median_rows(medians, count, lambda g, j: {"band": dora_band(metric, medians[g][j])})


def _lead_time_for_changes(cohorts: Cohorts, windows: Windows) -> _Grid:
    return _banded_median("lead_time_for_changes", cohorts.commits, windows)


def _change_failure_rate(cohorts: Cohorts, windows: Windows) -> _Grid:
    deployments = cohorts.deployments
    hits, count = windows.counts(deployments, deployments["failed"]), windows.counts(deployments)
    return _rate(
        hits,
        count,
        lambda g, j: {"band": dora_band("change_failure_rate", _ratio(int(hits[g, j]), int(count[g, j])))},
    )


def _time_to_restore(cohorts: Cohorts, windows: Windows) -> _Grid:
    return _banded_median("time_to_restore", cohorts.resolved_incidents, windows)


def _team_pulse(cohorts: Cohorts, windows: Windows) -> _Grid:
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


COMPUTE: dict[str, Callable[[Cohorts, Windows], _Grid]] = {
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
