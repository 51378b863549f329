"""The metric engine: pure pandas/numpy, no Django.

`compute_window` and `compute_series` turn `Frames` (see metrics/frames.py) into metric results of
DESIGN.md's shape ``{metric, team, from, to, value, numerator, denominator, cohort, extra}``.

How it works, once for both entry points:
1. each record of a cohort (an aligned spec, a delivered feature, a deployment, ...) is derived
   once from the raw tables, with the week of the instant that puts it in a window: the index of
   the ISO week, in the organisation's time zone, that contains it (`weeks.Calendar`,
   `cohorts.Cohorts`);
2. per team and week, counts and sums go into a (group × week) matrix; a window of w weeks is a
   sum over w consecutive columns, so every sliding window costs one vectorised sum. Medians
   take the window's slice of the group's records, sorted by week (`windows.Windows`,
   `measures`).
`compute_window` is the one-window case of the same engine (`engine`). `compute_table` gives the
results column-wise, for several window widths at once; `snapshots` turns them into snapshot rows
and finds those that differ from the stored ones without a Python object per result.

Organisation-wide results pool every record (including those of no team); they are never means
of team values.

The modules: `targets` (the metrics, their texts, targets, traffic lights, DORA bands), `weeks`,
`windows`, `medians`, `cohorts`, `measures` (one function per metric), `results` (a metric's
results as arrays), `engine` (the entry points), `snapshots`.
"""

from __future__ import annotations

from metrics.computations.engine import Table, compute_series, compute_table, compute_window
from metrics.computations.snapshots import Snapshots, Stored, jsonb_text, parse_stored
from metrics.computations.targets import (
    DEFAULT_TARGETS,
    DORA_METRICS,
    METADATA,
    METRICS,
    WARN_MARGIN,
    Target,
    dora_band,
    status,
    targets_for_team,
    targets_with_overrides,
    team_overrides,
)
from metrics.computations.weeks import parse_week, week_index, week_label, week_start, window_bounds
from metrics.computations.windows import median

__all__ = [
    "DEFAULT_TARGETS",
    "DORA_METRICS",
    "METADATA",
    "METRICS",
    "WARN_MARGIN",
    "Snapshots",
    "Stored",
    "Table",
    "Target",
    "compute_series",
    "compute_table",
    "compute_window",
    "dora_band",
    "jsonb_text",
    "median",
    "parse_stored",
    "parse_week",
    "status",
    "targets_for_team",
    "targets_with_overrides",
    "team_overrides",
    "week_index",
    "week_label",
    "week_start",
    "window_bounds",
]
