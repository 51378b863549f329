"""What the importer, the exporter and the round-trip helper share: timestamps, numbers, paths."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from typing import Any

FORMAT = "collab-workspace/1"

# The same shape the JSON Schema accepts for a timestamp.
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
UTC = dt.UTC


def dump_document(doc: dict[str, Any]) -> str:
    """The document as the format's example writes it: indent 1, ASCII-safe, a final newline."""
    return json.dumps(doc, indent=1) + "\n"


def parse_timestamp(value: str) -> dt.datetime:
    """An aware datetime from a validated timestamp string."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # the schema forbids it; never store a naive datetime
        raise ValueError(f"timestamp without an offset: {value!r}")
    return parsed


def parse_optional_timestamp(value: str | None) -> dt.datetime | None:
    return None if value is None else parse_timestamp(value)


def parse_date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def format_timestamp(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """ISO 8601 with the organisation's offset; seconds always, microseconds when there are some."""
    if value is None:
        return None
    return value.astimezone(zone).isoformat()


def number(value: float | int | None) -> float | int | None:
    """An int when the value is integral (``40.0`` → ``40``), else the float; the example's style."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def as_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def path(*parts: str | int) -> str:
    """``path("features", 3, "team")`` → ``features[3].team`` (the validator's notation)."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "$"


def grouped(rows: Any, key: str) -> dict[int, list[dict[str, Any]]]:
    """Rows by the id in their `key` column (a parent's id), each group in the rows' order."""
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def value_rows(queryset: Any) -> list[dict[str, Any]]:
    """The rows of a ``.values()`` queryset, as plain dicts."""
    return list(queryset)


def put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set an optional field: absent when None, an empty string, an empty dict."""
    if value is None or value == "" or value == {}:
        return
    target[key] = value
