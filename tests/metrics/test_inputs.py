"""The tables each metric reads (`metrics.computations.inputs`): a change to a table moves only
the metrics listed as reading it — checked on the example workspace, table by table."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from metrics.computations import METRICS, compute_table
from metrics.computations.inputs import METRIC_TABLES, metrics_reading, tables_read
from metrics.frames import Frames, frames_from_workspace
from tests.examples import example_workspace

TABLES = [item.name for item in fields(Frames)]


def results(frames: Frames) -> dict[str, list]:
    table = compute_table(
        frames, tz="Europe/Paris", first_week="2026-W02", last_week="2026-W20", widths=(1, 4, 13)
    )
    rows = [row for width in (1, 4, 13) for row in table.results(width)]
    return {metric: [row for row in rows if row["metric"] == metric] for metric in METRICS}


@pytest.fixture(scope="module")
def example() -> tuple[Frames, dict[str, list]]:
    frames = frames_from_workspace(example_workspace())
    return frames, results(frames)


@pytest.mark.parametrize("name", TABLES)
def test_emptying_a_table_moves_only_the_metrics_reading_it(example, name):
    frames, before = example
    emptied = replace(frames, **{name: getattr(frames, name).iloc[0:0]})
    after = results(emptied)
    moved = {metric for metric in METRICS if after[metric] != before[metric]}
    assert moved <= set(metrics_reading([name]))
    if len(getattr(frames, name)):
        assert moved, f"the example's {name} move no metric: the check above proves nothing for it"


def test_every_metric_reads_tables_of_the_frames_and_back():
    assert set(METRIC_TABLES) == set(METRICS)
    assert tables_read(METRICS) <= set(TABLES)
    assert metrics_reading(["deployments", "commits"]) == [
        "deployment_frequency",
        "lead_time_for_changes",
        "change_failure_rate",
    ]
    assert tables_read(metrics_reading(["deployments", "commits"])) == {"deployments", "commits", "incidents"}
    assert metrics_reading(["pull_requests"]) == []
