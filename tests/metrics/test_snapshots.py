from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from collab.models import Feature, Team
from delivery.models import Deployment
from metrics import services, snapshot_store
from metrics.computations import METRICS, jsonb_text
from metrics.models import MetricSnapshot, RecomputeRun, Watermark
from tests.examples import example_metrics
from tests.factories import OrganisationFactory, TeamFactory
from tests.metrics.example_org import FIRST_WEEK, LAST_WEEK, by_key, import_example, same

pytestmark = pytest.mark.django_db

FIELDS = ("window_end", "value", "numerator", "denominator", "cohort", "extra", "computed_at")


@pytest.fixture
def example_org():
    return import_example()


def state(org):
    return {
        (row[0], row[1], row[2], row[3]): row[4:]
        for row in MetricSnapshot.objects.filter(org=org).values_list(
            "team_id", "metric", "window_kind", "window_start", *FIELDS
        )
    }


def changed_teams(before, after):
    return {key[0] for key in set(before) | set(after) if before.get(key) != after.get(key)}


def deploy(team, *, at, key):
    return Deployment.objects.create(
        org=team.org, team=team, key=key, environment="production", result="success", finished_at=at
    )


def test_org_refresh_writes_every_window_kind_for_every_team_and_the_organisation(example_org):
    report = services.org_metrics_refresh(org_id=example_org.pk)
    last = services.current_week(example_org)
    weeks = services.week_index(last) - services.week_index(report.first_week) + 1
    teams = list(Team.objects.filter(org=example_org))
    assert report.first_week <= FIRST_WEEK
    assert report.last_week == last
    assert MetricSnapshot.objects.filter(org=example_org).count() == (len(teams) + 1) * 14 * 3 * weeks
    for team in [*teams, None]:
        assert (
            MetricSnapshot.objects.filter(
                org=example_org, team=team, window_kind="4w", window_end=last
            ).count()
            == 14
        )


def test_a_thirteen_week_snapshot_holds_the_example_metrics(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    slugs = dict(Team.objects.filter(org=example_org).values_list("id", "slug"))
    rows = MetricSnapshot.objects.filter(org=example_org, window_kind="13w", window_start=FIRST_WEEK)
    got = by_key(
        [
            {
                "metric": row.metric,
                "team": slugs.get(row.team_id),
                "from": row.window_start,
                "to": row.window_end,
                "value": row.value,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "cohort": row.cohort,
                "extra": row.extra,
            }
            for row in rows
        ]
    )
    expected = by_key(example_metrics())
    assert set(got) == set(expected)
    assert [key for key in expected if not same(expected[key], got[key])] == []
    assert {row.window_end for row in rows} == {LAST_WEEK}


def test_a_rerun_on_unchanged_data_changes_nothing(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    report = services.org_metrics_refresh(org_id=example_org.pk)
    assert report.written == 0
    assert state(example_org) == before
    team = Team.objects.get(org=example_org, slug="team-1")
    assert services.team_metrics_refresh(team_id=team.pk).written == 0
    assert state(example_org) == before


def test_a_changed_record_rewrites_its_team_and_the_organisation_only(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    team = Team.objects.get(org=example_org, slug="team-1")
    feature = Feature.objects.filter(team=team, delivered_at__isnull=False).order_by("id").first()
    feature.effort_points = (feature.effort_points or 0) + 3
    feature.save(update_fields=["effort_points"])
    report = services.org_metrics_refresh(org_id=example_org.pk)
    assert changed_teams(before, state(example_org)) == {team.pk, None}
    assert report.teams_written == ["team-1", "organisation"]


def test_a_team_refresh_rewrites_the_windows_containing_the_change_only(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    team = Team.objects.get(org=example_org, slug="team-2")
    deploy(team, at=timezone.now() - timedelta(hours=1), key="fresh")
    report = services.team_metrics_refresh(team_id=team.pk)
    after = state(example_org)
    assert changed_teams(before, after) == {team.pk, None}
    this_week = services.current_week(example_org)
    week = MetricSnapshot.objects.get(
        org=example_org, team=team, metric="deployment_frequency", window_kind="week", window_start=this_week
    )
    assert week.cohort == before[(team.pk, "deployment_frequency", "week", this_week)][4] + 1
    assert week.value >= 1
    # Only this week's windows contain the change: nothing older is computed or written.
    assert report.first_week == report.last_week == this_week
    assert report.results == 2 * len(METRICS) * len(services.WINDOW_KINDS)
    assert {after[k][0] for k in after if before.get(k) != after[k]} == {this_week}


def test_a_back_dated_change_rewrites_the_windows_that_contain_its_week(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    team = Team.objects.get(org=example_org, slug="team-1")
    this_week = services.current_week(example_org)
    week = services.shift_week(this_week, -20)
    deploy(team, at=timezone.now() - timedelta(weeks=20), key="late-entry")
    report = services.team_metrics_refresh(team_id=team.pk)
    assert report.first_week == week
    assert report.last_week == services.shift_week(week, 12)
    after = state(example_org)
    ends = {after[k][0] for k in after if before.get(k) != after[k]}
    assert min(ends) == week
    assert max(ends) <= services.shift_week(week, 12)
    # The same numbers as a recompute of everything.
    services.org_metrics_refresh(org_id=example_org.pk)
    assert {k: v[:-1] for k, v in state(example_org).items()} == {k: v[:-1] for k, v in after.items()}


def test_a_failure_mid_way_rolls_back_that_team_only(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    one, two = (Team.objects.get(org=example_org, slug=slug) for slug in ("team-1", "team-2"))
    at = timezone.now() - timedelta(hours=2)
    deploy(one, at=at, key="one-more")
    deploy(two, at=at, key="two-more")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_snapshot() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'disk full while writing team %', NEW.team_id; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_team_two BEFORE INSERT OR UPDATE ON metrics_metricsnapshot "
            f"FOR EACH ROW WHEN (NEW.team_id = {int(two.pk)}) EXECUTE FUNCTION refuse_snapshot()"
        )
    with pytest.raises(DatabaseError, match="disk full"):
        services.org_metrics_refresh(org_id=example_org.pk)
    after = state(example_org)
    assert changed_teams(before, after) == {one.pk}  # team-2 and the organisation kept their numbers
    run = RecomputeRun.objects.filter(org=example_org).order_by("-started_at").first()
    assert run.finished_at is not None
    assert run.ok is False
    assert "disk full" in run.message


def test_targets_change_the_share_within_target(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    key = {
        "org": example_org,
        "team": None,
        "metric": "time_to_alignment",
        "window_kind": "13w",
        "window_start": FIRST_WEEK,
    }
    share = MetricSnapshot.objects.get(**key).extra["share_within_target"]
    example_org.targets = {"time_to_alignment": 1}
    example_org.save(update_fields=["targets"])
    services.org_metrics_refresh(org_id=example_org.pk)
    assert MetricSnapshot.objects.get(**key).extra["share_within_target"] < share


def test_a_run_is_recorded(example_org):
    report = services.org_metrics_refresh(org_id=example_org.pk)
    run = RecomputeRun.objects.get(org=example_org)
    assert run.ok is True
    assert run.team is None
    assert run.finished_at >= run.started_at
    assert run.message == report.summary()


def test_another_organisation_is_left_alone(example_org):
    other = OrganisationFactory()
    TeamFactory(org=other)
    services.org_metrics_refresh(org_id=other.pk)
    theirs = state(other)
    services.org_metrics_refresh(org_id=example_org.pk)
    assert state(other) == theirs
    assert not MetricSnapshot.objects.filter(org=example_org, team__org=other).exists()


def test_a_team_without_records_gets_empty_snapshots(example_org):
    quiet = TeamFactory(org=example_org, slug="quiet")
    services.org_metrics_refresh(org_id=example_org.pk)
    rows = MetricSnapshot.objects.filter(org=example_org, team=quiet, window_kind="13w", window_end=LAST_WEEK)
    assert rows.count() == 14
    assert {row.metric: row.value for row in rows}["velocity"] is None
    assert {row.metric: row.value for row in rows}["escalations"] == 0


def test_a_full_recompute_removes_windows_outside_the_history(example_org):
    MetricSnapshot.objects.create(
        org=example_org,
        metric="velocity",
        window_kind="week",
        window_start="2001-W01",
        window_end="2001-W01",
        computed_at=timezone.now(),
    )
    report = services.org_metrics_refresh(org_id=example_org.pk)
    assert report.deleted == 1
    assert not MetricSnapshot.objects.filter(org=example_org, window_start="2001-W01").exists()


def test_refreshing_something_gone_does_nothing():
    assert services.team_metrics_refresh(team_id=987654) is None
    assert services.org_metrics_refresh(org_id=987654) is None


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"band": "elite"},
        {"band": None},
        {"share_within_target": 0.6, "median_days": 3.2083333333333335},
        {"by_level": {"1": 4, "2": 0, "3": 2}, "median_hours_to_decision": None},
        {"by_kind": {"tech_debt": 0.1 + 0.2, "bug": 1e-05, "product": 2.0, "platform": 1e16}},
        {"mean_overrun_minutes": {"velocity": 1.5, "delivery": 0.0, "escalation": 123456.789}},
        {"é": 'quote " backslash \\ tab \t', "a": [1, 2.5, None, True]},
    ],
)
def test_jsonb_text_is_the_text_postgresql_prints(example_org, extra):
    row = MetricSnapshot.objects.create(
        org=example_org,
        metric="velocity",
        window_kind="week",
        window_start="2026-W01",
        window_end="2026-W01",
        extra=extra,
        computed_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT extra::text FROM metrics_metricsnapshot WHERE id = %s", [row.pk])
        (text,) = cursor.fetchone()
    assert jsonb_text(extra) == text


def _row(org, **key):
    return MetricSnapshot.objects.get(org=org, team=None, window_kind="4w", window_end=LAST_WEEK, **key)


@pytest.mark.parametrize(
    ("metric", "change"),
    [
        ("velocity", {"value": 99.0}),
        ("velocity", {"numerator": None}),
        ("rework_rate", {"denominator": 1234.0}),
        ("team_pulse", {"cohort": 77}),
        ("time_to_alignment", {"extra": {"share_within_target": 0.5, "median_days": 1.0, "stray": 1}}),
        ("escalations", {"extra": {}}),
        ("deployment_frequency", {"window_end": "2026-W15"}),
    ],
)
def test_a_stored_row_that_differs_in_one_field_is_rewritten(example_org, metric, change):
    services.org_metrics_refresh(org_id=example_org.pk)
    before = state(example_org)
    MetricSnapshot.objects.filter(pk=_row(example_org, metric=metric).pk).update(**change)
    report = services.org_metrics_refresh(org_id=example_org.pk)
    assert report.written == 1
    assert report.teams_written == ["organisation"]
    after = state(example_org)
    assert {key: value[:-1] for key, value in after.items()} == {
        key: value[:-1] for key, value in before.items()
    }


def test_no_value_is_stored_as_null(example_org):
    services.org_metrics_refresh(org_id=example_org.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM metrics_metricsnapshot WHERE org_id = %s "
            "AND 'NaN' IN (value, numerator, denominator)",
            [example_org.pk],
        )
        assert cursor.fetchone()[0] == 0
    empty = MetricSnapshot.objects.filter(org=example_org, cohort=0).exclude(metric="escalations")
    assert empty.exists()
    assert set(empty.values_list("value", flat=True)) == {None}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_stored_rows_are_read_meanwhile_on_a_second_connection():
    org = import_example()
    assert not connection.in_atomic_block
    first = services.org_metrics_refresh(org_id=org.pk)
    assert first.written == MetricSnapshot.objects.filter(org=org).count() > 0
    read = {"org_id": org.pk, "metrics": METRICS, "kinds": list(services.WINDOW_KINDS), "team_id": None}
    later = snapshot_store.stored_later(**read, first=None)
    now = snapshot_store.read_stored(**read, first=None)
    stored = later.result()
    assert len(stored) == len(now) == first.written
    mine, theirs = np.argsort(stored.columns["id"]), np.argsort(now.columns["id"])
    for name, values in now.columns.items():
        nan = values.dtype.kind == "f"
        assert np.array_equal(stored.columns[name][mine], values[theirs], equal_nan=nan), name
    assert stored.extra[mine].tolist() == now.extra[theirs].tolist()
    assert "{}" in stored.extra.tolist()
    before = state(org)
    assert services.org_metrics_refresh(org_id=org.pk).written == 0
    assert state(org) == before
    team = Team.objects.get(org=org, slug="team-1")
    deploy(team, at=timezone.now() - timedelta(hours=1), key="meanwhile")
    assert services.team_metrics_refresh(team_id=team.pk).teams_written == ["team-1", "organisation"]
    assert changed_teams(before, state(org)) == {team.pk, None}


@pytest.mark.django_db(transaction=True)
def test_a_first_recompute_outside_a_transaction_copies_half_its_rows_on_a_second_connection(monkeypatch):
    """Two server processes store a large first recompute; the rows are those one would write."""
    org = import_example()
    apart = []
    copy_apart = snapshot_store._copy_apart

    def spied(text, start):
        apart.append((start, len(text.rows)))
        copy_apart(text, start)

    monkeypatch.setattr(snapshot_store, "WRITE_SLICE_ROWS", 50)  # the example's rows make many slices
    monkeypatch.setattr(snapshot_store, "_copy_apart", spied)
    first = services.org_metrics_refresh(org_id=org.pk)
    assert len(apart) == 1
    assert apart[0] == (first.written // 2, first.written)
    apart_state = {key: value[:-1] for key, value in state(org).items()}  # not computed_at
    assert len(apart_state) == first.written == MetricSnapshot.objects.filter(org=org).count()

    MetricSnapshot.objects.filter(org=org).delete()
    Watermark.objects.filter(org=org).delete()
    monkeypatch.setattr(snapshot_store, "WRITE_SLICE_ROWS", 10**9)  # one slice, one connection
    assert services.org_metrics_refresh(org_id=org.pk).written == first.written
    assert len(apart) == 1
    assert {
        key: value[:-1] for key, value in state(org).items()
    } == apart_state  # as one connection writes them (the example's expected numbers)


@pytest.mark.django_db(transaction=True)
def test_a_first_recompute_whose_second_connection_fails_keeps_no_watermark_and_heals(monkeypatch):
    org = import_example()
    slices = snapshot_store._CopyText.slices

    def failing(self, start, stop):
        if start > 0:
            raise DatabaseError("the second connection dropped")
        return slices(self, start, stop)

    monkeypatch.setattr(snapshot_store, "WRITE_SLICE_ROWS", 50)
    monkeypatch.setattr(snapshot_store._CopyText, "slices", failing)
    with pytest.raises(DatabaseError, match="second connection dropped"):
        services.org_metrics_refresh(org_id=org.pk)
    assert not MetricSnapshot.objects.filter(org=org).exists()  # the first half rolled back with it
    assert not Watermark.objects.filter(org=org).exists()
    run = RecomputeRun.objects.get(org=org)
    assert not run.ok
    assert "second connection dropped" in run.message

    monkeypatch.setattr(snapshot_store._CopyText, "slices", slices)
    report = services.org_metrics_refresh(org_id=org.pk)
    assert report.written == MetricSnapshot.objects.filter(org=org).count() > 0
    assert Watermark.objects.filter(org=org, team__isnull=True).exists()
