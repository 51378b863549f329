"""Sliding windows of whole weeks over (group × week) matrices, and medians.

Every aggregate is computed for all the requested window widths at once, as a
(width × group × window) array: window j of width w ends at week ``first_end + j`` and covers the
w weeks up to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from metrics.computations.medians import sliding_medians


@dataclass(frozen=True)
class Windows:
    """`count` windows of each width in `widths`, the first ending at week `first_end`, each one
    week later than the one before.

    Groups are the requested teams, in order, then the organisation when `org`.
    """

    teams: tuple[Any, ...]
    org: bool
    first_end: int
    count: int
    widths: tuple[int, ...]

    @property
    def lo(self) -> int:
        """The first week any window covers."""
        return self.first_end - max(self.widths) + 1

    @property
    def hi(self) -> int:
        """The last week any window covers."""
        return self.first_end + self.count - 1

    @property
    def span(self) -> int:
        return self.hi - self.lo + 1

    @property
    def groups(self) -> list[Any]:
        return [*self.teams, None] if self.org else list(self.teams)

    @cached_property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.widths), len(self.groups), self.count)

    @cached_property
    def width_array(self) -> np.ndarray:
        """The widths, shaped to broadcast against (width × group × window) arrays."""
        return np.asarray(self.widths, dtype="int64")[:, None, None]

    def group_of(self, team: pd.Series) -> np.ndarray:
        """Each team's position among the groups, -1 for no team (or another team)."""
        return pd.Index(self.teams, dtype=object).get_indexer(team.to_numpy(dtype=object)).astype("int64")

    def cohort(self, team: pd.Series, week: np.ndarray, **columns: Any) -> pd.DataFrame:
        """A cohort's records in the covered weeks: `group` (team position, -1 for none), `week`."""
        return self.records(self.group_of(team), week, **columns)

    def records(self, group: np.ndarray, week: np.ndarray, **columns: Any) -> pd.DataFrame:
        """`cohort` with each record's group position given."""
        frame = pd.DataFrame(
            {"group": np.asarray(group, dtype="int64"), "week": np.asarray(week, dtype="int64")}
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

    def slide(self, weekly: np.ndarray, width: int) -> np.ndarray:
        """(group × window × week of the window) view of a (group × covered week) matrix."""
        start = self.first_end - width + 1 - self.lo
        return sliding_window_view(weekly[:, start : start + self.count + width - 1], width, axis=1)

    def totals(self, weekly: np.ndarray) -> np.ndarray:
        """(width × group × window) sums of a (group × covered week) matrix."""
        return np.stack([self.slide(weekly, width).sum(axis=2) for width in self.widths])

    def sums(self, records: pd.DataFrame, weights: Any = None) -> np.ndarray:
        """(width × group × window) sums of `weights` (a count without)."""
        return self.totals(self.weekly(records, weights))

    def counts(self, records: pd.DataFrame, where: Any = None) -> np.ndarray:
        """(width × group × window) numbers of records (satisfying `where`)."""
        return np.rint(self.sums(records, where)).astype("int64")

    def medians(self, records: pd.DataFrame, column: str) -> np.ndarray:
        """(width × group × window) medians of `column`; NaN for an empty window."""
        return sliding_medians(
            records["group"].to_numpy(),
            records["week"].to_numpy() - self.lo,
            records[column].to_numpy(dtype="float64"),
            teams=len(self.teams),
            org=self.org,
            span=self.span,
            first_end=self.first_end - self.lo,
            count=self.count,
            widths=self.widths,
        )


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
