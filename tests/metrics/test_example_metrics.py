from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from metrics.computations import compute_window
from metrics.frames import COLUMNS, Frames, frames_from_workspace
from tests.examples import example_metrics, example_workspace


@pytest.fixture(scope="module")
def example() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    doc = example_workspace()
    expected = example_metrics()
    got = compute_window(
        frames_from_workspace(doc),
        tz=doc["organisation"]["time_zone"],
        first_week="2026-W02",
        last_week="2026-W14",
    )
    return expected, got


def _same(expected: Any, got: Any) -> bool:
    """Equal within 1e-9 for floats, with the same type (2 is not 2.0) and the same dict keys in order."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and list(expected) == list(got)
            and all(_same(expected[key], got[key]) for key in expected)
        )
    if isinstance(expected, float):
        return type(got) is float and math.isclose(expected, got, rel_tol=0, abs_tol=1e-9)
    return type(got) is type(expected) and got == expected


def _key(result: dict[str, Any]) -> tuple[str, str | None]:
    return result["metric"], result["team"]


def test_example_has_the_same_metric_team_pairs(example):
    expected, got = example
    assert sorted(map(_key, got), key=str) == sorted(map(_key, expected), key=str)
    assert len(got) == len(expected)


def test_example_results_agree(example):
    expected, got = example
    by_key = {_key(result): result for result in got}
    mismatches = [
        (result, by_key.get(_key(result)))
        for result in expected
        if not _same(result, by_key.get(_key(result)))
    ]
    assert mismatches == []


def test_example_results_are_plain_json(example):
    _, got = example
    assert json.loads(json.dumps(got, allow_nan=False)) == got


def test_frames_shaped_like_a_database_loader_gives_them_agree(example):
    _, got = example
    doc = example_workspace()
    frames = frames_from_workspace(doc)
    ids: dict[Any, int] = {}
    tables = {}
    for name, columns in COLUMNS.items():
        table = getattr(frames, name).copy()
        for column, kind in columns.items():
            if column in ("feature", "sync", "conflict", "escalation", "deployment", "incident"):
                keys = [None if pd.isna(key) else ids.setdefault(key, len(ids) + 1) for key in table[column]]
                table[column] = pd.Series(keys, dtype="Int64")
            elif column == "team":
                table[column] = table[column].astype("string")
            elif kind == "ts":
                table[column] = (
                    table[column].dt.tz_convert("Europe/Paris").astype("datetime64[us, Europe/Paris]")
                )
        table["org_id"] = 1
        tables[name] = table.iloc[::-1]
    loaded = compute_window(Frames(**tables), tz="Europe/Paris", first_week="2026-W02", last_week="2026-W14")
    assert loaded == got
