"""Medians of every sliding window at once, for every team and the organisation.

A window's median is the middle value of the records of its weeks (the mean of the two middle
values for an even count). Taking each window's slice and partitioning it costs a few
microseconds of Python per window, and a nightly recompute has hundreds of thousands of windows;
sorting the records of every window is as slow. Instead, a select vectorised over all the
windows of a set of groups (the teams; then the organisation, which pools every record):

1. every record gets a bucket: its value when there are few distinct values (session counts),
   else a run of consecutive ranks by value (about √(records of a window)
   buckets). A (group × week × bucket) histogram, summed over each window's weeks, tells in which
   bucket a window's k-th smallest record falls, and its position there;
2. with buckets of values, that bucket is the k-th value. With buckets of ranks, the window's
   records of that bucket — about √(records of a window) of them — are gathered and sorted, and
   the k-th is read off.

The result is exactly the middle value(s) of the window's values: the same numbers as sorting them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_MAX_BUCKETS = 1024
_MAX_LEVELS = 32  # up to this many distinct values, each value is a bucket
_GATHER_CELLS = 4_000_000  # gather at most this many ranks at a time (memory)


@dataclass(frozen=True)
class _Ranked:
    """The records' values in order: `rank` of each record, `ordered` values; `level` of each
    record (the index of its value among the distinct ones) when they are few, with `levels`."""

    rank: np.ndarray
    ordered: np.ndarray
    level: np.ndarray | None
    levels: np.ndarray | None


def _ranked(values: np.ndarray) -> _Ranked:
    by_value = np.argsort(values, kind="stable")
    ordered = values[by_value]
    rank = np.empty(len(values), dtype="int64")
    rank[by_value] = np.arange(len(values))
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    if np.count_nonzero(starts) > _MAX_LEVELS:
        return _Ranked(rank, ordered, None, None)
    level = np.empty(len(values), dtype="int64")
    level[by_value] = np.cumsum(starts) - 1
    return _Ranked(rank, ordered, level, ordered[starts])


def sliding_medians(
    group: np.ndarray,
    week: np.ndarray,
    values: np.ndarray,
    *,
    teams: int,
    org: bool,
    span: int,
    first_end: int,
    count: int,
    widths: Sequence[int],
) -> np.ndarray:
    """(width × group × window) medians, NaN for an empty window.

    `group` is each record's team position (-1 for no team: counted for the organisation only),
    `week` its week position in [0, span). Window j of width w covers the weeks
    ``first_end + j - w + 1 .. first_end + j`` (clipped at 0). Groups are the teams, then the
    organisation (pooling every record) when `org`.
    """
    values = np.asarray(values, dtype="float64")
    group = np.asarray(group, dtype="int64")
    week = np.asarray(week, dtype="int64")
    if len(values) == 0:
        return np.full((len(widths), teams + int(org), count), np.nan)
    ranked = _ranked(values)
    own = np.flatnonzero(group >= 0)
    sets = [(group[own], week[own], own, teams)]
    if org:  # the organisation pools every record
        sets.append((np.zeros(len(values), dtype="int64"), week, np.arange(len(values)), 1))
    parts = [
        _medians(
            g, w, records, ranked, groups=size, span=span, first_end=first_end, count=count, widths=widths
        )
        for g, w, records, size in sets
    ]
    return np.concatenate(parts, axis=1)


def _medians(
    group: np.ndarray,
    week: np.ndarray,
    records: np.ndarray,
    ranked: _Ranked,
    *,
    groups: int,
    span: int,
    first_end: int,
    count: int,
    widths: Sequence[int],
) -> np.ndarray:
    """The medians of the `records` (indices into the ranked values) of `groups` groups."""
    result = np.full((len(widths), groups, count), np.nan)
    if len(records) == 0 or groups == 0:
        return result
    size = len(ranked.rank)
    rank = ranked.rank[records]
    if ranked.level is not None:
        assert ranked.levels is not None
        bucket, buckets, shift = ranked.level[records], len(ranked.levels), 0
    else:
        # About √(records of a window) buckets of consecutive ranks.
        per_window = len(records) * max(widths) / (groups * span)
        wanted = min(_MAX_BUCKETS, max(1, int(np.sqrt(per_window))))
        shift = max(0, (size - 1).bit_length() - max(0, wanted.bit_length() - 1))
        bucket, buckets = rank >> shift, ((size - 1) >> shift) + 1

    # (group × week × bucket) counts, cumulated over weeks: a window's counts are a difference.
    histogram = np.bincount((group * span + week) * buckets + bucket, minlength=groups * span * buckets)
    cumulated = np.zeros((groups, span + 1, buckets), dtype="int64")
    np.cumsum(histogram.reshape(groups, span, buckets), axis=1, out=cumulated[:, 1:, :])
    # With buckets of ranks: records ordered by (group, bucket, week, rank), so that a window's
    # records of one bucket are a slice.
    keys = (
        None
        if ranked.level is not None
        else np.sort(((group * buckets + bucket) * span + week) * size + rank)
    )

    ends = first_end + np.arange(count)
    for position, width in enumerate(widths):
        starts = np.maximum(ends - width + 1, 0)
        below = np.cumsum(
            cumulated[:, ends + 1, :] - cumulated[:, starts, :], axis=2
        )  # (group × window × bucket)
        total = below[:, :, -1]
        middle = []
        for k in ((total - 1) // 2, total // 2):
            k = np.maximum(k, 0)
            # The bucket holding the k-th record, and how many records come before it.
            held = np.minimum((below <= k[:, :, None]).sum(axis=2), buckets - 1)
            before = np.take_along_axis(below, np.maximum(held - 1, 0)[:, :, None], axis=2)[:, :, 0]
            if keys is None:
                assert ranked.levels is not None
                middle.append(ranked.levels[held])
            else:
                offset = k - np.where(held > 0, before, 0)
                found = _select(held, offset, keys, starts, ends, span=span, size=size, buckets=buckets)
                middle.append(ranked.ordered[found])
        result[position] = np.where(total > 0, (middle[0] + middle[1]) / 2, np.nan)
    return result


def _select(
    bucket: np.ndarray,
    offset: np.ndarray,
    keys: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    span: int,
    size: int,
    buckets: int,
) -> np.ndarray:
    """The rank of each window's `offset`-th record of its `bucket` (0 where there is none)."""
    groups, count = bucket.shape
    offset = offset.ravel()
    base = (np.arange(groups)[:, None] * buckets + bucket) * span
    first = np.searchsorted(keys, ((base + starts[None, :]) * size).ravel())
    stop = np.searchsorted(keys, ((base + ends[None, :] + 1) * size).ravel())
    lengths = stop - first
    ranks = np.zeros(groups * count, dtype="int64")
    found = np.flatnonzero(lengths > offset)
    if len(found) == 0:
        return ranks.reshape(groups, count)
    longest = int(lengths[found].max())
    step = max(1, _GATHER_CELLS // longest)
    columns = np.arange(longest)
    for chunk in range(0, len(found), step):
        rows = found[chunk : chunk + step]
        index = first[rows, None] + columns[None, :]
        inside = columns[None, :] < lengths[rows, None]
        gathered = np.where(inside, keys[np.minimum(index, len(keys) - 1)] % size, size)
        gathered.sort(axis=1)
        ranks[rows] = gathered[np.arange(len(rows)), offset[rows]]
    return ranks.reshape(groups, count)
