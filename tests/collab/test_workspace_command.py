from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from collab.models import Organisation
from tests.collab.test_workspace_export import example_document, full_document
from tests.collab.test_workspace_import import row_counts
from tests.conftest import subprocess_env
from workspace.roundtrip import differences

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("workspace", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, doc: Any, name: str = "doc.json") -> str:
    target = tmp_path / name
    target.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(target)


def test_import_prints_a_summary(tmp_path: Path) -> None:
    out, _ = run("import", write(tmp_path, example_document()))
    assert Organisation.objects.filter(slug="org-11").exists()
    assert out.splitlines()[0] == "Loaded organisation org-11 (Org 11):"
    assert "  Features: 27" in out.splitlines()
    assert "  Deployments: 38" in out.splitlines()


def test_import_of_a_bad_document_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    doc = full_document()
    doc["features"][0]["team"] = "x"
    doc["pulses"][0]["score"] = 9
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run("import", write(tmp_path, doc))
    assert refused.value.returncode == 1
    assert "2 errors; nothing was loaded" in str(refused.value)
    assert row_counts() == before


def test_errors_go_to_stderr_one_per_line(tmp_path: Path) -> None:
    doc = full_document()
    doc["features"][0]["team"] = "x"
    doc["pulses"][0]["score"] = 9
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("workspace", "import", write(tmp_path, doc), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        'features[0].team: unknown team "x"',
        "pulses[0].score: must be at most 5",
    ]


def test_import_refuses_an_existing_organisation(tmp_path: Path) -> None:
    path = write(tmp_path, full_document())
    run("import", path)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("workspace", "import", path, stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == 'organisation.slug: organisation "every-field" already exists'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": ', "$: invalid JSON at line 1, column 12"),
        ("[1, 2]", "$: must be an object"),
        ("", "$: invalid JSON at line 1, column 1"),
    ],
)
def test_import_of_text_that_is_not_a_document(tmp_path: Path, text: str, expected: str) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("workspace", "import", write(tmp_path, text), stdout=io.StringIO(), stderr=err)
    assert refused.value.returncode == 1
    assert err.getvalue().startswith(expected)


def test_import_of_a_missing_file() -> None:
    with pytest.raises(CommandError, match="Cannot read /nonexistent/doc.json"):
        run("import", "/nonexistent/doc.json")


def test_export_prints_the_document(tmp_path: Path) -> None:
    run("import", write(tmp_path, full_document()))
    out, _ = run("export", "every-field")
    assert out.startswith('{\n "format": "collab-workspace/1",\n "organisation": {\n  "slug": "every-field"')
    assert differences(full_document(), json.loads(out)) == []


def test_export_to_a_file(tmp_path: Path) -> None:
    run("import", write(tmp_path, full_document()))
    target = tmp_path / "out.json"
    run("export", "every-field", "--output", str(target))
    assert differences(full_document(), json.loads(target.read_text(encoding="utf-8"))) == []


def test_export_of_an_unknown_slug_exits_1() -> None:
    with pytest.raises(CommandError, match='No organisation with the slug "nope"') as refused:
        run("export", "nope")
    assert refused.value.returncode == 1


@pytest.mark.django_db
def test_the_real_process_exits_1_with_the_errors_on_stderr(tmp_path: Path) -> None:
    # Through manage.py, as an operator runs it: exit status and streams, not exceptions.
    doc = full_document()
    doc["format"] = "collab-workspace/9"
    doc["teams"][0]["topology"] = "matrix"
    env = subprocess_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "workspace", "import", write(tmp_path, doc)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        'format: must be "collab-workspace/1"',
        "teams[0].topology: must be one of: stream_aligned, platform, enabling, complicated_subsystem",
    ]
    assert "nothing was loaded" in lines[-1]
    assert result.stdout == ""
