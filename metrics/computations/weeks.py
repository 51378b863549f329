"""ISO weeks in an organisation's time zone: labels, indices, bounds, and the calendar that places
instants in weeks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from collab.weeks import EPOCH, parse_week, week_index, week_of_index
from metrics.frames import TIMESTAMP_DTYPE

NS_PER_HOUR = 3_600 * 10**9
NS_PER_DAY = 24 * NS_PER_HOUR
NO_WEEK = 2**40  # week index of a missing instant: after every window


def week_label(index: int) -> str:
    """The 'YYYY-Www' of a week index (inverse of `week_index`)."""
    return week_of_index(index)


def week_start(week: str, tz: str) -> pd.Timestamp:
    """Monday 00:00 of `week` in time zone `tz`, as a UTC timestamp.

    Where that midnight does not exist (a DST jump at midnight) the week starts at the first
    instant after it; where it exists twice, at the first.
    """
    return local_midnights([parse_week(week)], tz)[0]


def window_bounds(first_week: str, last_week: str, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[Monday 00:00 of `first_week`, Monday 00:00 after `last_week`) in `tz`, as UTC timestamps."""
    after_last = week_label(week_index(last_week) + 1)
    return week_start(first_week, tz), week_start(after_last, tz)


def local_midnights(days: Sequence[date], tz: str) -> pd.DatetimeIndex:
    local = pd.DatetimeIndex(pd.to_datetime(list(days)))
    earliest = np.ones(len(local), dtype=bool)  # for an ambiguous midnight, its first occurrence
    aware = local.tz_localize(tz, ambiguous=earliest, nonexistent="shift_forward")
    return aware.tz_convert("UTC").as_unit("ns")


def nanoseconds(values: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds; NaT becomes numpy's NaT integer (int64 minimum)."""
    naive = values.astype(TIMESTAMP_DTYPE).dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view("int64")


NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Calendar:
    """Days and weeks, in the organisation's time zone, of instants between `lo` and `hi` weeks.

    Local midnights are computed once for the covered days, then every instant is placed by a
    binary search among them: exact across DST changes, whatever the time zone library.
    """

    tz: str
    lo: int  # first week index that matters
    hi: int  # last week index that matters

    @cached_property
    def _first_day(self) -> int:
        return 7 * self.lo - 3  # days since 1970-01-01 of Monday of week `lo`

    @cached_property
    def _midnights(self) -> np.ndarray:
        count = 7 * (self.hi - self.lo + 1) + 1
        days = [EPOCH + timedelta(days=self._first_day + offset) for offset in range(count)]
        return local_midnights(days, self.tz).asi8

    def days(self, instants: pd.Series) -> np.ndarray:
        """Local day numbers (days since 1970-01-01); instants outside the weeks are clamped to a
        day before or after them, and NaT gives a day after every window."""
        ns = nanoseconds(instants)
        days = np.searchsorted(self._midnights, ns, side="right") - 1 + self._first_day
        return np.where(ns == NAT, 7 * NO_WEEK, days)

    def weeks(self, instants: pd.Series) -> np.ndarray:
        return (self.days(instants) + 3) // 7


def weeks_of_labels(labels: pd.Series) -> np.ndarray:
    """Week indices of 'YYYY-Www' labels; missing or malformed labels give `NO_WEEK`."""
    indices: dict[Any, int] = {}
    for label in labels.dropna().unique():
        try:
            indices[label] = week_index(label)
        except ValueError:
            indices[label] = NO_WEEK
    mapped = labels.map(indices)
    return mapped.fillna(NO_WEEK).to_numpy(dtype="int64")
