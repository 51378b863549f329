"""Server-authoritative timer arithmetic: pure functions over the stored timestamps.

A section stores when it started (`started_at`), when it was left (`ended_at`) and the seconds it
spent paused (`paused_seconds`); the sync stores `paused_at` while paused. Every screen derives the
elapsed time from these, so they agree however many screens follow the sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WARN_RATIO = 0.8


def section_elapsed(
    *,
    started_at: datetime | None,
    ended_at: datetime | None,
    paused_seconds: float,
    sync_paused_at: datetime | None,
    now: datetime,
) -> float:
    """Seconds the section has run, pauses excluded. A left section stops at `ended_at`; the current
    section of a paused sync stops at `paused_at`."""
    if started_at is None:
        return 0.0
    if ended_at is not None:
        end = ended_at
    elif sync_paused_at is not None:
        end = max(sync_paused_at, started_at)
    else:
        end = now
    return max(0.0, (end - started_at).total_seconds() - paused_seconds)


def phase(elapsed: float, planned: float) -> str:
    """ "ok", "warn" from 80 % of the time box, "over" past it."""
    if planned <= 0:
        return "ok"
    if elapsed > planned:
        return "over"
    if elapsed >= WARN_RATIO * planned:
        return "warn"
    return "ok"


def clock(seconds: float) -> str:
    """m:ss (minutes may exceed 59)."""
    total = int(max(0.0, seconds))
    return f"{total // 60}:{total % 60:02d}"


@dataclass(frozen=True)
class TimerState:
    elapsed: float
    planned: float
    paused: bool
    running: bool

    @property
    def remaining(self) -> float:
        return max(0.0, self.planned - self.elapsed)

    @property
    def overrun(self) -> float:
        return max(0.0, self.elapsed - self.planned)

    @property
    def phase(self) -> str:
        return phase(self.elapsed, self.planned)

    @property
    def display(self) -> str:
        """What the big timer shows: the remaining time, or +m:ss past the time box."""
        return f"+{clock(self.overrun)}" if self.phase == "over" else clock(self.remaining)

    @property
    def elapsed_display(self) -> str:
        return clock(self.elapsed)

    @property
    def ratio(self) -> float:
        return self.elapsed / self.planned if self.planned else 0.0


def timer_state(
    *,
    started_at: datetime | None,
    ended_at: datetime | None,
    paused_seconds: float,
    planned_minutes: int,
    sync_paused_at: datetime | None,
    now: datetime,
) -> TimerState:
    elapsed = section_elapsed(
        started_at=started_at,
        ended_at=ended_at,
        paused_seconds=paused_seconds,
        sync_paused_at=sync_paused_at,
        now=now,
    )
    return TimerState(
        elapsed=elapsed,
        planned=planned_minutes * 60.0,
        paused=sync_paused_at is not None,
        running=started_at is not None and ended_at is None,
    )
