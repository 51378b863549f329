"""The shared example workspace imported into the test database (used by the dashboard, loader,
snapshot and command tests)."""

from __future__ import annotations

import math
from typing import Any

from collab.models import Organisation
from tests.examples import example_workspace
from workspace.importer import import_workspace

# Not the document's "org-11": OrganisationFactory's sequence makes org-N slugs too.
EXAMPLE_SLUG = "example-org"
FIRST_WEEK, LAST_WEEK = "2026-W02", "2026-W14"


def import_example(**changes: Any) -> Organisation:
    doc = example_workspace()
    doc["organisation"]["slug"] = EXAMPLE_SLUG
    doc["organisation"].update(changes)
    return import_workspace(doc)


def same(expected: Any, got: Any) -> bool:
    """Equal, floats within 1e-9 (an int and the equal float agree: JSON keeps 2 and 2.0 apart,
    the comparison of numbers does not need to)."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and set(expected) == set(got)
            and all(same(expected[k], got[k]) for k in expected)
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(map(same, expected, got))
    if isinstance(expected, float) or isinstance(got, float):
        return (
            isinstance(got, int | float)
            and isinstance(expected, int | float)
            and not isinstance(got, bool)
            and math.isclose(expected, got, rel_tol=0, abs_tol=1e-9)
        )
    return type(expected) is type(got) and expected == got


def by_key(results: list[dict[str, Any]], *, windows: bool = False) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Results by (metric, team), or by (metric, team, from, to) for series."""
    keyed = {
        (result["metric"], result["team"], *((result["from"], result["to"]) if windows else ())): result
        for result in results
    }
    assert len(keyed) == len(results), "one result per metric and team"
    return keyed
