"""The .ics feed of a weekly sync schedule (RFC 5545), built with `icalendar`: one recurring event
(RRULE:FREQ=WEEKLY) at the wall-clock time of the organisation's time zone, with that zone's
VTIMEZONE generated from the tz database for the years the feed is read in (zones whose rules do
not follow a yearly pattern, such as America/Santiago or Africa/Casablanca, get their real
transitions)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# How far ahead the VTIMEZONE's transitions are written: feeds are re-read every few hours, so a
# few years ahead covers any event a calendar shows.
ZONE_YEARS = 5


def weekly_calendar(
    *,
    uid: str,
    tz: zoneinfo.ZoneInfo,
    first: datetime,
    minutes: int,
    weekday: int,
    summary: str,
    description: str,
    url: str,
    calendar_name: str,
    stamp: datetime,
) -> str:
    """A calendar with one weekly event starting at `first` (aware, in `tz`)."""
    local = first.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", "-//Product-Tech rituals//Weekly sync//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", tz.key)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", local)
    event.add("duration", timedelta(minutes=minutes))
    event.add("rrule", {"freq": "weekly", "byday": WEEKDAY_CODES[weekday]})
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    start = min(local.date(), stamp.astimezone(tz).date())
    calendar.add_missing_timezones(
        first_date=start, last_date=date(max(local.year, stamp.year) + ZONE_YEARS, 1, 1)
    )
    return calendar.to_ical().decode("utf-8")


def first_day(created: date, weekday: int) -> date:
    return created + timedelta(days=(weekday - created.weekday()) % 7)
