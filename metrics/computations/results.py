"""Metric results, column-wise: one array per field of DESIGN.md's result shape.

A `Grid` holds one metric's results for every (window width × group × window) as arrays: NaN
stands for a null, and each `Column` says where its numbers are written as integers (counts, the
middle value of whole numbers) rather than floats. `extra` is a tree of `Field`s whose leaves are
columns too. Turning a grid into DESIGN.md's dicts (`Grid.python`) costs a few microseconds a
result: for the results a caller reads; snapshots are built from the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Column:
    """(width × group × window) numbers, NaN for null; `ints`: where they are integers."""

    values: np.ndarray
    ints: np.ndarray | bool = False

    def python(self, width: int) -> list[Any]:
        """The (group × window) values of one width as Python numbers (None for null), flat."""
        values = self.values[width].ravel().tolist()
        if isinstance(self.ints, bool):
            if self.ints:
                return [None if v != v else int(v) for v in values]
            return [None if v != v else v for v in values]
        integral = np.broadcast_to(self.ints, self.values.shape)[width].ravel().tolist()
        return [None if v != v else int(v) if i else v for v, i in zip(values, integral, strict=True)]


def floats(values: np.ndarray) -> Column:
    return Column(np.asarray(values, dtype="float64"), False)


def ints(values: np.ndarray) -> Column:
    return Column(np.asarray(values, dtype="float64"), True)


def whole_where_integral(values: np.ndarray) -> Column:
    """Integral numbers as integers (effort points are whole in practice), others as floats."""
    values = np.asarray(values, dtype="float64")
    return Column(values, np.isfinite(values) & (values == np.floor(values)))


def nulls(shape: tuple[int, ...]) -> Column:
    return Column(np.full(shape, np.nan), False)


def where(condition: np.ndarray, column: Column) -> Column:
    """`column` where `condition`, null elsewhere."""
    return Column(np.where(condition, column.values, np.nan), column.ints)


@dataclass(frozen=True)
class Field:
    """A key of `extra`: a leaf (`column`), or an object of `children`.

    An `optional` leaf is left out where null (a kind with no feature delivered), a mandatory one
    is written as null. A leaf with `labels` holds indices into them (a DORA band).
    """

    key: str
    column: Column | None = None
    children: tuple[Field, ...] = ()
    optional: bool = False
    labels: tuple[str, ...] | None = None

    def python(self, width: int, size: int) -> list[Any]:
        """The `size` (group × window) values of one width as Python objects, flat."""
        if self.column is None:
            children = [(child.key, child.optional, child.python(width, size)) for child in self.children]
            return [
                {key: values[i] for key, optional, values in children if not (optional and values[i] is None)}
                for i in range(size)
            ]
        values = self.column.python(width)
        if self.labels is not None:
            labels = self.labels
            return [None if v is None else labels[int(v)] for v in values]
        return values


@dataclass(frozen=True)
class Grid:
    """One metric's results: every field of DESIGN.md's shape as (width × group × window) arrays."""

    value: Column
    numerator: Column
    denominator: Column
    cohort: np.ndarray  # int64
    extra: tuple[Field, ...] = ()

    def python(self, width: int) -> list[dict[str, Any]]:
        """value, numerator, denominator, cohort and extra of every (group × window) of one
        width, flat (group-major)."""
        size = self.cohort[width].size
        return [
            {"value": v, "numerator": n, "denominator": d, "cohort": c, "extra": e}
            for v, n, d, c, e in zip(
                self.value.python(width),
                self.numerator.python(width),
                self.denominator.python(width),
                self.cohort[width].ravel().tolist(),
                Field("extra", children=self.extra).python(width, size),
                strict=True,
            )
        ]
