"""Recomputes follow the change: the change log, the week digests, the nightly catch-up."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from collab.models import Team
from delivery.models import Deployment
from metrics import services, watermarks
from metrics.computations.digests import changed_weeks
from metrics.models import MetricSnapshot, RecordChange, Watermark
from metrics.receivers import refresh_later
from tests.metrics.example_org import import_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def example_org():
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    RecordChange.objects.filter(org=org).delete()  # the import's own change, taken in above
    return org


def numbers(org):
    return {
        (row[0], row[1], row[2], row[3]): row[4:]
        for row in MetricSnapshot.objects.filter(org=org).values_list(
            "team_id",
            "metric",
            "window_kind",
            "window_start",
            "window_end",
            "value",
            "numerator",
            "denominator",
            "cohort",
            "extra",
        )
    }


def deploy(team, *, at, key):
    return Deployment.objects.create(
        org=team.org, team=team, key=key, environment="production", result="success", finished_at=at
    )


def test_the_nightly_catch_up_with_nothing_changed_loads_nothing_and_writes_nothing(example_org):
    before = numbers(example_org)
    report = services.org_metrics_catch_up(org_id=example_org.pk)
    assert (report.rows_loaded, report.results, report.written, report.deleted) == (0, 0, 0, 0)
    assert numbers(example_org) == before


def test_an_announced_change_is_logged_and_the_catch_up_takes_it_in(example_org, monkeypatch):
    monkeypatch.setattr(services, "team_metrics_refresh_later", lambda **kwargs: None)  # its job is lost
    team = Team.objects.get(org=example_org, slug="team-2")
    deploy(team, at=timezone.now() - timedelta(hours=1), key="lost-job")
    refresh_later(sender=Deployment, org_id=None, team_id=team.pk)
    assert list(RecordChange.objects.filter(org=example_org).values_list("team_id", flat=True)) == [team.pk]
    report = services.org_metrics_catch_up(org_id=example_org.pk)
    assert report.teams_written == ["team-2", "organisation"]
    assert not RecordChange.objects.filter(org=example_org).exists()
    caught_up = numbers(example_org)
    services.org_metrics_refresh(org_id=example_org.pk)
    assert numbers(example_org) == caught_up  # what a full recompute finds
    assert services.org_metrics_catch_up(org_id=example_org.pk).written == 0


def test_a_change_of_the_whole_organisation_makes_the_catch_up_a_full_recompute(example_org):
    refresh_later(sender=object, org_id=example_org.pk, team_id=None)
    report = services.org_metrics_catch_up(org_id=example_org.pk)
    assert report.scope == "organisation"
    assert report.groups == Team.objects.filter(org=example_org).count() + 1
    assert not RecordChange.objects.filter(org=example_org).exists()


def test_changed_targets_make_the_catch_up_a_full_recompute(example_org):
    example_org.targets = {"time_to_alignment": 1}
    example_org.save(update_fields=["targets"])
    report = services.org_metrics_catch_up(org_id=example_org.pk)
    assert report.scope == "organisation"
    assert report.written > 0


def test_a_new_week_is_computed_for_every_team_by_the_catch_up(example_org):
    this_week = services.current_week(example_org)
    full = numbers(example_org)
    # As if the last recompute ran last week: this week's windows were never written.
    MetricSnapshot.objects.filter(org=example_org, window_end=this_week).delete()
    Watermark.objects.filter(org=example_org, team__isnull=True).update(
        last_week=services.shift_week(this_week, -1)
    )
    report = services.org_metrics_catch_up(org_id=example_org.pk)
    assert report.first_week == report.last_week == this_week
    assert set(report.teams_written) == {"team-1", "team-2", "organisation"}
    assert numbers(example_org) == full
    assert Watermark.objects.get(org=example_org, team__isnull=True).last_week == this_week


def test_a_team_refresh_with_nothing_changed_writes_nothing(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    before = numbers(example_org)
    report = services.team_metrics_refresh(team_id=team.pk)
    assert (report.results, report.written) == (0, 0)
    assert numbers(example_org) == before


def test_a_change_before_the_first_week_computed_makes_a_full_recompute(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    first = Watermark.objects.get(org=example_org, team__isnull=True).first_week
    deploy(team, at=timezone.now() - timedelta(weeks=200), key="archaeology")
    report = services.team_metrics_refresh(team_id=team.pk)
    assert report.scope == "organisation"
    assert report.first_week < first
    assert Watermark.objects.get(org=example_org, team__isnull=True).first_week == report.first_week


def test_a_full_recompute_is_due_weekly(example_org):
    Watermark.objects.filter(org=example_org, team__isnull=True).update(
        full_at=timezone.now() - services.FULL_EVERY - timedelta(minutes=1)
    )
    assert services.org_metrics_catch_up(org_id=example_org.pk).scope == "organisation"
    assert services.org_metrics_catch_up(org_id=example_org.pk).scope == "organisation, changes"


def test_week_digests_differ_exactly_where_records_moved():
    before = (np.array([3, 5, 9]), np.array([11, 12, 13], dtype="uint64"))
    after = (np.array([3, 6, 9]), np.array([11, 14, 99], dtype="uint64"))
    assert changed_weeks(before, after).tolist() == [5, 6, 9]
    assert changed_weeks(None, after).tolist() == [3, 6, 9]
    assert changed_weeks(after, after).tolist() == []


def test_the_change_log_is_per_organisation(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    watermarks.change_record(org_id=None, team_id=team.pk)
    upto = watermarks.change_log_end(example_org)
    assert watermarks.pending(example_org, upto=upto) == watermarks.Pending(frozenset({team.pk}), False)
    watermarks.taken_in(example_org, upto=upto, team=team)
    assert watermarks.pending(example_org, upto=upto) == watermarks.Pending(frozenset(), False)
