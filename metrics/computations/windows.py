"""Sliding windows of whole weeks over (group × week) matrices, and medians."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view


@dataclass(frozen=True)
class Windows:
    """`count` windows of `width` weeks, the first starting at week `lo`, each one week later.

    Groups are the requested teams, in order, then the organisation when `org`.
    """

    teams: tuple[Any, ...]
    org: bool
    lo: int
    count: int
    width: int

    @property
    def hi(self) -> int:
        return self.lo + self.count + self.width - 2

    @property
    def span(self) -> int:
        return self.hi - self.lo + 1

    @property
    def groups(self) -> list[Any]:
        return [*self.teams, None] if self.org else list(self.teams)

    def cohort(self, team: pd.Series, week: np.ndarray, **columns: Any) -> pd.DataFrame:
        """A cohort's records in the covered weeks: `group` (team position, -1 for none), `week`."""
        group = pd.Index(self.teams, dtype=object).get_indexer(team.to_numpy(dtype=object))
        frame = pd.DataFrame(
            {"group": group.astype("int64"), "week": np.asarray(week, dtype="int64")}
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

    def sums(self, records: pd.DataFrame, weights: Any = None) -> np.ndarray:
        """(group × window) sums of `weights` (a count without)."""
        return self.slide(self.weekly(records, weights)).sum(axis=2)

    def counts(self, records: pd.DataFrame, where: Any = None) -> np.ndarray:
        """(group × window) numbers of records (satisfying `where`)."""
        return np.rint(self.sums(records, where)).astype("int64")

    def slide(self, weekly: np.ndarray) -> np.ndarray:
        """(group × window × week of the window) view of a (group × covered week) matrix."""
        return sliding_window_view(weekly, self.width, axis=1)

    def medians(self, records: pd.DataFrame, column: str) -> list[list[float | int | None]]:
        """(group × window) medians of `column`; None for an empty window."""
        order = np.lexsort((records["week"].to_numpy(), records["group"].to_numpy()))
        group = records["group"].to_numpy()[order]
        week = records["week"].to_numpy()[order]
        values = records[column].to_numpy()[order]
        firsts = self.lo + np.arange(self.count)
        lasts = firsts + self.width - 1
        slices: list[tuple[np.ndarray, np.ndarray]] = []
        for position in range(len(self.teams)):
            start, stop = np.searchsorted(group, [position, position + 1])
            slices.append((week[start:stop], values[start:stop]))
        if self.org:
            by_week = np.argsort(week, kind="stable")
            slices.append((week[by_week], values[by_week]))
        result = []
        for weeks, vals in slices:
            starts = np.searchsorted(weeks, firsts, side="left")
            stops = np.searchsorted(weeks, lasts, side="right")
            result.append([median(vals[a:b]) for a, b in zip(starts, stops, strict=True)])
        return result


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
