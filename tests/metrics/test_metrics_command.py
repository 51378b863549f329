from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metrics.models import MetricSnapshot
from tests.examples import example_metrics
from tests.metrics.example_org import EXAMPLE_SLUG, FIRST_WEEK, LAST_WEEK, by_key, import_example, same

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def example_org():
    return import_example()


def test_compute_json_equals_the_example_metrics(example_org):
    got = json.loads(run("compute", "--org", EXAMPLE_SLUG, "--from", FIRST_WEEK, "--to", LAST_WEEK, "--json"))
    expected = by_key(example_metrics())
    got_by_key = by_key(got)
    assert set(got_by_key) == set(expected)
    mismatches = [
        (key, expected[key], got_by_key[key]) for key in expected if not same(expected[key], got_by_key[key])
    ]
    assert mismatches == []


def test_compute_one_team_prints_only_that_team(example_org):
    got = json.loads(
        run(
            "compute",
            "--org",
            EXAMPLE_SLUG,
            "--from",
            FIRST_WEEK,
            "--to",
            LAST_WEEK,
            "--team",
            "team-2",
            "--json",
        )
    )
    expected = {key: result for key, result in by_key(example_metrics()).items() if key[1] == "team-2"}
    assert {result["team"] for result in got} == {"team-2"}
    assert all(same(expected[key], result) for key, result in by_key(got).items())
    assert len(got) == len(expected)


def test_compute_reads_raw_tables_not_snapshots(example_org):
    assert not MetricSnapshot.objects.exists()
    assert json.loads(
        run("compute", "--org", EXAMPLE_SLUG, "--from", FIRST_WEEK, "--to", LAST_WEEK, "--json")
    )


def test_compute_without_json_prints_a_readable_table(example_org):
    text = run("compute", "--org", EXAMPLE_SLUG, "--from", FIRST_WEEK, "--to", LAST_WEEK)
    assert "team-1 · 2026-W02..2026-W14" in text
    assert "organisation · 2026-W02..2026-W14" in text
    assert "Deployment frequency" in text
    assert "{" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--org", "nowhere", "--from", "2026-W02", "--to", "2026-W14"), 'No organisation "nowhere"'),
        (
            ("--org", EXAMPLE_SLUG, "--from", "2026-W02", "--to", "2026-W14", "--team", "ghost"),
            'No team "ghost"',
        ),
        (("--org", EXAMPLE_SLUG, "--from", "2026-W60", "--to", "2026-W14"), "not an ISO week"),
        (("--org", EXAMPLE_SLUG, "--from", "26-W1", "--to", "2026-W14"), "not an ISO week"),
        (
            ("--org", EXAMPLE_SLUG, "--from", "2026-W14", "--to", "2026-W02"),
            "ends (2026-W02) before it starts",
        ),
    ],
)
def test_compute_errors_exit_1_with_a_message(example_org, args, message):
    with pytest.raises(CommandError) as raised:
        run("compute", *args)
    assert raised.value.returncode == 1
    assert message in str(raised.value)


def test_compute_error_goes_to_stderr_with_exit_status_1(example_org, capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(
            ["manage.py", "metrics", "compute", "--org", "nowhere", "--from", "2026-W02", "--to", "2026-W03"]
        )
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert 'No organisation "nowhere"' in captured.err
    assert captured.out == ""


def test_recompute_builds_snapshots_and_says_what_it_did(example_org):
    text = run("recompute", "--org", EXAMPLE_SLUG)
    assert EXAMPLE_SLUG in text
    assert "snapshots written" in text
    assert (
        MetricSnapshot.objects.filter(
            org=example_org, team=None, window_kind="13w", window_end=LAST_WEEK
        ).count()
        == 14
    )
    again = run("recompute", "--org", EXAMPLE_SLUG)
    assert " 0 snapshots written" in again


def test_recompute_unknown_org_fails():
    with pytest.raises(CommandError, match='No organisation "ghost"'):
        run("recompute", "--org", "ghost")
