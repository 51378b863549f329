from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from django.urls import reverse
from icalendar import Calendar

from rituals.syncs import ics, services
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def unfold(body: str) -> list[str]:
    """RFC 5545 §3.1: CRLF line ends; a line starting with a space or tab continues the previous."""
    assert body.endswith("\r\n")
    physical = body.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line[:1] in (" ", "\t"):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def parse(body: str) -> dict:
    """A small iCalendar reader: nested components with their properties (name, params, value)."""
    root: dict = {"name": "ROOT", "props": [], "children": []}
    stack = [root]
    for line in unfold(body):
        head, _sep, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            component = {"name": value, "props": [], "children": []}
            stack[-1]["children"].append(component)
            stack.append(component)
        elif name == "END":
            assert stack.pop()["name"] == value
        else:
            stack[-1]["props"].append((name, dict(p.split("=", 1) for p in params), value))
    assert len(stack) == 1
    (calendar,) = root["children"]
    return calendar


def prop(component: dict, name: str) -> tuple[dict, str]:
    matches = [(params, value) for n, params, value in component["props"] if n == name]
    assert len(matches) == 1, name
    return matches[0]


@pytest.fixture
def schedule(org, pm):
    team = TeamFactory(
        org=org, name="Équipe Paiements « checkout », très longue pour plier les lignes du calendrier"
    )
    from tests.factories import TeamMemberFactory

    TeamMemberFactory(team=team, membership=pm, role="pm")
    return services.schedule_create(
        org=org,
        team=team,
        weekday=1,
        at=time(10, 30),
        facilitator=pm,
        now=datetime(2026, 3, 2, 8, tzinfo=UTC),
    )


def test_feed_parses_and_recurs_weekly_in_the_organisation_zone(client, schedule):
    response = client.get(reverse("rituals:schedule_feed", args=[schedule.feed_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = parse(response.content.decode("utf-8"))
    assert calendar["name"] == "VCALENDAR"
    assert prop(calendar, "VERSION")[1] == "2.0"
    (tz,) = [c for c in calendar["children"] if c["name"] == "VTIMEZONE"]
    assert prop(tz, "TZID")[1] == "Europe/Paris"
    assert {c["name"] for c in tz["children"]} == {"STANDARD", "DAYLIGHT"}
    (event,) = [c for c in calendar["children"] if c["name"] == "VEVENT"]
    params, start = prop(event, "DTSTART")
    assert params == {"TZID": "Europe/Paris"}
    assert prop(event, "RRULE")[1] == "FREQ=WEEKLY;BYDAY=TU"
    assert prop(event, "DURATION")[1] == "PT45M"
    assert "Équipe Paiements « checkout »" in prop(event, "SUMMARY")[1]
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    first = datetime.strptime(start, "%Y%m%dT%H%M%S").replace(tzinfo=paris)
    occurrences = list(rrulestr(prop(event, "RRULE")[1], dtstart=first).xafter(first, count=40, inc=True))
    # Every Tuesday at 10:30 wall-clock time, across the daylight-saving change of 29 March.
    assert all(o.weekday() == 1 and (o.hour, o.minute) == (10, 30) for o in occurrences)
    offsets = {o.utcoffset() for o in occurrences}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "America/Santiago", "Africa/Casablanca", "Australia/Lord_Howe", "Asia/Tokyo"]
)
def test_the_feed_gives_the_zone_offset_of_every_occurrence(zone):
    tz = zoneinfo.ZoneInfo(zone)
    first = datetime(2026, 12, 7, 10, 0, tzinfo=tz)
    body = ics.weekly_calendar(
        uid="u@test",
        tz=tz,
        first=first,
        minutes=45,
        weekday=0,
        summary="DRIVE",
        description="",
        url="http://testserver/",
        calendar_name="Syncs",
        stamp=datetime(2026, 12, 2, 8, tzinfo=UTC),
    )
    calendar = Calendar.from_ical(body)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    from_feed = vtimezone.to_tz()
    occurrences = [first.replace(tzinfo=None) + timedelta(weeks=i) for i in range(52 * 4)]
    wrong = [
        o for o in occurrences if o.replace(tzinfo=from_feed).utcoffset() != o.replace(tzinfo=tz).utcoffset()
    ]
    assert wrong == []


def test_feed_needs_no_login_but_the_right_token(client, schedule):
    assert client.get(reverse("rituals:schedule_feed", args=["not-the-token"])).status_code == 404
    services.schedule_update(
        schedule=schedule, weekday=1, at=time(10, 30), facilitator=schedule.facilitator, active=False
    )
    assert client.get(reverse("rituals:schedule_feed", args=[schedule.feed_token])).status_code == 404


def test_rotating_the_token_retires_the_old_address(client, schedule):
    old = schedule.feed_token
    services.schedule_rotate_token(schedule=schedule)
    assert client.get(reverse("rituals:schedule_feed", args=[old])).status_code == 404
    assert client.get(reverse("rituals:schedule_feed", args=[schedule.feed_token])).status_code == 200


def test_schedule_prepares_the_next_sync_at_the_wall_clock_time(schedule):
    sync = schedule.syncs.get()
    local = sync.scheduled_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-03-03", 10, 30)
    assert sync.facilitator_id == schedule.facilitator_id


def test_moving_the_schedule_moves_its_prepared_sync(schedule):
    services.schedule_update(
        schedule=schedule,
        weekday=3,
        at=time(9, 0),
        facilitator=schedule.facilitator,
        active=True,
        now=datetime(2026, 3, 2, 8, tzinfo=UTC),
    )
    local = schedule.syncs.get().scheduled_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert (local.date().isoformat(), local.hour) == ("2026-03-05", 9)


def test_one_schedule_per_team_and_ritual(schedule, org, pm):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.schedule_create(org=org, team=schedule.team, weekday=2, at=time(9, 0), facilitator=pm)


def test_schedule_pages_create_and_list_the_feed(org, team, pm, client_for):
    client = client_for(pm)
    response = client.post(
        reverse("rituals:schedule_create"),
        {"team": team.pk, "ritual": "drive", "weekday": "4", "time": "09:30", "facilitator": pm.pk},
    )
    assert response["Location"] == reverse("rituals:schedule_list")
    schedule = team.sync_schedules.get()
    page = client.get(reverse("rituals:schedule_list")).content.decode()
    assert f"webcal://testserver/rituals/feeds/{schedule.feed_token}.ics" in page
    assert schedule.syncs.get().key in page


def test_schedule_facilitator_outside_the_team_is_a_field_error(org, team, pm, make_member, client_for):
    stranger = make_member("pm")
    response = client_for(pm).post(
        reverse("rituals:schedule_create"),
        {"team": team.pk, "ritual": "drive", "weekday": "4", "time": "09:30", "facilitator": stranger.pk},
    )
    assert response.status_code == 200
    assert "facilitator" in response.context["form"].errors


def test_viewers_cannot_schedule(org, team, viewer, client_for):
    assert client_for(viewer).get(reverse("rituals:schedule_create")).status_code == 403
