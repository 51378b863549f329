"""Speaking-time arithmetic: pure functions over stored turns (server timestamps).

A turn is (section id, side, started_at, ended_at or None while it runs). An open turn counts up
to `now`, or up to the moment the sync was paused, so every screen derives the same seconds from
the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PRODUCT, TECH = "product", "tech"


@dataclass(frozen=True)
class Turn:
    section_id: int
    side: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Shares:
    product: float = 0.0
    tech: float = 0.0

    @property
    def total(self) -> float:
        return self.product + self.tech

    @property
    def product_share(self) -> float | None:
        return self.product / self.total if self.total > 0 else None

    @property
    def tech_share(self) -> float | None:
        return self.tech / self.total if self.total > 0 else None

    def balanced(self, minimum: float) -> bool | None:
        """Whether each side spoke at least `minimum` of the time (None before anyone spoke)."""
        share = self.product_share
        if share is None:
            return None
        return minimum - 1e-9 <= share <= 1 - minimum + 1e-9

    def __add__(self, other: Shares) -> Shares:
        return Shares(self.product + other.product, self.tech + other.tech)


def turn_seconds(turn: Turn, *, now: datetime, paused_at: datetime | None = None) -> float:
    end = turn.ended_at
    if end is None:
        end = max(paused_at, turn.started_at) if paused_at is not None else now
    return max(0.0, (end - turn.started_at).total_seconds())


def shares_by_section(
    turns: Iterable[Turn], *, now: datetime, paused_at: datetime | None = None
) -> dict[int, Shares]:
    result: dict[int, Shares] = {}
    for turn in turns:
        seconds = turn_seconds(turn, now=now, paused_at=paused_at)
        add = Shares(product=seconds) if turn.side == PRODUCT else Shares(tech=seconds)
        result[turn.section_id] = result.get(turn.section_id, Shares()) + add
    return result


def total(shares: Iterable[Shares]) -> Shares:
    result = Shares()
    for share in shares:
        result = result + share
    return result


def percent(value: float | None) -> int | None:
    """A share as a whole percentage (None stays None)."""
    return None if value is None else round(value * 100)
