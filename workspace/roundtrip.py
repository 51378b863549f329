"""Compare two workspace documents the way the round trip promises: timestamps as instants.

``export_workspace(import_workspace(doc))`` gives back ``doc`` with every timestamp written in the
organisation's time zone (``2026-05-29T12:43:45.252883+00:00`` may come back as
``…14:43:45.252883+02:00``). ``normalise`` rewrites every timestamp as its UTC instant so that
equal documents compare equal; ``differences`` lists what differs, path by path, including a
number that changed type (``1`` against ``1.0``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workspace.common import TIMESTAMP_RE, UTC, path

__all__ = ["differences", "normalise"]


def _instant(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(UTC).isoformat(timespec="microseconds")


def normalise(node: Any) -> Any:
    """A copy of ``node`` with every timestamp string replaced by its UTC instant."""
    if isinstance(node, dict):
        return {key: normalise(value) for key, value in node.items()}
    if isinstance(node, list):
        return [normalise(value) for value in node]
    if isinstance(node, str) and TIMESTAMP_RE.match(node):
        try:
            return _instant(node)
        except (ValueError, OverflowError):
            return node
    return node


def differences(expected: Any, actual: Any, *, limit: int = 50) -> list[str]:
    """Where ``actual`` differs from ``expected`` (timestamps compared as instants), as
    ``path: expected … got …`` lines; [] when they are the same document."""
    found: list[str] = []
    _diff(normalise(expected), normalise(actual), (), found, limit)
    return found


def _kind(value: Any) -> str:
    return type(value).__name__


def _diff(expected: Any, actual: Any, loc: tuple[str | int, ...], found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    where = path(*loc)
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                found.append(f"{path(*loc, key)}: missing (expected {expected[key]!r})")
            else:
                _diff(expected[key], actual[key], (*loc, key), found, limit)
        found.extend(
            f"{path(*loc, key)}: unexpected {actual[key]!r}" for key in actual if key not in expected
        )
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            found.append(f"{where}: {len(expected)} entries expected, got {len(actual)}")
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            _diff(left, right, (*loc, index), found, limit)
    elif _kind(expected) != _kind(actual) or expected != actual:
        found.append(f"{where}: expected {expected!r} ({_kind(expected)}), got {actual!r} ({_kind(actual)})")
