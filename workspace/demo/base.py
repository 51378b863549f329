"""The shape of a demo feature: its title, kind and effort, and the text of its spec."""

from __future__ import annotations

from typing import NamedTuple


class DemoFeature(NamedTuple):
    """Title, kind, effort points, business driver kind, why it matters, expected impact, one
    technical constraint (kind, text), the business and technical success criteria (metric,
    target), the architecture options (title, trade-offs) with the index of the chosen one, the
    co-created solution, and the user journey (product features)."""

    title: str
    kind: str
    points: int
    driver: str
    why: str
    impact: str
    constraint: tuple[str, str]
    business: tuple[str, str]
    technical: tuple[str, str]
    options: tuple[tuple[str, str], ...]
    chosen: int
    solution: str
    journey: str = ""
