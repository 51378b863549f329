"""The fault suite (`pytest -m fault`, its own step in .ci/run): real workers killed, Redis refusing
or not answering, PostgreSQL connections terminated. Each test prints how long recovery took.

A plain `pytest` (`make test`) collects these tests and deselects them (the summary counts them),
so CI runs them once, in their own step; `pytest -m fault`, or naming tests/faults, runs them."""

from __future__ import annotations

from typing import Any


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if "fault" in (config.option.markexpr or "") or any("faults" in str(arg) for arg in config.args):
        return
    faults = [item for item in items if item.get_closest_marker("fault")]
    if faults:
        config.hook.pytest_deselected(items=faults)
        items[:] = [item for item in items if not item.get_closest_marker("fault")]


def recovered(what: str, seconds: float) -> None:
    print(f"\n[fault] {what}: recovered in {seconds:.2f} s")  # noqa: T201
