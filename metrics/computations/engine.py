"""The engine's entry points: every metric over one window, over sliding windows, or — for
snapshots — over sliding windows of several widths at once, column-wise (`compute_table`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from metrics.computations.cohorts import Cohorts
from metrics.computations.measures import COMPUTE
from metrics.computations.results import Grid
from metrics.computations.targets import METRICS, targets_with_overrides
from metrics.computations.weeks import Calendar, week_index, week_label
from metrics.computations.windows import Windows
from metrics.frames import Frames


@dataclass(frozen=True)
class Table:
    """Every chosen metric's `Grid` over `windows`: results column-wise."""

    windows: Windows
    grids: dict[str, Grid]

    @cached_property
    def ends(self) -> list[str]:
        """The last week of each window, oldest first."""
        return [week_label(self.windows.first_end + j) for j in range(self.windows.count)]

    def starts(self, width: int) -> list[str]:
        """The first week of each window of `width` weeks, oldest first."""
        return [week_label(self.windows.first_end + j - width + 1) for j in range(self.windows.count)]

    def results(self, width: int | None = None) -> list[dict[str, Any]]:
        """DESIGN.md's result dicts for the windows of `width` (the only width by default): team
        by team (the organisation last), metric by metric, window by window."""
        widths = self.windows.widths
        position = 0 if width is None and len(widths) == 1 else widths.index(width)
        starts = self.starts(widths[position])
        count = self.windows.count
        rows = {metric: grid.python(position) for metric, grid in self.grids.items()}
        results: list[dict[str, Any]] = []
        for group, team in enumerate(self.windows.groups):
            for metric, grid_rows in rows.items():
                for window, (first, last) in enumerate(zip(starts, self.ends, strict=True)):
                    result = {"metric": metric, "team": team, "from": first, "to": last}
                    results.append(result | grid_rows[group * count + window])
        return results


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
    return compute_table(
        frames,
        tz=tz,
        first_week=last_week,
        last_week=last_week,
        widths=(last - first + 1,),
        teams=teams,
        include_org=include_org,
        targets=targets,
        metrics=metrics,
    ).results()


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
    return compute_table(
        frames,
        tz=tz,
        first_week=first_week,
        last_week=last_week,
        widths=(window_weeks,),
        teams=teams,
        include_org=include_org,
        targets=targets,
        metrics=metrics,
    ).results()


def compute_table(
    frames: Frames,
    *,
    tz: str,
    first_week: str,
    last_week: str,
    widths: Sequence[int],
    teams: Iterable[str] | None = None,
    include_org: bool | None = None,
    targets: Mapping[str, Any] | None = None,
    metrics: Iterable[str] | None = None,
) -> Table:
    """Every metric over sliding windows of each of `widths` weeks, one window ending at each
    week from `first_week` to `last_week`, column-wise: `compute_series` for several widths at
    the cost of about one (the cohorts are derived once)."""
    first, last = week_index(first_week), week_index(last_week)
    if last < first:
        raise ValueError(f"the series ends ({last_week}) before it starts ({first_week})")
    if not widths or min(widths) < 1:
        raise ValueError("window_weeks must be at least 1")
    chosen = list(METRICS if metrics is None else metrics)
    unknown = set(chosen) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")
    frames = frames.normalised()
    team_list = tuple(dict.fromkeys(frames.teams() if teams is None else teams))
    org = teams is None if include_org is None else include_org
    windows = Windows(teams=team_list, org=org, first_end=first, count=last - first + 1, widths=tuple(widths))
    cohorts = Cohorts(
        frames=frames,
        calendar=Calendar(tz=tz, lo=windows.lo, hi=windows.hi),
        windows=windows,
        targets=targets_with_overrides(targets),
    )
    return Table(windows, {metric: COMPUTE[metric](cohorts, windows) for metric in chosen})
