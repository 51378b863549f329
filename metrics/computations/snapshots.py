"""Snapshot rows of a `Table`, and which of them differ from the stored ones — column-wise.

A full recompute of a large organisation has hundreds of thousands of snapshot rows, nearly all
unchanged. They are compared to the stored rows as arrays: the numbers as float64 (NaN for null),
`extra` as its canonical JSON text — the text PostgreSQL prints for a jsonb (`jsonb_text`: keys
ordered by length then bytes, ``", "`` and ``": "`` separators, numbers in positional notation).
Only the rows that differ are turned into rows to write.

Rows are numbered group-major: ``((group × metric) × width) × window``, so that each group's rows
(one transaction each) are a slice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from metrics.computations.engine import Table
from metrics.computations.results import Column, Field

# The stored rows as packed records, each column in PostgreSQL's binary form (big-endian): id, team
# (0 for the organisation), metric and window kind (1-based positions in the lists given, 0 when
# unknown), first and last week ('YYYY-Www'), value, numerator, denominator (NaN for null),
# cohort; `extra`'s jsonb text comes beside them.
STORED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", ">i8"),
    ("team", ">i8"),
    ("metric", ">i4"),
    ("kind", ">i4"),
    ("start", "S8"),
    ("end", "S8"),
    ("value", ">f8"),
    ("numerator", ">f8"),
    ("denominator", ">f8"),
    ("cohort", ">i4"),
)
_RECORD = np.dtype(list(STORED_COLUMNS))


@dataclass(frozen=True)
class Stored:
    """Stored snapshot rows as arrays (see `STORED_COLUMNS`), and `extra`'s jsonb text."""

    columns: dict[str, np.ndarray]
    extra: np.ndarray  # object: str

    def __len__(self) -> int:
        return len(self.columns["id"])


# Between the stored rows' jsonb texts: JSON text never holds a raw control character.
EXTRA_SEPARATOR = "\x1f"


def parse_stored(packed: bytes, extras: str | None) -> Stored:
    """The stored rows from their packed records (see `STORED_COLUMNS`) and their `extra` texts,
    in the same order, separated by `EXTRA_SEPARATOR` (None for no rows)."""
    if len(packed) % _RECORD.itemsize:
        raise ValueError("not records of the stored snapshots' layout")
    records = np.frombuffer(packed, dtype=_RECORD)
    texts = [] if extras is None else extras.split(EXTRA_SEPARATOR)
    if len(texts) != len(records):
        raise ValueError("not as many extra texts as stored snapshots")
    columns = {name: records[name].astype(kind.lstrip(">")) for name, kind in STORED_COLUMNS}
    return Stored(columns, np.asarray(texts, dtype=object))


@dataclass(frozen=True)
class Changes:
    """What a recompute writes: `rows` (indices of `Snapshots` rows, new or different) and, per
    group, the ids of its stored rows of windows outside the recomputed weeks (`stale`)."""

    rows: np.ndarray
    stale: dict[int, list[int]]


@dataclass(frozen=True)
class Snapshots:
    """A table's results as snapshot rows: `team_ids` per group (0: the organisation), `kinds`
    per width (the window kind's name)."""

    table: Table
    team_ids: Sequence[int]
    kinds: Sequence[str]

    @cached_property
    def metrics(self) -> list[str]:
        return list(self.table.grids)

    @cached_property
    def _shape(self) -> tuple[int, int, int, int]:
        widths, groups, count = self.table.windows.shape
        return (groups, len(self.metrics), widths, count)

    def __len__(self) -> int:
        return int(np.prod(self._shape))

    def group_rows(self, group: int) -> range:
        per_group = len(self) // self._shape[0]
        return range(group * per_group, (group + 1) * per_group)

    def _flat(self, field: str) -> np.ndarray:
        stacked = np.stack([np.asarray(getattr(grid, field).values) for grid in self.table.grids.values()])
        return np.ascontiguousarray(stacked.transpose(2, 0, 1, 3)).ravel()  # (group, metric, width, window)

    @cached_property
    def value(self) -> np.ndarray:
        return self._flat("value")

    @cached_property
    def numerator(self) -> np.ndarray:
        return self._flat("numerator")

    @cached_property
    def denominator(self) -> np.ndarray:
        return self._flat("denominator")

    @cached_property
    def cohort(self) -> np.ndarray:
        stacked = np.stack([grid.cohort for grid in self.table.grids.values()])
        return np.ascontiguousarray(stacked.transpose(2, 0, 1, 3)).ravel().astype("int64")

    @cached_property
    def extra(self) -> np.ndarray:
        """`extra` of every row as its jsonb text."""
        groups, metrics, widths, count = self._shape
        texts = np.empty(self._shape, dtype=object)
        for m, grid in enumerate(self.table.grids.values()):
            for w in range(widths):
                texts[:, m, w, :] = _object_texts(grid.extra, w, groups * count).reshape(groups, count)
        return texts.ravel()

    def positions(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The rows at `indices` as positions: (group, metric, width, window), each an index into
        `team_ids`, `metrics`, `kinds` and `window_weeks()`' columns."""
        _groups, metrics, widths, count = self._shape
        indices = np.asarray(indices, dtype="int64")
        return (
            indices // (count * widths * metrics),
            indices // (count * widths) % metrics,
            indices // count % widths,
            indices % count,
        )

    def window_weeks(self) -> tuple[np.ndarray, np.ndarray]:
        """(width × window) first and last weeks, as text."""
        starts, ends = self._labels
        return starts.astype("U8"), ends.astype("U8")

    @cached_property
    def _labels(self) -> tuple[np.ndarray, np.ndarray]:
        """(width × window) first and last weeks, as bytes."""
        widths = self.table.windows.widths
        starts = np.array([self.table.starts(width) for width in widths], dtype="S8")
        ends = np.array([self.table.ends] * len(widths), dtype="S8")
        return starts, ends

    def compare(self, stored: Stored, *, stale: bool = True) -> Changes:
        """The rows that are not stored as they are, and (when `stale`) the stored rows of these
        groups whose window ends outside the recomputed weeks."""
        groups, metrics, widths, count = self._shape
        cols = stored.columns
        team = np.asarray(self.team_ids, dtype="int64")
        by_team = np.argsort(team)
        group = by_team[np.minimum(np.searchsorted(team[by_team], cols["team"]), len(team) - 1)]
        ours = team[group] == cols["team"]
        metric, width = cols["metric"] - 1, cols["kind"] - 1
        known = ours & (metric >= 0) & (metric < metrics) & (width >= 0) & (width < widths)
        metric, width = np.where(known, metric, 0), np.where(known, width, 0)
        starts, ends = self._labels
        # Window j of a width starts at starts[width, j]: find j from the stored first week.
        window = np.zeros(len(stored), dtype="int64")
        for w in range(widths):
            of_width = known & (width == w)
            at = np.minimum(np.searchsorted(starts[w], cols["start"][of_width]), count - 1)
            window[of_width] = at
            known[of_width] &= starts[w][at] == cols["start"][of_width]
        matched = np.flatnonzero(known)
        row = (((group * metrics + metric) * widths + width) * count + window)[matched]
        same = (
            (cols["end"][matched] == ends[width[matched], window[matched]])
            & _same_numbers(cols["value"][matched], self.value[row])
            & _same_numbers(cols["numerator"][matched], self.numerator[row])
            & _same_numbers(cols["denominator"][matched], self.denominator[row])
            & (cols["cohort"][matched] == self.cohort[row])
            & (stored.extra[matched] == self.extra[row])
        )
        unchanged = np.zeros(len(self), dtype=bool)
        unchanged[row[same]] = True
        outside: dict[int, list[int]] = {}
        if stale:
            end = cols["end"]
            old = ours & ((end < ends[0, 0]) | (end > ends[0, -1]))
            for g, pk in zip(group[old].tolist(), cols["id"][old].tolist(), strict=True):
                outside.setdefault(g, []).append(pk)
        return Changes(np.flatnonzero(~unchanged), outside)

    def columns(self, indices: np.ndarray) -> dict[str, list[Any]]:
        """The rows at `indices`, column by column: team (id, None for the organisation), metric,
        window_kind, window_start, window_end (weeks), value, numerator, denominator (None for
        null), cohort, extra (its JSON text)."""
        groups, metrics, widths, count = self._shape
        starts, ends = self._labels
        indices = np.asarray(indices, dtype="int64")
        window = indices % count
        width = indices // count % widths
        metric = indices // (count * widths) % metrics
        group = indices // (count * widths * metrics)
        team = np.asarray(self.team_ids, dtype="int64")[group].tolist()
        names, kinds = np.asarray(self.metrics, dtype=object), np.asarray(self.kinds, dtype=object)
        return {
            "team": [pk or None for pk in team],
            "metric": names[metric].tolist(),
            "window_kind": kinds[width].tolist(),
            "window_start": starts[width, window].astype("U8").tolist(),
            "window_end": ends[width, window].astype("U8").tolist(),
            "value": _floats_or_none(self.value[indices]),
            "numerator": _floats_or_none(self.numerator[indices]),
            "denominator": _floats_or_none(self.denominator[indices]),
            "cohort": self.cohort[indices].tolist(),
            "extra": self.extra[indices].tolist(),
        }


def _floats_or_none(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]


def _same_numbers(stored: np.ndarray, computed: np.ndarray) -> np.ndarray:
    return (stored == computed) | (np.isnan(stored) & np.isnan(computed))


# --- jsonb's text of `extra` ---------------------------------------------------------------------


def jsonb_text(value: Any) -> str:
    """The text PostgreSQL prints for `value` stored as jsonb (its canonical form)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: _key_order(item[0]))
        return "{" + ", ".join(f"{jsonb_text(key)}: {jsonb_text(item)}" for key, item in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    raise TypeError(f"not JSON: {value!r}")


def _key_order(key: str) -> tuple[int, bytes]:
    """jsonb keeps an object's keys shortest first, then in byte order."""
    encoded = key.encode()
    return (len(encoded), encoded)


def _float_text(value: float) -> str:
    """A float as jsonb prints it: the shortest repr, in positional notation (a numeric)."""
    text = repr(value)
    if "e" not in text:
        return text
    return format(Decimal(text), "f")


def _number_texts(column: Column, width: int) -> np.ndarray:
    """Each value's jsonb text (an object array): "null", an integer, or a float."""
    values = column.values[width].ravel()
    null = np.isnan(values)
    integral = (
        np.full(values.shape, column.ints)
        if isinstance(column.ints, bool)
        else np.broadcast_to(column.ints, column.values.shape)[width].ravel()
    )
    texts = np.full(values.shape, "null", dtype=object)
    whole = integral & ~null
    texts[whole] = _texts_of(values[whole].astype("int64"), str)
    fractional = ~integral & ~null
    # repr is the shortest round trip, as jsonb keeps it; but where Python writes 1e-05, jsonb
    # writes 0.00001.
    texts[fractional] = _texts_of(values[fractional], repr)
    magnitude = np.abs(np.where(fractional, values, 1.0))
    for index in np.flatnonzero((magnitude >= 1e16) | (magnitude < 1e-4) & (magnitude > 0)).tolist():
        texts[index] = _float_text(float(values[index]))
    return texts


def _texts_of(values: np.ndarray, text: Callable[[Any], str]) -> np.ndarray:
    """`text` of each value, formatted once per distinct value (many repeat)."""
    codes, distinct = pd.factorize(values)
    return np.asarray(list(map(text, distinct.tolist())), dtype=object)[codes]


def _leaf_texts(field: Field, width: int) -> np.ndarray:
    assert field.column is not None
    if field.labels is None:
        return _number_texts(field.column, width)
    labels = np.asarray(["null", *(jsonb_text(label) for label in field.labels)], dtype=object)
    codes = field.column.values[width].ravel()
    return labels[np.where(np.isnan(codes), 0, np.nan_to_num(codes) + 1).astype("int64")]


def _object_texts(fields: Sequence[Field], width: int, size: int) -> np.ndarray:
    """Each row's jsonb text of an object with `fields` (an object array)."""
    if not fields:
        return np.full(size, "{}", dtype=object)
    ordered = sorted(fields, key=lambda field: _key_order(field.key))
    texts = [
        _leaf_texts(field, width) if field.column is not None else _object_texts(field.children, width, size)
        for field in ordered
    ]
    keys = [jsonb_text(field.key) + ": " for field in ordered]
    parts: list[str | np.ndarray] = ["{"]
    earlier = np.zeros(size, dtype=bool)  # some key written before, in the row
    for key, text, field in zip(keys, texts, ordered, strict=True):
        if field.optional:  # left out where null
            present = text != "null"
            parts += [
                np.where(present & earlier, ", ", ""),
                np.where(present, key, ""),
                np.where(present, text, ""),
            ]
            earlier |= present
        else:
            parts += [np.where(earlier, ", ", ""), key, text]
            earlier[:] = True
    parts.append("}")
    return _concatenated(parts, size)


def _concatenated(parts: Sequence[str | np.ndarray], size: int) -> np.ndarray:
    """Row by row, the concatenation of `parts` (each a string, or one string per row): one join
    and one split of the whole block, not a format per row. "\x1f" never occurs in JSON text."""
    slots: list[Any] = [None] * (size * len(parts))
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(part, str):
            slots[position :: len(parts)] = [part + "\x1f" if last else part] * size
        else:
            slots[position :: len(parts)] = (part + "\x1f" if last else part).tolist()
    return np.asarray("".join(slots).split("\x1f")[:-1], dtype=object)
