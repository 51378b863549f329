"""ISO weeks and quarters in an organisation's time zone: the one place every app does week
arithmetic. Pure Python (no Django, no pandas), so the metric engine uses it too.

A week is written 'YYYY-Www'. It belongs to the quarter of its Thursday (as it belongs to the ISO
year of its Thursday), so every week sits in exactly one quarter. An organisation's time zone that
is not a known IANA name reads as UTC everywhere, the same way."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
EPOCH = date(1970, 1, 1)  # a Thursday: week index 0 is the ISO week starting Monday 1969-12-29


def org_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The organisation's time zone; UTC when the name is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# --- labels and arithmetic ---------------------------------------------------------------------


def parse_week(week: str) -> date:
    """The Monday of an ISO week written 'YYYY-Www'; ValueError otherwise."""
    try:
        year, number = week.split("-W")
        if len(year) != 4 or len(number) != 2:
            raise ValueError
        return date.fromisocalendar(int(year), int(number), 1)
    except (ValueError, AttributeError):
        raise ValueError(f"not an ISO week 'YYYY-Www': {week!r}") from None


def week_of_day(day: date) -> str:
    """The 'YYYY-Www' label of the ISO week holding `day`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_index(week: str) -> int:
    """A running number of ISO weeks: consecutive weeks have consecutive indices."""
    return ((parse_week(week) - EPOCH).days + 3) // 7


def week_of_index(index: int) -> str:
    """The 'YYYY-Www' of a week index (inverse of `week_index`)."""
    return week_of_day(EPOCH + timedelta(days=7 * index - 3))


def shift_week(week: str, weeks: int) -> str:
    return week_of_index(week_index(week) + weeks)


def week_of(moment: datetime, zone: str | None) -> str:
    """The ISO week, in time zone `zone`, that contains the instant `moment`."""
    return week_of_day(moment.astimezone(org_zone(zone)).date())


def week_bounds(moment: datetime, zone: str | None) -> tuple[str, datetime, datetime]:
    """The ISO week of `moment` in `zone`: (label, Monday 00:00, next Monday 00:00), aware."""
    tz = org_zone(zone)
    local = moment.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=tz)
    return week_of_day(monday), start, end


# --- quarters ----------------------------------------------------------------------------------


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
    day = start + timedelta(days=(3 - start.weekday()) % 7)  # first Thursday of the quarter
    weeks = []
    while day < end:
        weeks.append(week_of_day(day))
        day += timedelta(days=7)
    return weeks


def quarter_shift(quarter: str, steps: int) -> str:
    match = QUARTER_RE.match(quarter)
    if not match:
        raise ValueError(f"not a quarter 'YYYY-Qn': {quarter!r}")
    index = int(match[1]) * 4 + int(match[2]) - 1 + steps
    return f"{index // 4}-Q{index % 4 + 1}"
