from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import respx
from django.utils import timezone

from collab.weeks import shift_week
from integrations.models_notices import NoticeSend
from integrations.notices import compose, services
from metrics.models import MetricSnapshot
from tests.factories import OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T0001/B0001/digestdigestdigest"
TEAMS = "https://contoso.webhook.office.com/webhookb2/digest/IncomingWebhook/1/2"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "moment", "due"),
    [
        # Paris in winter (UTC+1): Monday 9:00 is 8:00 UTC.
        ("Europe/Paris", utc(2026, 12, 7, 8, 0), True),
        ("Europe/Paris", utc(2026, 12, 7, 8, 59), True),
        ("Europe/Paris", utc(2026, 12, 7, 7, 59), False),
        ("Europe/Paris", utc(2026, 12, 7, 9, 0), False),
        # Paris in summer (UTC+2), before and after the clocks change.
        ("Europe/Paris", utc(2026, 10, 19, 7, 0), True),
        ("Europe/Paris", utc(2026, 10, 26, 7, 0), False),
        ("Europe/Paris", utc(2026, 10, 26, 8, 0), True),
        ("Europe/Paris", utc(2026, 3, 30, 7, 15), True),
        # New York's clocks change three weeks before Paris's.
        ("America/New_York", utc(2026, 3, 2, 14, 0), True),
        ("America/New_York", utc(2026, 3, 9, 13, 0), True),
        ("America/New_York", utc(2026, 3, 9, 14, 0), False),
        ("Europe/Paris", utc(2026, 3, 9, 8, 0), True),
        # Half-hour offsets, and a Monday that starts on Sunday in UTC.
        ("Asia/Kolkata", utc(2026, 12, 7, 3, 30), True),
        ("Asia/Kolkata", utc(2026, 12, 7, 3, 15), False),
        ("Pacific/Auckland", utc(2026, 12, 6, 20, 0), True),
        ("Pacific/Auckland", utc(2026, 12, 7, 20, 0), False),
    ],
)
def test_the_digest_is_due_on_monday_at_nine_local_time(zone, moment, due):
    assert services.digest_due(OrganisationFactory(time_zone=zone), moment) is due


def test_a_week_of_beat_runs_sends_each_organisation_one_digest_at_its_own_nine(
    celery_eager, django_capture_on_commit_callbacks
):
    paris = OrganisationFactory(time_zone="Europe/Paris")
    new_york = OrganisationFactory(time_zone="America/New_York")
    quiet = OrganisationFactory(time_zone="Europe/Paris")
    services.channel_create(org=paris, provider="slack", name="p", url=SLACK, notices=["weekly_digest"])
    services.channel_create(org=new_york, provider="teams", name="n", url=TEAMS, notices=["weekly_digest"])
    services.channel_create(
        org=quiet, provider="slack", name="q", url=SLACK + "x", notices=["escalation_opened"]
    )
    served: dict[int, list[datetime]] = {}
    with respx.mock() as mock:
        slack = mock.post(SLACK).respond(200, text="ok")
        teams = mock.post(TEAMS).respond(200, text="1")
        # Every 15 minutes from Sunday 8 March to Tuesday 10 March 2026 (New York's clocks change
        # on the Sunday), twice at each tick as a beat redelivering would.
        moment = utc(2026, 3, 8, 0, 0)
        while moment < utc(2026, 3, 11, 0, 0):
            with django_capture_on_commit_callbacks(execute=True):
                for _ in range(2):
                    for org_id in services.digests_send(now=moment):
                        served.setdefault(org_id, []).append(moment)
            moment += timedelta(minutes=15)
    assert served == {paris.pk: [utc(2026, 3, 9, 8, 0)], new_york.pk: [utc(2026, 3, 9, 13, 0)]}
    assert (slack.call_count, teams.call_count) == (1, 1)
    assert json.loads(slack.calls.last.request.content)["text"] == f"Weekly digest · {paris.name} · 2026-W10"
    assert NoticeSend.objects.get(channel__org=paris).key == "weekly_digest:2026-W11"


def snapshot(org, metric, end, value, team=None):
    MetricSnapshot.objects.create(
        org=org,
        team=team,
        metric=metric,
        window_kind="4w",
        window_start=shift_week(end, -3),  # four weeks ending `end`, as the engine writes them
        window_end=end,
        value=value,
        cohort=3,
        computed_at=timezone.now(),
    )


@pytest.fixture
def numbers(org):
    snapshot(org, "rework_rate", "2026-W49", 0.10)
    snapshot(org, "rework_rate", "2026-W48", 0.25)
    snapshot(org, "first_time_acceptance", "2026-W49", 0.5)
    snapshot(org, "first_time_acceptance", "2026-W48", 0.95)
    snapshot(org, "deployment_frequency", "2026-W49", 7.0)
    snapshot(org, "deployment_frequency", "2026-W48", 7.0)
    snapshot(org, "velocity", "2026-W49", 12.0)
    # Not the organisation's numbers: a team's, another organisation's, another window.
    snapshot(org, "velocity", "2026-W49", 99.0, team=TeamFactory(org=org))
    snapshot(OrganisationFactory(), "team_pulse", "2026-W49", 1.0)
    MetricSnapshot.objects.create(
        org=org,
        metric="team_pulse",
        window_kind="week",
        window_start="2026-W49",
        window_end="2026-W49",
        value=1.0,
        computed_at=timezone.now(),
    )


def test_the_digest_shows_each_metric_against_its_target_and_what_changed(org, numbers):
    message = compose.digest(org, week="2026-W49")
    assert message.title == f"Weekly digest · {org.name} · 2026-W49"
    assert message.text == "2 of 3 metrics on target over the 4 weeks ending 2026-W49."
    assert message.facts == [
        ("✅ Rework rate", "10\xa0% · target < 15\xa0% · ↓ from 25\xa0% · back on target"),
        ("❌ First-time acceptance", "50\xa0% · target > 90\xa0% · ↓ from 95\xa0% · off target"),
        ("· Velocity", "12\xa0pts/week · read as a trend · new"),
        ("✅ Deployment frequency", "7\xa0days/week · target ≥ 5\xa0days/week · unchanged"),
    ]
    labels = [label for label, _ in message.links]
    assert labels == ["Open the dashboards", "Health", "DORA", "Escalations"]
    assert message.links[0][1].endswith("/dashboards/?window=4w&to=2026-W49")


def test_the_digest_reads_in_the_organisations_language(
    celery_eager, django_capture_on_commit_callbacks, org, numbers
):
    org.language = "fr"
    org.save(update_fields=["language"])
    services.channel_create(org=org, provider="teams", name="Direction", url=TEAMS, notices=["weekly_digest"])
    with respx.mock() as mock:
        route = mock.post(TEAMS).respond(200, text="1")
        with django_capture_on_commit_callbacks(execute=True):
            services.digests_send(now=utc(2026, 12, 7, 8, 5))
    card = json.loads(route.calls.last.request.content)["attachments"][0]["content"]
    assert card["body"][0]["text"] == f"Synthèse de la semaine · {org.name} · 2026-W49"
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert facts["✅ Taux de reprise"].startswith("10\xa0% · cible < 15\xa0% · ↓ depuis 25\xa0%")
    assert "de nouveau dans la cible" in facts["✅ Taux de reprise"]
    assert card["actions"][0]["title"] == "Ouvrir les tableaux de bord"


def test_a_digest_without_numbers_says_so(org):
    message = compose.digest(org, week="2026-W49")
    assert message.facts == []
    assert message.text == "No numbers yet for the weeks ending 2026-W49: the metrics have not been computed."
