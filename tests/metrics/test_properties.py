from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.computations import METRICS, compute_series, compute_window, median, week_index, week_label
from metrics.computations.engine import compute_table
from metrics.computations.medians import sliding_medians
from metrics.frames import Frames

BASE = pd.Timestamp("2026-01-05T00:00:00Z")  # Monday of 2026-W02 in UTC
BASE_WEEK = week_index("2026-W02")
WEEK_MINUTES = 7 * 24 * 60
TEAMS = ("a", "b", "c")
RATES = (
    "rework_rate",
    "first_time_acceptance",
    "conflict_one_session_rate",
    "predictability",
    "sync_discipline",
    "change_failure_rate",
)

# Instants as minutes from BASE, weeks as offsets from 2026-W02: shifting them is exact.
minutes = st.integers(min_value=-2 * WEEK_MINUTES, max_value=8 * WEEK_MINUTES)
durations = st.integers(min_value=-600, max_value=3 * 24 * 60)
week_offsets = st.integers(min_value=-2, max_value=8)


@dataclass(frozen=True)
class Abstract:
    """A workspace whose instants are minutes from BASE and weeks offsets from 2026-W02."""

    tables: dict[str, list[dict[str, Any]]]

    def frames(self, shift_weeks: int = 0) -> Frames:
        def value(column: str, item: Any) -> Any:
            if item is None:
                return None
            if column.endswith("_at") or column == "at":
                return BASE + pd.Timedelta(minutes=item + shift_weeks * WEEK_MINUTES)
            if column in ("planned_week", "week"):
                return week_label(BASE_WEEK + item + shift_weeks)
            return item

        return Frames.from_records(
            **{
                name: [{column: value(column, item) for column, item in row.items()} for row in rows]
                for name, rows in self.tables.items()
            }
        )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _plus(start: int | None, delta: int | None) -> int | None:
    return None if start is None or delta is None else start + delta


@st.composite
def workspaces(draw: st.DrawFn, *, team_less: bool = True) -> Abstract:
    team = st.sampled_from(TEAMS)
    maybe_team = (st.none() | team) if team_less else team
    features = [
        {
            "feature": f"F{n}",
            "team": draw(team),
            "kind": draw(st.sampled_from(["product", "tech_debt", "platform", "bug"])),
            "status": draw(st.sampled_from(["aligned", "delivered", "accepted", "dropped"])),
            "effort_points": draw(_optional(st.sampled_from([0, 1, 2, 3, 5, 8, 13]))),
            "planned_week": draw(_optional(week_offsets)),
            "delivered_at": draw(_optional(minutes)),
        }
        for n in range(draw(st.integers(0, 8)))
    ]
    keys = [row["feature"] for row in features]

    def about_features(**columns: st.SearchStrategy[Any]) -> list[dict[str, Any]]:
        if not keys:
            return []
        rows = st.fixed_dictionaries({"feature": st.sampled_from(keys), **columns})
        return draw(st.lists(rows, max_size=12))

    syncs = []
    for n in range(draw(st.integers(0, 5))):
        started = draw(_optional(minutes))
        syncs.append(
            {
                "sync": f"S{n}",
                "team": draw(maybe_team),
                "started_at": started,
                "ended_at": _plus(started, draw(_optional(st.integers(0, 90)))),
            }
        )
    sections = []
    for sync in syncs:
        for code in draw(
            st.lists(st.sampled_from(["delivery", "roadmap", "issues"]), max_size=3, unique=True)
        ):
            started = draw(_optional(minutes))
            sections.append(
                {
                    "sync": sync["sync"],
                    "code": code,
                    "planned_minutes": draw(st.sampled_from([5, 10, 15])),
                    "started_at": started,
                    "ended_at": _plus(started, draw(_optional(st.integers(0, 30)))),
                }
            )
    deployments = [
        {
            "deployment": f"D{n}",
            "team": draw(team),
            "environment": draw(st.sampled_from(["production", "production", "staging"])),
            "result": draw(st.sampled_from(["success", "success", "failure"])),
            "finished_at": draw(minutes),
        }
        for n in range(draw(st.integers(0, 10)))
    ]
    deployment_keys = [row["deployment"] for row in deployments]
    commits = [
        {"deployment": row["deployment"], "authored_at": row["finished_at"] - draw(durations)}
        for row in deployments
        for _ in range(draw(st.integers(0, 3)))
    ]
    incidents = []
    for n in range(draw(st.integers(0, 5))):
        started = draw(minutes)
        incidents.append(
            {
                "incident": f"I{n}",
                "team": draw(team),
                "started_at": started,
                "resolved_at": _plus(started, draw(_optional(st.integers(1, 5000)))),
                "deployment": draw(st.none() | st.sampled_from([*deployment_keys, "unknown"])),
            }
        )
    escalations = []
    for n in range(draw(st.integers(0, 5))):
        opened = draw(minutes)
        escalations.append(
            {
                "escalation": f"E{n}",
                "team": draw(maybe_team),
                "level": draw(st.integers(1, 3)),
                "opened_at": opened,
                "decided_at": _plus(opened, draw(_optional(st.integers(0, 5000)))),
            }
        )
    conflicts = [
        {
            "conflict": f"C{n}",
            "team": draw(team),
            "resolved_at": draw(_optional(minutes)),
            "sessions": draw(st.integers(0, 4)),
        }
        for n in range(draw(st.integers(0, 5)))
    ]
    pulses = draw(
        st.lists(
            st.fixed_dictionaries({"team": team, "week": week_offsets, "score": st.integers(1, 5)}),
            max_size=10,
        )
    )
    return Abstract(
        {
            "features": features,
            "alignment_sessions": about_features(
                held_at=minutes, outcome=st.sampled_from(["aligned", "continue", "continue"])
            ),
            "revisions": about_features(at=minutes, kind=st.sampled_from(["rework", "clarification"])),
            "reviews": about_features(at=minutes, outcome=st.sampled_from(["accepted", "rejected"])),
            "syncs": syncs,
            "sync_sections": sections,
            "conflicts": conflicts,
            "escalations": escalations,
            "deployments": deployments,
            "commits": commits,
            "incidents": incidents,
            "pulses": pulses,
        }
    )


windows = st.tuples(st.integers(-2, 8), st.integers(1, 6))  # (first week offset, weeks)
time_zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"])
fixed_offset_zones = st.sampled_from(["UTC", "Asia/Tokyo", "Asia/Kolkata"])  # no DST: weeks shift exactly

engine_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _window(frames: Frames, tz: str, first: int, weeks: int) -> list[dict[str, Any]]:
    return compute_window(
        frames,
        tz=tz,
        first_week=week_label(BASE_WEEK + first),
        last_week=week_label(BASE_WEEK + first + weeks - 1),
    )


@engine_settings
@given(workspace=workspaces(team_less=False), window=windows, tz=time_zones)
def test_organisation_cohorts_pool_the_team_cohorts(workspace, window, tz):
    results = _window(workspace.frames(), tz, *window)
    org = {r["metric"]: r for r in results if r["team"] is None}
    for metric in METRICS:
        teams = [r for r in results if r["metric"] == metric and r["team"] is not None]
        assert org[metric]["cohort"] == sum(r["cohort"] for r in teams), metric
        if metric in RATES or metric == "escalations":
            assert org[metric]["denominator"] == sum(r["denominator"] for r in teams), metric
        if metric in RATES:
            assert org[metric]["numerator"] == sum(r["numerator"] for r in teams), metric


@engine_settings
@given(workspace=workspaces(), window=windows, tz=time_zones)
def test_team_less_records_count_only_for_the_organisation(workspace, window, tz):
    results = _window(workspace.frames(), tz, *window)
    org = {r["metric"]: r for r in results if r["team"] is None}
    for metric in METRICS:
        teams = [r for r in results if r["metric"] == metric and r["team"] is not None]
        assert org[metric]["cohort"] >= sum(r["cohort"] for r in teams), metric


def _without_weeks(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in r.items() if key not in ("from", "to")} for r in results]


@engine_settings
@given(
    workspace=workspaces(), window=windows, tz=fixed_offset_zones, shift=st.integers(-150, 150).filter(bool)
)
def test_shifting_everything_by_whole_weeks_changes_nothing(workspace, window, tz, shift):
    first, weeks = window
    before = _window(workspace.frames(), tz, first, weeks)
    after = _window(workspace.frames(shift_weeks=shift), tz, first + shift, weeks)
    assert _without_weeks(after) == _without_weeks(before)
    assert {r["from"] for r in after} == {week_label(BASE_WEEK + first + shift)}


@engine_settings
@given(workspace=workspaces(), window=windows, tz=time_zones)
def test_an_empty_cohort_gives_no_value(workspace, window, tz):
    for result in _window(workspace.frames(), tz, *window):
        if result["metric"] == "escalations":
            assert result["value"] == result["cohort"] == result["denominator"]
        elif result["cohort"] == 0:
            assert result["value"] is None, result
            assert all(value in (None, {}) for value in result["extra"].values()), result


@engine_settings
@given(workspace=workspaces(), tz=time_zones)
def test_a_window_far_from_every_record_has_no_values(workspace, tz):
    for result in _window(workspace.frames(), tz, 200, 13):
        assert result["cohort"] == 0
        assert result["value"] == (0 if result["metric"] == "escalations" else None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workspace=workspaces(),
    tz=time_zones,
    first=st.integers(-2, 8),
    ends=st.integers(1, 6),
    width=st.integers(1, 5),
)
def test_a_series_gives_each_window_what_compute_window_gives(workspace, tz, first, ends, width):
    frames = workspace.frames()
    series = compute_series(
        frames,
        tz=tz,
        first_week=week_label(BASE_WEEK + first),
        last_week=week_label(BASE_WEEK + first + ends - 1),
        window_weeks=width,
    )
    assert len(series) == ends * len(METRICS) * (len(frames.teams()) + 1)
    for end in range(first, first + ends):
        window = [r for r in series if r["to"] == week_label(BASE_WEEK + end)]
        assert window == _window(frames, tz, end - width + 1, width)


@pytest.mark.parametrize("width", [1, 3])
def test_a_series_over_an_empty_workspace_has_every_window(width):
    series = compute_series(
        Frames.empty(), tz="Europe/Paris", first_week="2026-W01", last_week="2026-W05", window_weeks=width
    )
    assert [r["to"] for r in series if r["metric"] == "velocity"] == [f"2026-W0{n}" for n in range(1, 6)]
    assert {r["from"] for r in series if r["to"] == "2026-W05"} == {
        week_label(week_index("2026-W05") - width + 1)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workspace=workspaces(),
    tz=time_zones,
    first=st.integers(-2, 8),
    ends=st.integers(1, 6),
    widths=st.lists(st.integers(1, 13), min_size=1, max_size=3, unique=True),
)
def test_several_widths_at_once_give_each_width_its_series(workspace, tz, first, ends, widths):
    frames = workspace.frames()
    weeks = {
        "first_week": week_label(BASE_WEEK + first),
        "last_week": week_label(BASE_WEEK + first + ends - 1),
    }
    table = compute_table(frames, tz=tz, widths=widths, **weeks)
    for width in widths:
        # JSON tells 2 from 2.0: the types agree too.
        expected = compute_series(frames, tz=tz, window_weeks=width, **weeks)
        assert json.dumps(table.results(width)) == json.dumps(expected)


@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(
        st.tuples(st.integers(-1, 2), st.integers(0, 11), st.integers(0, 6) | st.floats(-50, 50)),
        max_size=120,
    ),
    org=st.booleans(),
    first_end=st.integers(0, 11),
    widths=st.lists(st.integers(1, 13), min_size=1, max_size=3, unique=True),
)
def test_sliding_medians_are_the_middle_values_of_each_window(records, org, first_end, widths):
    group = np.array([r[0] for r in records], dtype="int64")
    week = np.array([r[1] for r in records], dtype="int64")
    values = np.array([r[2] for r in records], dtype="float64")
    count = 12 - first_end
    got = sliding_medians(
        group, week, values, teams=3, org=org, span=12, first_end=first_end, count=count, widths=widths
    )
    for w, width in enumerate(widths):
        for g in range(3 + org):
            for j in range(count):
                end = first_end + j
                inside = (week <= end) & (week > end - width) & ((group == g) if g < 3 else True)
                expected = median(values[inside])
                assert np.isnan(got[w, g, j]) if expected is None else got[w, g, j] == expected, (w, g, j)
