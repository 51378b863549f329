"""Dates of the demo: six months of ISO weeks ending the week before ``today``, in Paris time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from collab import weeks

TIME_ZONE = "Europe/Paris"
PARIS = zoneinfo.ZoneInfo(TIME_ZONE)
WEEKS = 26


iso_week = weeks.week_of_day
quarter_of = weeks.quarter_of_date


class Clock:
    """``week`` 0 is the first of the six months, ``WEEKS - 1`` the last (the week before today's)."""

    def __init__(self, today: dt.date) -> None:
        self.end_day = today - dt.timedelta(days=today.weekday())  # Monday of today's week
        self.first_day = self.end_day - dt.timedelta(weeks=WEEKS)
        self.end = self.at(self.end_day, 0)

    def day(self, week: int, weekday: int = 0) -> dt.date:
        return self.first_day + dt.timedelta(weeks=week, days=weekday)

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute, second, microsecond), tzinfo=PARIS)

    def past(self, moment: dt.datetime) -> bool:
        return moment < self.end

    def week_of(self, moment: dt.datetime) -> int:
        return (moment.astimezone(PARIS).date() - self.first_day).days // 7

    @staticmethod
    def workday(moment: dt.datetime) -> dt.datetime:
        """The same time on the next working day when ``moment`` falls on a weekend."""
        while moment.weekday() >= 5:
            moment += dt.timedelta(days=1)
        return moment

    def quarters(self) -> tuple[str, str]:
        """The current quarter (of the last history day) and the one before it."""
        last = self.end_day - dt.timedelta(days=1)
        current = quarter_of(last)
        first_of_current = dt.date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
        return quarter_of(first_of_current - dt.timedelta(days=1)), current

    @staticmethod
    def stamp(moment: dt.datetime) -> str:
        return moment.astimezone(PARIS).isoformat()
