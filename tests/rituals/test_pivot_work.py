"""PIVOT in the app: an empty Value step says what is missing; working the steps records the day's
working session by itself (people can correct it); the 89 % benchmark is explained in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from rituals.conflicts import services
from rituals.models import ConflictSession
from tests.rituals.factories import ConflictFactory

pytestmark = pytest.mark.django_db


def _step(client, conflict, step, data):
    return client.post(reverse("rituals:conflict_step", args=[conflict.pk, step]), data)


def test_an_empty_value_step_says_what_is_missing_and_saves_nothing(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = _step(client_for(pm), conflict, "value", {"title_0": "", "impact_0": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing to save yet: list the alternatives on the table" in page
    assert "Saved." not in [str(m) for m in get_messages(response.wsgi_request)]
    assert not conflict.sessions.exists()


def test_a_half_done_value_step_is_saved_and_says_what_is_still_missing(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    response = _step(client_for(pm), conflict, "value", {"title_0": "Ship on legacy", "impact_0": ""})
    assert response.url.endswith("/value/")  # stays on the step
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Saved. Still missing:")
    assert "Add a second alternative" in message
    assert "quantified impact of “Ship on legacy”" in message
    conflict.refresh_from_db()
    assert conflict.options == [{"title": "Ship on legacy", "impact": "", "chosen": False}]


def test_working_the_five_steps_in_a_day_is_one_working_session_and_allows_resolving(client_for, pm, team):
    conflict = ConflictFactory(team=team, opened_at=timezone.now() - timedelta(days=2))
    client = client_for(pm)
    _step(client, conflict, "pause", {"facts": "June 1st promised"})
    (session,) = conflict.sessions.all()
    assert (session.automatic, session.step) == (True, "pause")
    _step(client, conflict, "identify", {"business_needs": "b", "technical_constraints": "t"})
    _step(
        client,
        conflict,
        "value",
        {"title_0": "Legacy", "impact_0": "+2 weeks", "title_1": "Wait", "impact_1": "-40k€"},
    )
    _step(client, conflict, "options", {"choice": "0"})
    _step(client, conflict, "test", {"success_criteria": "Live by June"})
    (session,) = conflict.sessions.all()
    assert session.step == "test"

    response = client.post(reverse("rituals:conflict_resolve", args=[conflict.pk]), {"resolution": "Legacy."})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None  # no separate "record a working session" needed


def test_another_day_is_another_session_and_a_session_already_recorded_that_day_counts(team):
    conflict = ConflictFactory(team=team, opened_at=datetime(2026, 3, 1, 8, tzinfo=UTC))
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    manual = services.conflict_session_record(conflict=conflict, held_at=monday, step="pause")
    assert (
        services.conflict_work_record(conflict=conflict, step="identify", now=monday + timedelta(hours=2))
        == manual
    )
    services.conflict_work_record(conflict=conflict, step="value", now=monday + timedelta(days=1))
    assert [(s.step, s.automatic) for s in conflict.sessions.all()] == [("identify", False), ("value", True)]
    # The day is the organisation's (Paris): 23:30 UTC on Tuesday is already Wednesday there.
    services.conflict_work_record(
        conflict=conflict, step="test", now=monday + timedelta(days=1, hours=14, minutes=30)
    )
    assert conflict.sessions.count() == 3


def test_people_correct_an_automatic_session(client_for, pm, team, viewer):
    conflict = ConflictFactory(team=team, opened_at=timezone.now() - timedelta(days=5))
    client = client_for(pm)
    _step(client, conflict, "pause", {"facts": "June 1st promised"})
    session = conflict.sessions.get()
    detail = client.get(reverse("rituals:conflict_detail", args=[conflict.pk])).content.decode()
    assert "recorded automatically" in detail
    edit = reverse("rituals:conflict_session_edit", args=[conflict.pk, session.pk])
    assert edit in detail
    assert "The app recorded this session" in client.get(edit).content.decode()

    held = (timezone.localtime() - timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        edit, {"held_at": held.strftime("%Y-%m-%dT%H:%M"), "step": "identify", "notes": "Call"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.held_at, session.step, session.notes, session.automatic) == (
        held,
        "identify",
        "Call",
        False,
    )

    delete = reverse("rituals:conflict_session_delete", args=[conflict.pk, session.pk])
    assert client_for(viewer).post(delete).status_code == 403
    assert client_for(pm).post(delete).status_code == 302
    assert not ConflictSession.objects.filter(pk=session.pk).exists()


def test_a_session_of_another_organisations_conflict_is_not_found(client_for, pm, team):
    other = ConflictFactory()
    session = services.conflict_session_record(conflict=other, held_at=timezone.now(), step="pause")
    url = reverse("rituals:conflict_session_edit", args=[other.pk, session.pk])
    assert client_for(pm).get(url).status_code == 404


def test_the_benchmark_is_explained_in_plain_words(client_for, pm, team):
    conflict = ConflictFactory(team=team)
    listing = client_for(pm).get(reverse("rituals:conflict_list")).content.decode()
    assert "In plain words: out of 10 conflicts worked through the five steps, about 9 are settled" in listing
    detail = client_for(pm).get(reverse("rituals:conflict_detail", args=[conflict.pk])).content.decode()
    assert "89 % of conflicts — about 9 in 10 — are settled in their first working session" in detail
