from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from metrics.computations import (
    DEFAULT_TARGETS,
    DORA_METRICS,
    METADATA,
    METRICS,
    Target,
    compute_series,
    compute_window,
    dora_band,
    median,
    parse_week,
    status,
    targets_with_overrides,
    week_index,
    week_label,
    week_start,
    window_bounds,
)
from metrics.computations.targets import BANDS, dora_bands
from metrics.frames import Frames, frames_from_workspace

PARIS = "Europe/Paris"


def _one(
    frames: Frames,
    metric: str,
    team: str | None = None,
    *,
    first: str,
    last: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    results = compute_window(
        frames, tz=kwargs.pop("tz", PARIS), first_week=first, last_week=last or first, **kwargs
    )
    [result] = [r for r in results if r["metric"] == metric and r["team"] == team]
    return result


def _deployment(key: str, finished_at: str, team: str = "a", **fields: str) -> dict[str, str]:
    return (
        {"deployment": key, "team": team, "environment": "production", "result": "success"}
        | {"finished_at": finished_at}
        | fields
    )


# --- weeks in the organisation's time zone --------------------------------------------------------


def test_week_starts_monday_midnight_in_the_org_time_zone():
    assert week_start("2026-W02", PARIS) == pd.Timestamp("2026-01-04T23:00:00Z")
    assert week_start("2026-W02", "UTC") == pd.Timestamp("2026-01-05T00:00:00Z")
    assert week_start("2026-W15", PARIS) == pd.Timestamp("2026-04-05T22:00:00Z")


@pytest.mark.parametrize(
    ("week", "hours"),
    [("2026-W12", 168), ("2026-W13", 167), ("2026-W14", 168), ("2026-W43", 169)],
)
def test_dst_weeks_have_their_real_length(week, hours):
    start, end = window_bounds(week, week, PARIS)
    assert (end - start) == pd.Timedelta(hours=hours)


@pytest.mark.parametrize(
    ("finished_at", "week"),
    [
        ("2026-01-11T23:30:00+01:00", "2026-W02"),  # Sunday 23:30 Paris
        ("2026-01-11T23:10:00+00:00", "2026-W03"),  # Monday 00:10 Paris, Sunday in UTC
        ("2026-03-29T23:30:00+02:00", "2026-W13"),  # Sunday of the 167-hour week
        ("2026-03-29T22:10:00+00:00", "2026-W14"),  # Monday 00:10 Paris after the change
        ("2026-03-29T01:59:00+01:00", "2026-W13"),  # just before the clocks go forward
        ("2026-03-29T03:00:00+02:00", "2026-W13"),  # just after
    ],
)
def test_a_deployment_belongs_to_its_week_in_the_org_time_zone(finished_at, week):
    frames = Frames.from_records(deployments=[_deployment("d", finished_at)])
    weeks = {
        result["from"]
        for result in compute_series(
            frames, tz=PARIS, first_week="2026-W01", last_week="2026-W20", window_weeks=1
        )
        if result["metric"] == "deployment_frequency" and result["team"] == "a" and result["cohort"]
    }
    assert weeks == {week}


@pytest.mark.parametrize("week", ["2026-W01", "2020-W53", "2026-W52", "1999-W01", "2027-W01"])
def test_week_index_and_label_round_trip(week):
    index = week_index(week)
    assert week_label(index) == week
    assert week_index(week_label(index + 1)) == index + 1
    assert parse_week(week).weekday() == 0


def test_consecutive_weeks_across_a_53_week_year():
    assert week_label(week_index("2020-W53") + 1) == "2021-W01"


@pytest.mark.parametrize("text", ["2026-02", "2026-W2", "2026W02", "2026-W54", "", "2025-W53"])
def test_malformed_weeks_are_refused(text):
    with pytest.raises(ValueError, match="ISO week"):
        week_index(text)


# --- medians, cohorts and values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([3, 1, 2], 2), ([4, 1, 3, 2], 2.5), ([1, 3], 2.0), ([5.0], 5.0), ([], None)],
)
def test_median_is_the_middle_or_the_mean_of_the_middles(values, expected):
    result = median(values)
    assert result == expected
    assert type(result) is type(expected)


def test_lead_time_with_an_even_cohort_is_the_mean_of_the_middles():
    frames = Frames.from_records(
        deployments=[_deployment("d", "2026-01-07T12:00:00+00:00")],
        commits=[
            {"deployment": "d", "authored_at": f"2026-01-07T{12 - hours:02d}:00:00+00:00"}
            for hours in (1, 2, 3, 10)
        ],
    )
    result = _one(frames, "lead_time_for_changes", "a", first="2026-W02")
    assert (result["value"], result["numerator"], result["denominator"], result["cohort"]) == (
        2.5,
        None,
        4,
        4,
    )
    assert result["extra"] == {"band": "elite"}


def test_non_positive_lead_times_are_left_out():
    frames = Frames.from_records(
        deployments=[_deployment("d", "2026-01-07T12:00:00+00:00")],
        commits=[
            {"deployment": "d", "authored_at": "2026-01-07T12:00:00+00:00"},
            {"deployment": "d", "authored_at": "2026-01-07T13:00:00+00:00"},
            {"deployment": "d", "authored_at": "2026-01-07T07:00:00+00:00"},
        ],
    )
    result = _one(frames, "lead_time_for_changes", "a", first="2026-W02")
    assert (result["value"], result["cohort"]) == (5.0, 1)


def test_only_successful_production_deployments_count():
    frames = Frames.from_records(
        deployments=[
            _deployment("ok", "2026-01-06T12:00:00+00:00"),
            _deployment("staging", "2026-01-07T12:00:00+00:00", environment="staging"),
            _deployment("failed", "2026-01-08T12:00:00+00:00", result="failure"),
        ],
    )
    assert _one(frames, "deployment_frequency", "a", first="2026-W02")["cohort"] == 1
    assert _one(frames, "change_failure_rate", "a", first="2026-W02")["denominator"] == 1


# One deployment of team "a" per week, so the week whose change failure rate moves names it.
_WEEK_OF = {"2026-W02": "early", "2026-W03": "latest", "2026-W04": "after"}


def _failed_deployments(deployment: str | None) -> set[str]:
    frames = Frames.from_records(
        deployments=[
            _deployment("early", "2026-01-05T10:00:00+00:00"),
            _deployment("latest", "2026-01-13T10:00:00+00:00"),
            _deployment("staging", "2026-01-14T10:00:00+00:00", environment="staging"),
            _deployment("failed", "2026-01-14T11:00:00+00:00", result="failure"),
            _deployment("other-team", "2026-01-14T12:00:00+00:00", team="b"),
            _deployment("after", "2026-01-21T10:00:00+00:00"),
        ],
        incidents=[
            {
                "incident": "i",
                "team": "a",
                "started_at": "2026-01-15T10:00:00+00:00",
                "deployment": deployment,
            }
        ],
    )
    results = compute_series(frames, tz="UTC", first_week="2026-W02", last_week="2026-W04", window_weeks=1)
    cfr = [r for r in results if r["metric"] == "change_failure_rate" and r["team"] == "a"]
    assert [r["denominator"] for r in cfr] == [1, 1, 1]
    return {_WEEK_OF[r["from"]] for r in cfr if r["numerator"]}


@pytest.mark.parametrize(
    ("deployment", "failed"),
    [
        (None, {"latest"}),  # implicit: the team's latest counted deployment finished before it started
        ("early", {"early"}),  # explicit wins
        ("after", {"after"}),
        ("staging", set()),  # explicit to a deployment that does not count: linked to none
        ("failed", set()),
        ("unknown", set()),
    ],
)
def test_incidents_link_explicitly_or_else_to_the_latest_counted_deployment(deployment, failed):
    assert _failed_deployments(deployment) == failed


def test_an_incident_is_linked_to_a_deployment_finished_at_the_same_instant():
    frames = Frames.from_records(
        deployments=[_deployment("d", "2026-01-07T10:00:00+00:00")],
        incidents=[{"incident": "i", "team": "a", "started_at": "2026-01-07T10:00:00+00:00"}],
    )
    assert _one(frames, "change_failure_rate", "a", first="2026-W02")["numerator"] == 1


def test_an_incident_before_any_deployment_links_to_none_and_other_teams_are_ignored():
    frames = Frames.from_records(
        deployments=[_deployment("d", "2026-01-07T10:00:00+00:00", team="b")],
        incidents=[
            {"incident": "early", "team": "b", "started_at": "2026-01-06T10:00:00+00:00"},
            {"incident": "other", "team": "a", "started_at": "2026-01-08T10:00:00+00:00"},
        ],
    )
    assert _one(frames, "change_failure_rate", None, first="2026-W02")["numerator"] == 0


def test_time_to_restore_is_the_median_of_resolved_incidents_in_hours():
    frames = Frames.from_records(
        incidents=[
            {
                "incident": "1",
                "team": "a",
                "started_at": "2026-01-06T10:00:00+01:00",
                "resolved_at": "2026-01-06T10:30:00+01:00",
            },
            {
                "incident": "2",
                "team": "a",
                "started_at": "2026-01-06T10:00:00+00:00",
                "resolved_at": "2026-01-07T10:00:00+01:00",
            },
            {"incident": "3", "team": "a", "started_at": "2026-01-06T10:00:00+00:00"},
        ],
    )
    result = _one(frames, "time_to_restore", "a", first="2026-W02")
    assert (result["value"], result["cohort"], result["extra"]) == (11.75, 2, {"band": "high"})


def test_empty_cohorts_give_no_value_except_the_escalation_count():
    results = compute_window(
        Frames.empty(), tz=PARIS, first_week="2026-W02", last_week="2026-W14", teams=["a"]
    )
    assert {r["metric"] for r in results} == set(METRICS)
    for result in results:
        assert result["cohort"] == 0
        if result["metric"] == "escalations":
            assert (result["value"], result["numerator"], result["denominator"]) == (0, None, 0)
            assert result["extra"] == {"by_level": {"1": 0, "2": 0, "3": 0}, "median_hours_to_decision": None}
        else:
            assert result["value"] is None, result["metric"]
        if result["metric"] in DORA_METRICS:
            assert result["extra"] == {"band": None}


def test_empty_frames_give_no_teams_and_an_organisation_row():
    results = compute_window(Frames.empty(), tz=PARIS, first_week="2026-W02", last_week="2026-W02")
    assert {r["team"] for r in results} == {None}
    assert len(results) == len(METRICS)


# --- specs, features, syncs, conflicts, escalations, pulses ----------------------------------------


def _spec_frames() -> Frames:
    return Frames.from_records(
        features=[{"feature": "f", "team": "a", "kind": "product", "status": "aligned"}],
        alignment_sessions=[
            {"feature": "f", "held_at": "2026-01-05T09:00:00+01:00", "outcome": "continue"},
            {"feature": "f", "held_at": "2026-01-06T09:00:00+01:00", "outcome": "continue"},
            {"feature": "f", "held_at": "2026-01-07T21:00:00+01:00", "outcome": "aligned"},
            {"feature": "f", "held_at": "2026-01-20T09:00:00+01:00", "outcome": "aligned"},
        ],
        revisions=[
            {"feature": "f", "at": "2026-01-07T20:00:00+01:00", "kind": "rework"},
            {"feature": "f", "at": "2026-01-08T09:00:00+01:00", "kind": "clarification"},
        ],
    )


def test_a_spec_is_aligned_at_its_first_aligned_session():
    frames = _spec_frames()
    result = _one(frames, "time_to_alignment", "a", first="2026-W02")
    assert (result["value"], result["denominator"], result["cohort"]) == (3, 1, 1)
    assert result["extra"] == {"share_within_target": 0.0, "median_days": 2.5}
    assert _one(frames, "time_to_alignment", "a", first="2026-W04")["cohort"] == 0


def test_share_within_target_follows_the_organisation_target():
    result = _one(
        _spec_frames(), "time_to_alignment", "a", first="2026-W02", targets={"time_to_alignment": 3}
    )
    assert result["extra"]["share_within_target"] == 1.0


def test_rework_counts_only_rework_revisions_after_alignment():
    frames = _spec_frames()
    assert _one(frames, "rework_rate", "a", first="2026-W02")["value"] == 0.0
    later_rework = Frames.from_records(
        features=frames.features,
        alignment_sessions=frames.alignment_sessions,
        revisions=[{"feature": "f", "at": "2026-03-01T09:00:00+01:00", "kind": "rework"}],
    )
    result = _one(later_rework, "rework_rate", "a", first="2026-W02")
    assert (result["value"], result["numerator"], result["denominator"]) == (1.0, 1, 1)


def test_a_rework_revision_at_the_aligned_instant_is_not_after_it():
    frames = _spec_frames()
    same_instant = Frames.from_records(
        features=frames.features,
        alignment_sessions=frames.alignment_sessions,
        revisions=[{"feature": "f", "at": "2026-01-07T21:00:00+01:00", "kind": "rework"}],
    )
    assert _one(same_instant, "rework_rate", "a", first="2026-W02")["numerator"] == 0


def test_first_time_acceptance_looks_at_the_earliest_review():
    frames = Frames.from_records(
        features=[
            {"feature": "f", "team": "a", "kind": "product", "status": "accepted"},
            {"feature": "g", "team": "a", "kind": "product", "status": "accepted"},
        ],
        reviews=[
            {"feature": "f", "at": "2026-01-09T09:00:00+00:00", "outcome": "accepted"},
            {"feature": "f", "at": "2026-01-08T09:00:00+00:00", "outcome": "rejected"},
            {"feature": "g", "at": "2026-01-08T09:00:00+00:00", "outcome": "accepted"},
        ],
    )
    result = _one(frames, "first_time_acceptance", "a", first="2026-W02")
    assert (result["value"], result["numerator"], result["denominator"]) == (0.5, 1, 2)


def _planned(feature: str, status: str, delivered_at: str | None, week: str = "2026-W02") -> dict[str, Any]:
    return {
        "feature": feature,
        "team": "a",
        "kind": "product",
        "status": status,
        "effort_points": 3,
        "planned_week": week,
        "delivered_at": delivered_at,
    }


def test_predictability_counts_dropped_and_undelivered_features_as_late():
    frames = Frames.from_records(
        features=[
            _planned("sunday-night", "delivered", "2026-01-11T23:30:00+01:00"),
            _planned("early", "delivered", "2025-12-20T10:00:00+01:00"),
            _planned("monday-night", "delivered", "2026-01-11T23:10:00+00:00"),  # Monday 00:10 Paris
            _planned("dropped", "dropped", None),
            _planned("never", "in_progress", None),
            _planned("other-week", "delivered", "2026-01-20T10:00:00+01:00", week="2026-W04"),
        ]
    )
    result = _one(frames, "predictability", "a", first="2026-W02")
    assert (result["numerator"], result["denominator"], result["cohort"]) == (2, 5, 5)


def test_velocity_and_investment_balance_use_delivered_points():
    frames = Frames.from_records(
        features=[
            {
                "feature": "p",
                "team": "a",
                "kind": "product",
                "status": "delivered",
                "effort_points": 5,
                "delivered_at": "2026-01-06T10:00:00+01:00",
            },
            {
                "feature": "t",
                "team": "a",
                "kind": "tech_debt",
                "status": "delivered",
                "effort_points": 3,
                "delivered_at": "2026-01-13T10:00:00+01:00",
            },
            {
                "feature": "n",
                "team": "a",
                "kind": "bug",
                "status": "delivered",
                "delivered_at": "2026-01-13T10:00:00+01:00",
            },
            {"feature": "x", "team": "a", "kind": "platform", "status": "in_progress", "effort_points": 8},
        ]
    )
    velocity = _one(frames, "velocity", "a", first="2026-W02", last="2026-W03")
    assert (velocity["value"], velocity["numerator"], velocity["denominator"], velocity["cohort"]) == (
        4.0,
        8,
        2,
        3,
    )
    balance = _one(frames, "investment_balance", "a", first="2026-W02", last="2026-W03")
    assert (balance["value"], balance["numerator"], balance["denominator"], balance["cohort"]) == (
        0.375,
        3,
        8,
        3,
    )
    assert balance["extra"] == {"by_kind": {"bug": 0.0, "product": 0.625, "tech_debt": 0.375}}


def _sync(key: str, team: str | None, start: str, end: str | None) -> dict[str, Any]:
    return {"sync": key, "team": team, "started_at": start, "ended_at": end}


def _section(sync: str, code: str, planned: float, start: str | None, end: str | None) -> dict[str, Any]:
    return {"sync": sync, "code": code, "planned_minutes": planned, "started_at": start, "ended_at": end}


def test_sync_discipline_counts_timed_syncs_and_org_wide_ones_only_for_the_organisation():
    frames = Frames.from_records(
        syncs=[
            _sync("on-time", "a", "2026-01-06T10:00:00+01:00", "2026-01-06T10:15:00+01:00"),
            _sync("late", "a", "2026-01-07T10:00:00+01:00", "2026-01-07T09:16:00+00:00"),
            _sync("unfinished", "a", "2026-01-08T10:00:00+01:00", None),
            _sync("org-wide", None, "2026-01-08T10:00:00+01:00", "2026-01-08T10:05:00+01:00"),
        ],
        sync_sections=[
            _section("on-time", "delivery", 10, "2026-01-06T10:00:00+01:00", "2026-01-06T10:12:00+01:00"),
            _section("on-time", "roadmap", 5, "2026-01-06T10:12:00+01:00", "2026-01-06T10:15:00+01:00"),
            _section("late", "delivery", 10, "2026-01-07T10:00:00+01:00", "2026-01-07T10:16:00+01:00"),
            _section("late", "roadmap", 5, None, None),
            _section("org-wide", "delivery", 10, "2026-01-08T10:00:00+01:00", "2026-01-08T10:05:00+01:00"),
        ],
    )
    team = _one(frames, "sync_discipline", "a", first="2026-W02")
    assert (team["value"], team["numerator"], team["denominator"]) == (0.5, 1, 2)
    assert team["extra"] == {"mean_overrun_minutes": {"delivery": 4.0, "roadmap": 0.0}}
    org = _one(frames, "sync_discipline", None, first="2026-W02")
    assert (org["numerator"], org["denominator"]) == (2, 3)
    assert org["extra"] == {"mean_overrun_minutes": {"delivery": 8 / 3, "roadmap": 0.0}}


def test_conflicts_resolved_in_one_session():
    frames = Frames.from_records(
        conflicts=[
            {"conflict": "1", "team": "a", "resolved_at": "2026-01-06T10:00:00+01:00", "sessions": 1},
            {"conflict": "2", "team": "a", "resolved_at": "2026-01-06T10:00:00+01:00", "sessions": 4},
            {"conflict": "3", "team": "a", "resolved_at": None, "sessions": 1},
        ]
    )
    result = _one(frames, "conflict_one_session_rate", "a", first="2026-W02")
    assert (result["value"], result["numerator"], result["denominator"]) == (0.5, 1, 2)
    assert result["extra"] == {"mean_sessions": 2.5}


def test_escalations_without_a_team_count_only_for_the_organisation():
    frames = Frames.from_records(
        escalations=[
            {
                "escalation": "1",
                "team": "a",
                "level": 2,
                "opened_at": "2026-01-06T10:00:00+00:00",
                "decided_at": "2026-01-07T12:00:00+00:00",
            },
            {
                "escalation": "2",
                "team": None,
                "level": 3,
                "opened_at": "2026-01-06T10:00:00+00:00",
                "decided_at": "2026-01-06T14:00:00+00:00",
            },
            {"escalation": "3", "team": "a", "level": 2, "opened_at": "2026-01-06T10:00:00+00:00"},
        ]
    )
    team = _one(frames, "escalations", "a", first="2026-W02")
    assert (team["value"], team["numerator"], team["denominator"], team["cohort"]) == (2, None, 2, 2)
    assert team["extra"] == {"by_level": {"1": 0, "2": 2, "3": 0}, "median_hours_to_decision": 26.0}
    org = _one(frames, "escalations", None, first="2026-W02")
    assert org["value"] == 3
    assert org["extra"] == {"by_level": {"1": 0, "2": 2, "3": 1}, "median_hours_to_decision": 15.0}


def test_team_pulse_is_the_mean_score_of_the_window_weeks():
    frames = Frames.from_records(
        pulses=[
            {"team": "a", "week": "2026-W01", "score": 1},
            {"team": "a", "week": "2026-W02", "score": 4},
            {"team": "a", "week": "2026-W03", "score": 5},
        ]
    )
    result = _one(frames, "team_pulse", "a", first="2026-W02", last="2026-W03")
    assert (result["value"], result["numerator"], result["denominator"], result["cohort"]) == (
        4.5,
        None,
        2,
        2,
    )


# --- deployment frequency --------------------------------------------------------------------------


def test_deployment_frequency_counts_distinct_days_per_week_and_pools_days_for_the_organisation():
    frames = Frames.from_records(
        deployments=[
            _deployment("1", "2026-01-05T09:00:00+01:00"),
            _deployment("2", "2026-01-05T17:00:00+01:00"),
            _deployment("3", "2026-01-06T09:00:00+01:00"),
            _deployment("4", "2026-01-05T09:00:00+01:00", team="b"),
            _deployment("5", "2026-01-13T09:00:00+01:00", team="b"),
        ]
    )
    team = _one(frames, "deployment_frequency", "a", first="2026-W02", last="2026-W03")
    assert (team["value"], team["denominator"], team["cohort"]) == (1.0, 2, 3)
    assert team["extra"] == {"band": "high"}
    org = _one(frames, "deployment_frequency", None, first="2026-W02", last="2026-W04")
    assert (org["value"], org["denominator"], org["cohort"]) == (1, 3, 5)
    # Two teams deploying on the same Monday make one deployment day for the organisation.
    assert _one(frames, "deployment_frequency", None, first="2026-W02")["value"] == 2


@pytest.mark.parametrize(
    ("metric", "value", "mean", "band"),
    [
        ("deployment_frequency", 5, None, "elite"),
        ("deployment_frequency", 4.5, None, "high"),
        ("deployment_frequency", 1, None, "high"),
        ("deployment_frequency", 0, 0.25, "medium"),
        ("deployment_frequency", 0, 0.24, "low"),
        ("lead_time_for_changes", 23.9, None, "elite"),
        ("lead_time_for_changes", 24, None, "high"),
        ("lead_time_for_changes", 168, None, "medium"),
        ("lead_time_for_changes", 720, None, "low"),
        ("change_failure_rate", 0.05, None, "elite"),
        ("change_failure_rate", 0.1, None, "high"),
        ("change_failure_rate", 0.15, None, "medium"),
        ("change_failure_rate", 0.2, None, "low"),
        ("time_to_restore", 0.5, None, "elite"),
        ("time_to_restore", 1, None, "high"),
        ("time_to_restore", 24, None, "medium"),
        ("time_to_restore", 168, None, "low"),
        ("time_to_restore", None, None, None),
    ],
)
def test_dora_bands_follow_the_2023_report(metric, value, mean, band):
    assert dora_band(metric, value, weekly_mean=mean) == band
    # The engine's element-wise bands (indices into BANDS, NaN without a value) agree.
    values = [float("nan") if value is None else value]
    means = None if mean is None else [mean]
    (index,) = dora_bands(metric, values, weekly_means=means)
    assert (None if index != index else BANDS[int(index)]) == band


def test_dora_band_refuses_other_metrics():
    with pytest.raises(ValueError, match="not a DORA metric"):
        dora_band("velocity", 3)
    with pytest.raises(ValueError, match="not a DORA metric"):
        dora_bands("velocity", [3])


# --- targets, traffic lights, metadata --------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "light"),
    [
        ("time_to_alignment", 2, "good"),
        ("time_to_alignment", 2.4, "warn"),
        ("time_to_alignment", 3, "bad"),
        ("rework_rate", 0.15, "warn"),
        ("rework_rate", 0.1, "good"),
        ("first_time_acceptance", 0.9, "warn"),
        ("first_time_acceptance", 0.95, "good"),
        ("predictability", 0.8, "good"),
        ("predictability", 0.6, "warn"),
        ("predictability", 0.98, "warn"),
        ("predictability", 0.3, "bad"),
        ("deployment_frequency", 5, "good"),
        ("team_pulse", 2.5, "bad"),
        ("velocity", 12, None),
        ("escalations", 3, None),
        ("lead_time_for_changes", None, None),
    ],
)
def test_status_is_a_traffic_light_against_the_target(metric, value, light):
    assert status(metric, value) == light


def test_targets_can_be_overridden_per_organisation():
    targets = targets_with_overrides({"change_failure_rate": 0.1, "predictability": [0.6, 0.9]})
    assert targets["change_failure_rate"] == Target("lower", 0.1)
    assert targets["predictability"] == Target("range", 0.6, upper=0.9)
    assert targets["team_pulse"] == DEFAULT_TARGETS["team_pulse"]
    assert status("change_failure_rate", 0.08, targets) == "good"
    with pytest.raises(ValueError, match="no target"):
        targets_with_overrides({"velocity": 3})


def test_every_metric_has_metadata():
    assert set(METADATA) == set(METRICS)
    for texts in METADATA.values():
        assert set(texts) == {"label", "unit", "how", "record"}
        assert all(texts.values())


# --- teams, frames and results ---------------------------------------------------------------------


def test_given_teams_give_only_those_teams():
    frames = Frames.from_records(
        deployments=[
            _deployment("1", "2026-01-05T09:00:00+01:00"),
            _deployment("2", "2026-01-05T09:00:00+01:00", team="b"),
        ]
    )
    assert {
        r["team"] for r in compute_window(frames, tz=PARIS, first_week="2026-W02", last_week="2026-W02")
    } == {
        "a",
        "b",
        None,
    }
    only_b = compute_window(frames, tz=PARIS, first_week="2026-W02", last_week="2026-W02", teams=["b", "c"])
    assert {r["team"] for r in only_b} == {"b", "c"}
    with_org = compute_window(
        frames, tz=PARIS, first_week="2026-W02", last_week="2026-W02", teams=["b"], include_org=True
    )
    org = [r for r in with_org if r["team"] is None and r["metric"] == "deployment_frequency"]
    assert org[0]["cohort"] == 2


def test_ids_may_be_integers():
    frames = Frames.from_records(
        features=[{"feature": 7, "team": "a", "kind": "product", "status": "accepted"}],
        reviews=[{"feature": 7, "at": "2026-01-06T10:00:00+00:00", "outcome": "accepted"}],
        deployments=[
            _deployment(1, "2026-01-06T10:00:00+00:00"),
            _deployment(2, "2026-01-07T10:00:00+00:00"),
        ],
        incidents=[{"incident": 1, "team": "a", "started_at": "2026-01-06T11:00:00+00:00", "deployment": 2}],
    )
    assert _one(frames, "first_time_acceptance", "a", first="2026-W02")["value"] == 1.0
    assert _one(frames, "change_failure_rate", "a", first="2026-W02")["numerator"] == 1


def test_a_window_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        compute_window(Frames.empty(), tz=PARIS, first_week="2026-W03", last_week="2026-W02")


def test_workspace_timestamps_with_mixed_offsets_are_parsed_to_utc():
    doc = {
        "format": "collab-workspace/1",
        "deployments": [
            {
                "key": "D-1",
                "team": "a",
                "environment": "production",
                "result": "success",
                "finished_at": "2026-01-06T10:00:00+01:00",
                "commits": [{"sha": "x", "authored_at": "2026-01-06T08:30:00Z"}],
                "features": [],
            },
        ],
        "escalations": [
            {"key": "E-1", "level": 1, "title": "t", "opened_at": "2026-01-06T10:00:00-05:00", "sync": "S"}
        ],
        "syncs": [
            {
                "key": "S",
                "team": None,
                "ritual": "drive",
                "facilitator": "p",
                "scheduled_at": "2026-01-06T10:00:00+01:00",
                "sections": [],
                "items": [],
                "decisions": [],
                "action_items": [],
            }
        ],
    }
    frames = frames_from_workspace(doc)
    assert frames.deployments["finished_at"].iloc[0] == pd.Timestamp("2026-01-06T09:00:00Z")
    assert str(frames.deployments["finished_at"].dtype) == "datetime64[ns, UTC]"
    assert frames.escalations["opened_at"].iloc[0] == pd.Timestamp("2026-01-06T15:00:00Z")
    assert pd.isna(frames.escalations["team"].iloc[0])
    assert _one(frames, "lead_time_for_changes", "a", first="2026-W02")["value"] == 0.5


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="offset"):
        Frames.from_records(
            pulses=[], incidents=[{"incident": 1, "team": "a", "started_at": "2026-01-06T10:00:00"}]
        )
    with pytest.raises(ValueError, match="naive"):
        Frames.from_records(
            incidents=pd.DataFrame(
                {
                    "incident": [1],
                    "team": ["a"],
                    "started_at": [pd.Timestamp("2026-01-06")],
                    "resolved_at": [None],
                    "deployment": [None],
                }
            )
        )


def test_results_are_json_values_without_numpy_types():
    frames = Frames.from_records(
        deployments=[_deployment("1", "2026-01-05T09:00:00+01:00")],
        commits=[{"deployment": "1", "authored_at": "2026-01-05T07:00:00+01:00"}],
        pulses=[{"team": "a", "week": "2026-W02", "score": 4}],
    )

    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return value is None or type(value) in (int, float, str, bool)

    results = compute_series(frames, tz=PARIS, first_week="2026-W01", last_week="2026-W04", window_weeks=2)
    assert all(plain(result) for result in results)
    json.dumps(results, allow_nan=False)
