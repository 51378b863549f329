"""The .ics feed of a weekly sync schedule (RFC 5545): one recurring event (RRULE:FREQ=WEEKLY) at
the wall-clock time of the organisation's time zone, with that zone's VTIMEZONE, CRLF line ends and
lines folded at 75 octets."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space (which counts in their 75)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def serialise(lines: Iterable[str]) -> str:
    return "".join(fold(line) + "\r\n" for line in lines)


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _transitions(tz: zoneinfo.ZoneInfo, year: int) -> list[datetime]:
    """UTC instants (to the minute) where the zone's UTC offset changes during `year`."""
    found: list[datetime] = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    previous = moment.astimezone(tz).utcoffset()
    while moment < end:
        following = moment + step
        offset = following.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
            previous = offset
        moment = following
    return found


def _byday_rule(local: datetime) -> str:
    """A yearly rule for a transition's local date: the nth (or last) weekday of its month."""
    nth = (local.day - 1) // 7 + 1
    next_month = (local.replace(day=1) + timedelta(days=32)).replace(day=1)
    if local.day + 7 > (next_month - timedelta(days=1)).day:
        nth = -1
    return f"FREQ=YEARLY;BYMONTH={local.month};BYDAY={nth}{WEEKDAY_CODES[local.weekday()]}"


def vtimezone(tz: zoneinfo.ZoneInfo, year: int) -> list[str]:
    """VTIMEZONE for `tz` from `year` on: STANDARD/DAYLIGHT with yearly rules when the zone has
    daylight saving, a single STANDARD otherwise."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz.key}"]
    transitions = _transitions(tz, year)
    if not transitions:
        offset = _offset(datetime(year, 1, 1, tzinfo=tz).utcoffset())
        name = datetime(year, 1, 1, tzinfo=tz).tzname() or tz.key
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{name}",
            "END:STANDARD",
        ]
    for instant in transitions:
        before = (instant - timedelta(minutes=1)).astimezone(tz)
        after = instant.astimezone(tz)
        offset_from, offset_to = before.utcoffset(), after.utcoffset()
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        local_start = (instant + (offset_from or timedelta())).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{local_start:%Y%m%dT%H%M%S}",
            f"RRULE:{_byday_rule(local_start)}",
            f"TZOFFSETFROM:{_offset(offset_from)}",
            f"TZOFFSETTO:{_offset(offset_to)}",
            f"TZNAME:{after.tzname() or tz.key}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


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
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Product-Tech rituals//Weekly sync//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar_name)}",
        f"X-WR-TIMEZONE:{tz.key}",
        *vtimezone(tz, local.year),
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={tz.key}:{local:%Y%m%dT%H%M%S}",
        f"DURATION:PT{minutes}M",
        f"RRULE:FREQ=WEEKLY;BYDAY={WEEKDAY_CODES[weekday]}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return serialise(lines)


def first_day(created: date, weekday: int) -> date:
    return created + timedelta(days=(weekday - created.weekday()) % 7)
