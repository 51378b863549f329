"""The engine's entry points: every metric over one window, or over sliding windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from metrics.computations.cohorts import Cohorts
from metrics.computations.measures import COMPUTE
from metrics.computations.targets import METRICS, targets_with_overrides
from metrics.computations.weeks import Calendar, week_index, week_label
from metrics.computations.windows import Windows
from metrics.frames import Frames


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
    windows = Windows(teams=team_list, org=org, lo=lo, count=count, width=width)
    cohorts = Cohorts(
        frames=frames,
        calendar=Calendar(tz=tz, lo=windows.lo, hi=windows.hi),
        windows=windows,
        targets=targets_with_overrides(targets),
    )
    labels = [(week_label(lo + j), week_label(lo + j + width - 1)) for j in range(count)]
    grids = {metric: COMPUTE[metric](cohorts, windows) for metric in chosen}
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
