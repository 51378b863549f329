"""A change that says how far back it can move the metrics (`since`): the team's refresh computes
the windows from that week on without comparing the team's history, with the numbers a full
recompute finds — including a deployment that takes an incident over from the one before it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from collab.models import Team
from collab.weeks import week_of
from delivery.api import services as api_services
from delivery.api.validation import DeploymentData
from delivery.changes import DEPLOYMENT_RECORDS, deployments_since
from delivery.models import Deployment, Incident
from metrics import services, watermarks
from metrics.models import RecordChange, Watermark
from tests.factories import TeamFactory
from tests.metrics.example_org import import_example
from tests.metrics.test_incremental import numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet(monkeypatch):
    """A team of the example organisation with no records, the snapshots computed."""
    monkeypatch.setattr(services, "team_metrics_refresh_later", lambda **kwargs: None)
    monkeypatch.setattr(services, "org_metrics_refresh_later", lambda **kwargs: None)
    org = import_example()
    team = TeamFactory(org=org, slug="quiet", name="Quiet")
    services.org_metrics_refresh(org_id=org.pk)
    RecordChange.objects.filter(org=org).delete()
    return team


def deploy(team, *, at, key):
    return Deployment.objects.create(
        org=team.org, team=team, key=key, environment="production", result="success", finished_at=at
    )


def announce(team, *, since=None, records=None):
    watermarks.change_record(org_id=team.org_id, team_id=team.pk, since=since, records=records)


def announce_deployment(deployment):
    announce(
        deployment.team,
        since=deployments_since(
            team_id=deployment.team_id, finishes=[deployment.finished_at], exclude=[deployment.pk]
        ),
        records=DEPLOYMENT_RECORDS,
    )


def full_numbers(org):
    """What a full recompute finds (it writes what differs, so the snapshots then hold it)."""
    services.org_metrics_refresh(org_id=org.pk)
    return numbers(org)


def with_incident_on_earlier_deployment(team):
    """Deployment A 20 days ago, an incident 2 days ago naming none (it counts against A)."""
    now = timezone.now()
    a = deploy(team, at=now - timedelta(days=20), key="quiet-a")
    announce_deployment(a)
    services.team_metrics_refresh(team_id=team.pk)
    Incident.objects.create(
        org=team.org,
        team=team,
        key="quiet-incident",
        title="Checkout down",
        started_at=now - timedelta(days=2),
        resolved_at=now - timedelta(days=1),
    )
    announce(team)  # an incident says nothing: the team's history is compared
    services.team_metrics_refresh(team_id=team.pk)
    return a


def test_a_deployment_between_an_earlier_one_and_an_incident_is_recomputed_from_the_earlier_week(quiet):
    a = with_incident_on_earlier_deployment(quiet)
    b = deploy(quiet, at=timezone.now() - timedelta(days=5), key="quiet-b")
    announce_deployment(b)
    assert RecordChange.objects.get(team=quiet).since == a.finished_at  # the incident moves off A

    report = services.team_metrics_refresh(team_id=quiet.pk)
    assert report.scope == "quiet"
    assert report.first_week == week_of(a.finished_at, quiet.org.time_zone)
    assert report.teams_written == ["quiet", "organisation"]
    assert not RecordChange.objects.filter(team=quiet).exists()
    refreshed = numbers(quiet.org)
    assert full_numbers(quiet.org) == refreshed


def test_recomputing_only_from_the_new_deployments_week_would_miss_the_incident_leaving_the_earlier_one(
    quiet,
):
    """Why `since` reaches back to the deployment before: from B's own week, A's weeks keep its
    failure."""
    with_incident_on_earlier_deployment(quiet)
    b = deploy(quiet, at=timezone.now() - timedelta(days=5), key="quiet-b")
    announce(quiet, since=b.finished_at)
    services.team_metrics_refresh(team_id=quiet.pk)
    assert numbers(quiet.org) != full_numbers(quiet.org)


def test_weeks_recomputed_from_a_since_are_compared_again_at_the_next_change(quiet):
    """After a refresh from `since`, the team's digests of those weeks are unknown: removing the
    deployment again (a change that says nothing) is found and recomputed."""
    with_incident_on_earlier_deployment(quiet)
    before_b = numbers(quiet.org)
    b = deploy(quiet, at=timezone.now() - timedelta(days=5), key="quiet-b")
    announce_deployment(b)
    services.team_metrics_refresh(team_id=quiet.pk)
    assert numbers(quiet.org) != before_b
    b.delete()
    announce(quiet)
    report = services.team_metrics_refresh(team_id=quiet.pk)
    assert report.written > 0
    after = numbers(quiet.org)
    assert {k: v[:-1] for k, v in after.items()} == {k: v[:-1] for k, v in before_b.items()}
    assert full_numbers(quiet.org) == after


def test_a_change_that_says_nothing_among_those_waiting_makes_the_team_compare_its_history(quiet):
    now = timezone.now()
    announce(quiet, since=now, records=DEPLOYMENT_RECORDS)
    announce(quiet)
    upto = watermarks.change_log_end(quiet.org)
    assert watermarks.pending_reach(quiet.org, team=quiet, upto=upto) is None
    RecordChange.objects.filter(team=quiet, since__isnull=True).delete()
    reach = watermarks.pending_reach(quiet.org, team=quiet, upto=upto)
    assert (reach.since, reach.records) == (now, {"deployments", "commits"})


def test_the_records_of_every_change_waiting_are_taken_together(quiet):
    earlier = timezone.now() - timedelta(days=3)
    announce(quiet, since=timezone.now(), records=DEPLOYMENT_RECORDS)
    announce(quiet, since=earlier, records=("incidents",))
    upto = watermarks.change_log_end(quiet.org)
    reach = watermarks.pending_reach(quiet.org, team=quiet, upto=upto)
    assert (reach.since, reach.records) == (earlier, {"deployments", "commits", "incidents"})
    announce(quiet, since=timezone.now())  # a since without records: any metric may move
    assert (
        watermarks.pending_reach(quiet.org, team=quiet, upto=watermarks.change_log_end(quiet.org)).records
        is None
    )


def test_a_deployment_recomputes_only_the_metrics_reading_deployments(quiet):
    before = numbers(quiet.org)
    deployment = deploy(quiet, at=timezone.now() - timedelta(hours=2), key="quiet-now")
    announce_deployment(deployment)
    report = services.team_metrics_refresh(team_id=quiet.pk)
    # 2 groups (the team, the organisation) × 3 metrics × 3 widths, windows ending this week.
    assert report.results == 2 * 3 * 3
    after = numbers(quiet.org)
    moved = {
        key[1] for key in set(before) | set(after) if before.get(key, ())[:-1] != after.get(key, ())[:-1]
    }
    assert moved <= {"deployment_frequency", "lead_time_for_changes", "change_failure_rate"}
    assert "deployment_frequency" in moved
    assert full_numbers(quiet.org) == after


def test_a_deployment_in_a_later_week_than_computed_only_forgets_that_week(quiet):
    later = deploy(quiet, at=timezone.now() + timedelta(days=8), key="quiet-future")
    announce_deployment(later)
    report = services.team_metrics_refresh(team_id=quiet.pk)
    assert (report.results, report.written) == (0, 0)
    assert not RecordChange.objects.filter(team=quiet).exists()
    mark = Watermark.objects.get(team=quiet)
    assert watermarks.UNKNOWN.tobytes() in bytes(mark.digests)  # the next week compares it anew


def test_a_deployment_recorded_through_the_api_says_from_when_it_counts(
    quiet, django_capture_on_commit_callbacks
):
    earlier = deploy(quiet, at=timezone.now() - timedelta(days=3), key="quiet-earlier")
    finished = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        api_services.deployment_record(
            org=quiet.org,
            data=DeploymentData(
                key="quiet-api",
                team="quiet",
                environment="production",
                result="success",
                finished_at=finished,
            ),
        )
    assert list(RecordChange.objects.filter(team=quiet).values_list("since", flat=True)) == [
        earlier.finished_at
    ]


def test_a_deployment_moved_by_a_later_status_says_from_its_former_finish(
    quiet, django_capture_on_commit_callbacks
):
    from delivery.records import deployment_upsert

    first_finish = timezone.now() - timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        deployment_upsert(
            org=quiet.org,
            team=quiet,
            key="gh-1",
            environment="production",
            result="success",
            finished_at=first_finish,
            source="github",
        )
        deployment_upsert(
            org=quiet.org,
            team=quiet,
            key="gh-1",
            environment="production",
            result="failure",
            finished_at=timezone.now(),
            source="github",
        )
    assert list(RecordChange.objects.filter(team=quiet).order_by("id").values_list("since", flat=True)) == [
        first_finish,
        first_finish,
    ]
    services.team_metrics_refresh(team_id=quiet.pk)
    refreshed = numbers(quiet.org)
    assert full_numbers(quiet.org) == refreshed


def test_every_team_keeps_its_own_since(quiet):
    other = Team.objects.get(org=quiet.org, slug="team-1")
    announce(other, since=timezone.now() - timedelta(days=100))
    announce(quiet, since=timezone.now())
    upto = watermarks.change_log_end(quiet.org)
    assert watermarks.pending_reach(quiet.org, team=quiet, upto=upto).since > timezone.now() - timedelta(
        minutes=1
    )


def test_an_incident_opened_counts_from_the_deployment_it_falls_on(quiet, django_capture_on_commit_callbacks):
    from delivery.records import incident_open, incident_resolve

    a = deploy(quiet, at=timezone.now() - timedelta(days=20), key="quiet-a")
    announce_deployment(a)
    services.team_metrics_refresh(team_id=quiet.pk)
    with django_capture_on_commit_callbacks(execute=True):
        incident_open(
            org=quiet.org,
            team=quiet,
            key="pd-1",
            title="Checkout down",
            started_at=timezone.now() - timedelta(days=2),
            source="pagerduty",
        )
    assert list(RecordChange.objects.filter(team=quiet).values_list("since", "records")) == [
        (a.finished_at, "incidents")
    ]
    report = services.team_metrics_refresh(team_id=quiet.pk)
    assert report.first_week == week_of(a.finished_at, quiet.org.time_zone)
    assert report.results % (2 * 3 * 3) == 0  # frequency, change failure rate, time to restore
    opened = numbers(quiet.org)
    assert full_numbers(quiet.org) == opened

    resolved_at = timezone.now() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        incident_resolve(org=quiet.org, key="pd-1", resolved_at=resolved_at)
    assert list(RecordChange.objects.filter(team=quiet).values_list("since", "records")) == [
        (resolved_at, "incidents")
    ]
    services.team_metrics_refresh(team_id=quiet.pk)
    resolved = numbers(quiet.org)
    assert resolved != opened
    assert full_numbers(quiet.org) == resolved


def test_an_incident_recorded_through_the_api_says_from_when_it_counts(
    quiet, django_capture_on_commit_callbacks
):
    from delivery.api.validation import IncidentData

    named = deploy(quiet, at=timezone.now() - timedelta(days=30), key="quiet-named")
    with django_capture_on_commit_callbacks(execute=True):
        api_services.incident_record(
            org=quiet.org,
            data=IncidentData(
                key="quiet-api-incident",
                team="quiet",
                title="Slow search",
                started_at=timezone.now() - timedelta(days=3),
                resolved_at=timezone.now() - timedelta(days=2),
                deployment="quiet-named",
            ),
        )
    assert list(RecordChange.objects.filter(team=quiet).values_list("since", "records")) == [
        (named.finished_at, "incidents")
    ]
    services.team_metrics_refresh(team_id=quiet.pk)
    refreshed = numbers(quiet.org)
    assert full_numbers(quiet.org) == refreshed


def test_a_pull_request_recorded_moves_no_stored_metric_but_a_new_run(
    quiet, django_capture_on_commit_callbacks
):
    from delivery.records import PullRequestData, pull_request_upsert
    from metrics.models import RecomputeRun

    before, digests = numbers(quiet.org), bytes(Watermark.objects.get(team=quiet).digests)
    runs = RecomputeRun.objects.filter(org=quiet.org).count()
    merged = timezone.now() - timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        pull_request_upsert(
            org=quiet.org,
            team=quiet,
            data=PullRequestData(
                repository="acme/shop",
                number=7,
                title="Faster checkout",
                url="https://github.com/acme/shop/pull/7",
                opened_at=merged - timedelta(days=1),
                merged_at=merged,
                first_commit_at=None,
                merge_commit_sha="b" * 40,
            ),
            source="github",
        )
    assert list(RecordChange.objects.filter(team=quiet).values_list("since", "records")) == [
        (merged - timedelta(days=1), "pull_requests")
    ]
    report = services.team_metrics_refresh(team_id=quiet.pk)
    assert (report.scope, report.rows_loaded, report.results, report.written) == ("quiet", 0, 0, 0)
    assert not RecordChange.objects.filter(team=quiet).exists()
    assert numbers(quiet.org) == before
    assert bytes(Watermark.objects.get(team=quiet).digests) == digests  # nothing to compare again
    assert RecomputeRun.objects.filter(org=quiet.org).count() == runs + 1  # the pages' cache moves on
