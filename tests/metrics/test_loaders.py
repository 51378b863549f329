from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab.models import Feature, Team
from delivery.models import Deployment, Incident
from metrics.computations import compute_series, compute_window
from metrics.frames import frames_from_workspace
from metrics.loaders import load_frames, load_frames_timed
from rituals.models import Conflict, Escalation, Sync
from tests.examples import example_workspace
from tests.factories import OrganisationFactory, TeamFactory
from tests.metrics.example_org import FIRST_WEEK, LAST_WEEK, by_key, import_example, same

pytestmark = pytest.mark.django_db

TZ = "Europe/Paris"


@pytest.fixture
def example_org():
    return import_example()


def assert_same_results(expected, got):
    expected, got = by_key(expected, windows=True), by_key(got, windows=True)
    assert set(expected) == set(got)
    assert [key for key in expected if not same(expected[key], got[key])] == []


def test_loaded_frames_give_the_workspace_results(example_org):
    from_doc = frames_from_workspace(example_workspace())
    from_db = load_frames(org=example_org)
    for first, last in [(FIRST_WEEK, LAST_WEEK), ("2025-W40", "2026-W30"), ("2026-W10", "2026-W10")]:
        assert_same_results(
            compute_window(from_doc, tz=TZ, first_week=first, last_week=last),
            compute_window(from_db, tz=TZ, first_week=first, last_week=last),
        )


@pytest.mark.parametrize("width", [1, 4, 13])
def test_loaded_frames_give_the_workspace_series(example_org, width):
    from_doc = frames_from_workspace(example_workspace())
    from_db = load_frames(org=example_org)
    kwargs = {"tz": TZ, "first_week": "2026-W01", "last_week": "2026-W40", "window_weeks": width}
    expected, got = compute_series(from_doc, **kwargs), compute_series(from_db, **kwargs)
    assert len(expected) == len(got)
    assert all(same(e, g) for e, g in zip(expected, got, strict=True))


def test_escalations_take_their_conflict_team_else_their_sync_team(example_org):
    frames = load_frames(org=example_org)
    slugs = dict(Escalation.objects.filter(org=example_org).values_list("id", "key"))
    doc = {e["key"]: e for e in example_workspace()["escalations"]}
    conflict_team = {c["key"]: c["team"] for c in example_workspace()["conflicts"]}
    sync_team = {s["key"]: s.get("team") for s in example_workspace()["syncs"]}
    loaded = dict(zip(frames.escalations["escalation"], frames.escalations["team"], strict=True))
    assert len(loaded) == len(doc) > 0
    for pk, team in loaded.items():
        data = doc[slugs[pk]]
        wanted = conflict_team[data["conflict"]] if data.get("conflict") else sync_team.get(data.get("sync"))
        assert team == wanted


def test_escalation_of_an_org_wide_sync_has_no_team(example_org):
    sync = Sync.objects.filter(org=example_org).first()
    sync.team = None
    sync.save(update_fields=["team"])
    escalation = Escalation.objects.filter(org=example_org).first()
    escalation.conflict, escalation.sync = None, sync
    escalation.save(update_fields=["conflict", "sync"])
    frames = load_frames(org=example_org)
    row = frames.escalations[frames.escalations["escalation"] == escalation.pk].iloc[0]
    assert pd.isna(row["team"])


def test_conflict_sessions_are_counted(example_org):
    frames = load_frames(org=example_org)
    counts = dict(zip(frames.conflicts["conflict"], frames.conflicts["sessions"], strict=True))
    for conflict in Conflict.objects.filter(org=example_org).prefetch_related("sessions"):
        assert counts[conflict.pk] == len(conflict.sessions.all())


def test_rows_come_ordered_by_time_then_id(example_org):
    frames = load_frames(org=example_org)
    deployments = frames.deployments
    assert list(zip(deployments["finished_at"], deployments["deployment"], strict=True)) == sorted(
        zip(deployments["finished_at"], deployments["deployment"], strict=True)
    )
    ordered = list(
        Deployment.objects.filter(org=example_org, environment="production", result="success")
        .order_by("finished_at", "id")
        .values_list("id", flat=True)
    )
    assert list(deployments["deployment"]) == ordered


def test_a_tie_between_deployments_links_the_incident_to_the_last_recorded(example_org):
    team = Team.objects.get(org=example_org, slug="team-1")
    base = (
        Deployment.objects.filter(team=team, environment="production", result="success")
        .order_by("finished_at")
        .last()
    )
    at = base.finished_at
    first = Deployment.objects.create(
        org=example_org, team=team, key="tie-a", environment="production", result="success", finished_at=at
    )
    second = Deployment.objects.create(
        org=example_org, team=team, key="tie-b", environment="production", result="success", finished_at=at
    )
    Incident.objects.create(org=example_org, team=team, key="tie-i", title="Tie", started_at=at)
    week = f"{at.isocalendar()[0]}-W{at.isocalendar()[1]:02d}"
    result = {
        r["metric"]: r
        for r in compute_window(
            load_frames(org=example_org), tz=TZ, first_week=week, last_week=week, teams=["team-1"]
        )
    }
    doc = example_workspace()
    for key in ("tie-a", "tie-b"):
        doc["deployments"].append(
            {
                "key": key,
                "team": "team-1",
                "environment": "production",
                "result": "success",
                "finished_at": at.isoformat(),
                "commits": [],
                "features": [],
            }
        )
    doc["incidents"].append({"key": "tie-i", "team": "team-1", "title": "Tie", "started_at": at.isoformat()})
    expected = {
        r["metric"]: r
        for r in compute_window(
            frames_from_workspace(doc), tz=TZ, first_week=week, last_week=week, teams=["team-1"]
        )
    }
    assert same(expected["change_failure_rate"], result["change_failure_rate"])
    assert first.pk < second.pk


@pytest.mark.parametrize("since", ["2026-W02", "2026-W06", "2026-W13", "2026-W20"])
def test_a_load_since_a_week_gives_the_same_results_from_that_week(example_org, since):
    everything = load_frames(org=example_org)
    bounded = load_frames_timed(org=example_org, since=since)
    assert bounded.rows < load_frames_timed(org=example_org).rows
    for width in (1, 4, 13):
        kwargs = {"tz": TZ, "first_week": since, "last_week": "2026-W40", "window_weeks": width}
        # Windows wholly from `since` on: the first one ends width - 1 weeks later.
        from metrics.services import shift_week

        kwargs["first_week"] = shift_week(since, width - 1)
        assert_same_results(compute_series(everything, **kwargs), compute_series(bounded.frames, **kwargs))


def test_a_team_load_gives_that_teams_results(example_org):
    team = Team.objects.get(org=example_org, slug="team-2")
    expected = compute_window(
        load_frames(org=example_org), tz=TZ, first_week=FIRST_WEEK, last_week=LAST_WEEK, teams=["team-2"]
    )
    got = compute_window(
        load_frames(org=example_org, team=team),
        tz=TZ,
        first_week=FIRST_WEEK,
        last_week=LAST_WEEK,
        teams=["team-2"],
    )
    assert_same_results(expected, got)


def test_an_incident_of_another_team_blaming_this_teams_deployment_is_loaded_with_the_team(example_org):
    one, two = (
        Team.objects.get(org=example_org, slug="team-1"),
        Team.objects.get(org=example_org, slug="team-2"),
    )
    deployment = Deployment.objects.filter(team=two, environment="production", result="success").first()
    incident = Incident.objects.create(
        org=example_org,
        team=one,
        key="cross",
        title="Cross",
        started_at=deployment.finished_at,
        deployment=deployment,
    )
    frames = load_frames(org=example_org, team=two)
    assert incident.pk in set(frames.incidents["incident"])


def test_the_load_is_a_fixed_number_of_queries_whatever_the_size(example_org):
    empty = OrganisationFactory()
    TeamFactory(org=empty)
    with CaptureQueriesContext(connection) as small:
        load_frames(org=empty)
    with CaptureQueriesContext(connection) as big:
        load_frames(org=example_org)
    team = Team.objects.filter(org=example_org).first()
    with CaptureQueriesContext(connection) as bounded:
        load_frames(org=example_org, team=team, since="2026-W05")
    assert len(small) == len(big) == len(bounded) == 12


def test_another_organisations_rows_are_not_loaded(example_org):
    other = OrganisationFactory()
    other_team = TeamFactory(org=other)
    Feature.objects.create(
        org=other, team=other_team, key="X-1", title="Elsewhere", delivered_at="2026-03-03T10:00:00+00:00"
    )
    frames = load_frames(org=example_org)
    assert other_team.slug not in frames.teams()
    assert len(frames.features) == len(example_workspace()["features"])


def test_the_first_week_is_the_earliest_record(example_org):
    assert load_frames_timed(org=example_org).first_week <= FIRST_WEEK
    assert load_frames_timed(org=OrganisationFactory()).first_week is None


def test_the_loader_does_not_import_pandas():
    tree = ast.parse(Path("metrics/loaders.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name and name.split(".")[0] in {"pandas", "numpy"}}
