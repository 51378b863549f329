"""Metric snapshots in bulk: read the stored ones column-wise, write the changed ones in one upsert.

A full recompute of a large organisation compares hundreds of thousands of snapshot rows with the
stored ones. Model instances or row tuples cost microseconds each; instead:

- `read_stored` fetches the stored rows as fixed-width binary records end to end in one value, and
  their `extra`'s jsonb texts in another (parsed by numpy in `metrics.computations.snapshots`). With
  `stored_later`, a recompute starts that read on a second connection while it loads and
  computes, so the database works while Python does;
- `write` copies the rows to write into a temporary table and upserts them in one statement under
  the snapshots' unique constraint (`INSERT … ON CONFLICT … DO UPDATE`), within the caller's
  transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection, connections, transaction
from psycopg.copy import QueuedLibpqWriter

from collab.weeks import shift_week
from metrics.computations.snapshots import EXTRA_SEPARATOR, STORED_COLUMNS, Snapshots, Stored, parse_stored
from metrics.meanwhile import Meanwhile
from metrics.models import MetricSnapshot

_TABLE = MetricSnapshot._meta.db_table
_UNIQUE = "snapshot_unique_window"
_INCOMING = "metrics_snapshot_incoming"
_VALUES = ("window_end", "value", "numerator", "denominator", "cohort", "extra")
_WEEK = "convert_to(CASE WHEN octet_length({0}) = 8 THEN {0} ELSE '????????' END, 'UTF8')"  # or no week
# Each column of STORED_COLUMNS in PostgreSQL's binary form: a row is a fixed-width record.
_SELECT = {
    "id": "int8send(id)",
    "team": "int8send(coalesce(team_id, 0))",
    "metric": "int4send(coalesce(array_position(%(metrics)s::text[], metric::text), 0))",
    "kind": "int4send(coalesce(array_position(%(kinds)s::text[], window_kind::text), 0))",
    "start": _WEEK.format("window_start"),
    "end": _WEEK.format("window_end"),
    "value": "float8send(coalesce(value, 'NaN'))",
    "numerator": "float8send(coalesce(numerator, 'NaN'))",
    "denominator": "float8send(coalesce(denominator, 'NaN'))",
    "cohort": "int4send(cohort)",
}
assert tuple(_SELECT) == tuple(name for name, _ in STORED_COLUMNS)


def _where(*, team_id: int | None, first: str | None) -> str:
    """The stored rows a recompute compares with: the organisation's (all teams and itself), or
    (one team's and) the organisation's of windows ending from the week `first` on — found by
    their kinds and first weeks (the unique index's order), no window being wider than `widest`."""
    where = "org_id = %(org)s"
    if team_id is not None:
        where += " AND (team_id = %(team)s OR team_id IS NULL)"
    if first is not None:
        where += (
            " AND window_kind = ANY(%(kinds)s::text[]) AND window_start >= %(first_start)s"
            " AND window_end >= %(first)s"
        )
    return where


def read_stored(
    *,
    org_id: int,
    metrics: Sequence[str],
    kinds: Sequence[str],
    team_id: int | None,
    first: str | None,
    widest: int = 13,
) -> Stored:
    """The stored snapshots a recompute compares with (see `_where`), on this thread's connection:
    one value, their fixed-width records end to end (a COPY would hand Python one message per row)."""
    params = {
        "org": org_id,
        "team": team_id,
        "first": first,
        "first_start": shift_week(first, -(widest - 1)) if first else None,
        "metrics": list(metrics),
        "kinds": list(kinds),
    }
    record = " || ".join(_SELECT.values())
    with connection.cursor() as cursor:
        # One scan feeds both aggregates: the records and the texts come in the same order.
        cursor.execute(
            f"SELECT string_agg({record}, ''::bytea), string_agg(extra::text, chr({ord(EXTRA_SEPARATOR)})) "  # noqa: S608
            f"FROM {_TABLE} WHERE {_where(team_id=team_id, first=first)}",
            params,
        )
        packed, extras = cursor.fetchone()
    return parse_stored(bytes(packed or b""), extras)


def analyze() -> None:
    """Refresh the planner's statistics of the snapshots table."""
    with connection.cursor() as cursor:
        # Only the columns the pages' reads filter and sort on (the numbers' are never planned on).
        cursor.execute(f"ANALYZE {_TABLE} (org_id, team_id, metric, window_kind, window_start, window_end)")


def delete(*, ids: Sequence[int]) -> int:
    """Delete the snapshots of `ids` (in the caller's transaction)."""
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE id = ANY(%s)", [list(ids)])  # noqa: S608
        return cursor.rowcount


def delete_before(*, org_id: int, week: str) -> int:
    """Delete the organisation's snapshots of windows ending before `week` (in the caller's
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE org_id = %s AND window_end < %s", [org_id, week])  # noqa: S608
        return cursor.rowcount


def stored_later(**kwargs: Any) -> Meanwhile[Stored]:
    """`read_stored(**kwargs)` on a second connection, started now, while the caller loads and
    computes."""
    return Meanwhile(read_stored, **kwargs)


def write(*, org_id: int, columns: Mapping[str, Sequence[Any]], computed_at: datetime) -> int:
    """Upsert the rows given column by column (`Snapshots.columns`: team, metric, window_kind,
    window_start, window_end, value, numerator, denominator, cohort, extra's JSON text) in the
    caller's transaction. Returns how many rows were written."""
    written = len(columns["metric"])
    if not written:
        return 0
    texts = [_copy_texts(columns[name]) for name in _INCOMING_COLUMNS]
    data = "".join(f"{line}\n" for line in map("\t".join, zip(*texts, strict=True)))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*_VALUES, "computed_at"))
    with connection.cursor() as cursor:
        _commit_unsynced(cursor)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_INCOMING} (team_id bigint, metric text, window_kind text, "
            "window_start text, window_end text, value double precision, numerator double precision, "
            "denominator double precision, cohort integer, extra jsonb)"
        )
        cursor.execute(f"TRUNCATE {_INCOMING}")
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {_INCOMING} FROM STDIN") as copy:
            copy.write(data)
        cursor.execute(
            f"INSERT INTO {_TABLE} (org_id, team_id, metric, window_kind, window_start, {', '.join(_VALUES)}, "  # noqa: S608
            f"computed_at) SELECT %s, team_id, metric, window_kind, window_start, {', '.join(_VALUES)}, %s "
            f"FROM {_INCOMING} ON CONFLICT ON CONSTRAINT {_UNIQUE} DO UPDATE SET {updates}",
            [org_id, computed_at],
        )
    return written


def write_new(
    *, org_id: int, snapshots: Snapshots, rows: np.ndarray, computed_at: datetime, apart: bool = False
) -> int:
    """Write the `rows` of `snapshots`, none of which is stored yet (the organisation's first
    recompute), straight into the table with COPY, in the caller's transaction. Returns how many
    rows were written.

    The rows go in the unique index's order (each insertion then lands beside the previous one).
    Their text is built from a few small tables (a group's team and metric, a window's kind and
    weeks, each distinct number and `extra` once) a slice at a time, and handed to a thread that
    sends it while the next slice is built: PostgreSQL stores one slice while Python formats the
    next. With `apart` (outside any transaction of the caller's caller: the recompute's own), the
    later half goes on a second connection in its own transaction, committed first: two server
    processes store the rows. Should the caller's transaction then fail, that half stays without
    watermarks, and the next recompute compares with it as with any stored rows."""
    if not len(rows):
        return 0
    text = _CopyText(org_id=org_id, snapshots=snapshots, rows=rows, computed_at=computed_at)
    if not apart or len(rows) < 2 * WRITE_SLICE_ROWS:
        _copy(text.slices(0, len(rows)))
        return len(rows)
    half = len(rows) // 2
    # The caller's connection is in its transaction: this half's is its own (see `apart`).
    later = Meanwhile(_copy_apart, text, half, database=False)
    try:
        _copy(text.slices(0, half))
    finally:
        later.result()
    return len(rows)


def _copy_apart(text: _CopyText, start: int) -> None:
    """COPY the rows from `start` on, on this thread's own connection, committed (then closed)."""
    try:
        with transaction.atomic():
            _copy(text.slices(start, len(text.rows)))
    finally:
        connections.close_all()  # this thread's connections only


def _copy(texts: Iterator[str]) -> None:
    """COPY the snapshot rows' text into the table on this thread's connection."""
    names = "org_id, team_id, metric, window_kind, window_start, window_end, value, numerator, denominator"
    with connection.cursor() as cursor:
        _commit_unsynced(cursor)
        raw = cursor.cursor
        sql = f"COPY {_TABLE} ({names}, cohort, extra, computed_at) FROM STDIN"
        with connection.wrap_database_errors, raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            for text in texts:
                copy.write(text)


class _CopyText:
    """The COPY text of snapshot rows (in the unique index's order), a slice at a time."""

    def __init__(self, *, org_id: int, snapshots: Snapshots, rows: np.ndarray, computed_at: datetime) -> None:
        group, metric, width, window = snapshots.positions(rows)
        team_ids = np.asarray(snapshots.team_ids, dtype="int64")
        team_rank = _ranks([pk if pk else np.iinfo("int64").max for pk in team_ids.tolist()])  # NULL last
        order = np.lexsort(
            (_ranks(snapshots.metrics)[metric], team_rank[group], window, _ranks(snapshots.kinds)[width])
        )
        self.snapshots = snapshots
        self.rows = np.asarray(rows, dtype="int64")[order]
        self.positions = group[order], metric[order], width[order], window[order]
        self.heads = np.array(
            [
                [f"{int(org_id)}\t{pk if pk else _NULL}\t{_escaped(name)}" for name in snapshots.metrics]
                for pk in team_ids.tolist()
            ],
            dtype=object,
        )
        starts, ends = snapshots.window_weeks()
        self.weeks = np.array(
            [
                [f"{_escaped(kind)}\t{start}\t{end}" for start, end in zip(starts[w], ends[w], strict=True)]
                for w, kind in enumerate(snapshots.kinds)
            ],
            dtype=object,
        )
        self.suffix = f"\t{computed_at.isoformat()}\n"

    def slices(self, start: int, stop: int) -> Iterator[str]:
        group, metric, width, window = self.positions
        values = self.snapshots
        suffix = self.suffix
        for lo in range(start, stop, WRITE_SLICE_ROWS):
            part = slice(lo, min(lo + WRITE_SLICE_ROWS, stop))
            mine = self.rows[part]
            columns = zip(
                self.heads[group[part], metric[part]].tolist(),
                self.weeks[width[part], window[part]].tolist(),
                _number_texts(values.value[mine]),
                _number_texts(values.numerator[mine]),
                _number_texts(values.denominator[mine]),
                _number_texts(values.cohort[mine]),
                _escaped_all(values.extra[mine].tolist()),
                strict=True,
            )
            yield "".join(f"{h}\t{w}\t{v}\t{n}\t{d}\t{c}\t{e}{suffix}" for h, w, v, n, d, c, e in columns)


WRITE_SLICE_ROWS = 50_000  # the rows of a first recompute formatted at a time


def _ranks(values: Sequence[Any]) -> np.ndarray:
    """Each value's position in their sorted order."""
    ranks = np.empty(len(values), dtype="int64")
    ranks[np.argsort(np.asarray(values), kind="stable")] = np.arange(len(values))
    return ranks


def _number_texts(values: np.ndarray) -> list[str]:
    """Numbers in COPY's text format (NaN: null), each distinct number formatted once; floats keep
    every digit (repr)."""
    unique, inverse = np.unique(values, return_inverse=True)  # NaN once, last
    texts = np.array([_NULL if value != value else repr(value) for value in unique.tolist()], dtype=object)
    return texts[inverse.ravel()].tolist()


def _escaped_all(texts: list[str]) -> list[str]:
    """`_escaped` of each text, each distinct one escaped once."""
    escaped = {text: _escaped(text) for text in set(texts)}
    return [escaped[text] for text in texts]


def _commit_unsynced(cursor: Any) -> None:
    """This transaction's commit does not wait for its log to reach the disk: snapshots are
    derived data, and their watermarks are written in the same transactions, so a crash loses
    both together and the next recompute writes them again."""
    cursor.execute("SET LOCAL synchronous_commit TO OFF")


_INCOMING_COLUMNS = (
    "team",
    "metric",
    "window_kind",
    "window_start",
    "window_end",
    "value",
    "numerator",
    "denominator",
    "cohort",
    "extra",
)
_NULL = "\\N"  # COPY's text for null
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_texts(values: Sequence[Any]) -> list[str]:
    """Values in COPY's text format: None is \\N, floats keep every digit, text is escaped."""
    return [
        "\\N"
        if value is None
        else repr(value)
        if isinstance(value, float)
        else _escaped(value)
        if isinstance(value, str)
        else str(value)
        for value in values
    ]


def _escaped(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text
