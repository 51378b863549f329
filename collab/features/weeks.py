"""ISO weeks and quarters. A week belongs to the quarter of its Thursday (as it belongs to the ISO
year of its Thursday), so every week sits in exactly one quarter."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def week_thursday(week: str) -> date | None:
    match = WEEK_RE.match(week or "")
    if not match:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 4)
    except ValueError:
        return None


def quarter_of_date(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def week_quarter(week: str) -> str | None:
    thursday = week_thursday(week)
    return quarter_of_date(thursday) if thursday else None


def quarter_weeks(quarter: str) -> list[str]:
    """Every ISO week whose Thursday falls in the quarter, e.g. 2026-Q1 → 2026-W01 … 2026-W13."""
    match = QUARTER_RE.match(quarter or "")
    if not match:
        return []
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    # first Thursday on or after the start of the quarter
    day = start + timedelta(days=(3 - start.weekday()) % 7)
    weeks = []
    while day < end:
        iso = day.isocalendar()
        weeks.append(f"{iso.year}-W{iso.week:02d}")
        day += timedelta(days=7)
    return weeks


def quarter_shift(quarter: str, steps: int) -> str:
    match = QUARTER_RE.match(quarter)
    assert match, quarter
    index = int(match[1]) * 4 + int(match[2]) - 1 + steps
    return f"{index // 4}-Q{index % 4 + 1}"
