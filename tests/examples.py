"""The shared example workspace and its expected metrics, copied into the repository so the tests
do not depend on where shared/ sits."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
EXAMPLE_WORKSPACE = DATA / "example-workspace.json"
EXAMPLE_METRICS = DATA / "example-metrics.json"


@cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example_workspace() -> dict[str, Any]:
    """A fresh deep copy each call: tests may break it in place."""
    return copy.deepcopy(_load(EXAMPLE_WORKSPACE))


def example_metrics() -> list[dict[str, Any]]:
    return copy.deepcopy(_load(EXAMPLE_METRICS))
