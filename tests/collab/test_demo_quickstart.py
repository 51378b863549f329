"""`make demo`: the children's output goes to log files, and the welcome ends with the logins,
each saying which team's sync that person facilitates."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from workspace.demo_stack import Stack
from workspace.management.commands.demo import Command, load_demo_organisation

pytestmark = pytest.mark.django_db


def test_the_childrens_output_goes_to_a_log_file_not_the_terminal(tmp_path: Path, capfd) -> None:
    stack = Stack(log_dir=tmp_path / "logs")
    stack._spawn(
        "worker", ["-c", "print('celery banner'); import sys; print('boom', file=sys.stderr)"], False
    )
    stack.procs["worker"].wait(timeout=20)
    stack.stop()
    assert (tmp_path / "logs" / "worker.log").read_text().split() == ["celery", "banner", "boom"]
    assert "celery banner" not in capfd.readouterr().out


def test_the_welcome_ends_with_the_logins_and_who_facilitates_which_sync(tmp_path: Path) -> None:
    org = load_demo_organisation()
    out = io.StringIO()
    command = Command(stdout=out)
    command._print_welcome(Stack(port=8080, log_dir=tmp_path), org)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert "http://127.0.0.1:8080/" in lines[0]
    start = next(i for i, line in enumerate(lines) if line.startswith("Demo logins"))
    logins = lines[start:]
    assert all("@acme.test" in line for line in logins[1:] if not line.startswith("The other"))
    (checkout_pm,) = [line for line in logins if "pm.checkout@acme.test" in line]
    assert "facilitates Checkout's DRIVE weekly Product–Tech sync (Tuesdays 10:00)" in checkout_pm
    others = logins[logins.index("The other teams' syncs are facilitated by:") :]
    assert any("facilitates Growth's DRIVE" in line for line in others)
    assert any("facilitates Platform's DRIVE" in line for line in others)
    assert lines[-1] == logins[-1]  # nothing after the logins
