"""Medians of every sliding window at once, for every team and the organisation.

A window's median is the middle value of the records of its weeks (the mean of the two middle
values for an even count). Taking each window's slice and partitioning it costs a few
microseconds of Python per window, and a nightly recompute has hundreds of thousands of windows;
sorting the records of every window is as slow. Instead, a select in two steps, vectorised over
all windows of a group set (the teams; then the organisation, which pools every record):

1. every record gets its rank among the records (by value), and a bucket of consecutive ranks
   (about √(records of a window) buckets). A (group × week × bucket) histogram, summed over each
   window's weeks, tells in which bucket a window's k-th smallest record falls, and its position
   there;
2. the window's records of that bucket — about √(records of a window) of them — are gathered and
   sorted, and the k-th is read off.

The result is exactly the middle value(s) of the window's values: the same numbers as sorting them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MAX_BUCKETS = 1024
_GATHER_CELLS = 4_000_000  # gather at most this many ranks at a time (memory)


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
    own = group >= 0
    parts = [
        _medians(
            group[own],
            week[own],
            values[own],
            groups=teams,
            span=span,
            first_end=first_end,
            count=count,
            widths=widths,
        )
    ]
    if org:
        parts.append(
            _medians(
                np.zeros(len(values), dtype="int64"),
                week,
                values,
                groups=1,
                span=span,
                first_end=first_end,
                count=count,
                widths=widths,
            )
        )
    return np.concatenate(parts, axis=1)


def _medians(
    group: np.ndarray,
    week: np.ndarray,
    values: np.ndarray,
    *,
    groups: int,
    span: int,
    first_end: int,
    count: int,
    widths: Sequence[int],
) -> np.ndarray:
    result = np.full((len(widths), groups, count), np.nan)
    size = len(values)
    if size == 0 or groups == 0:
        return result
    by_value = np.argsort(values)
    rank = np.empty(size, dtype="int64")
    rank[by_value] = np.arange(size)
    ordered = values[by_value]
    # About √(records of a window) buckets: as many buckets as records of one in a window.
    per_window = size * max(widths) / (groups * span)
    buckets_wanted = min(_MAX_BUCKETS, max(1, int(np.sqrt(per_window))))
    shift = max(0, (size - 1).bit_length() - max(0, buckets_wanted.bit_length() - 1))
    buckets = ((size - 1) >> shift) + 1
    bucket = rank >> shift

    # (group × week × bucket) counts, cumulated over weeks: a window's counts are a difference.
    histogram = np.bincount((group * span + week) * buckets + bucket, minlength=groups * span * buckets)
    cumulated = np.zeros((groups, span + 1, buckets), dtype="int64")
    np.cumsum(histogram.reshape(groups, span, buckets), axis=1, out=cumulated[:, 1:, :])
    # Records ordered by (group, bucket, week, rank): a window's records of one bucket are a slice.
    keys = np.sort(((group * buckets + bucket) * span + week) * size + rank)

    ends = first_end + np.arange(count)
    for position, width in enumerate(widths):
        starts = np.maximum(ends - width + 1, 0)
        in_window = cumulated[:, ends + 1, :] - cumulated[:, starts, :]  # (group × window × bucket)
        below = np.cumsum(in_window, axis=2)
        total = below[:, :, -1]
        middle = [
            _select(k, below, keys, starts, ends, span=span, size=size, buckets=buckets)
            for k in ((total - 1) // 2, total // 2)
        ]
        medians = (ordered[middle[0]] + ordered[middle[1]]) / 2
        result[position] = np.where(total > 0, medians, np.nan)
    return result


def _select(
    k: np.ndarray,
    below: np.ndarray,
    keys: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    span: int,
    size: int,
    buckets: int,
) -> np.ndarray:
    """The rank of each window's k-th smallest record (0 for an empty window)."""
    groups, count, _ = below.shape
    k = np.maximum(k, 0)
    bucket = (below <= k[:, :, None]).sum(axis=2)  # the bucket holding the k-th record
    bucket = np.minimum(bucket, buckets - 1)
    before = np.take_along_axis(below, np.maximum(bucket - 1, 0)[:, :, None], axis=2)[:, :, 0]
    offset = (k - np.where(bucket > 0, before, 0)).ravel()
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
