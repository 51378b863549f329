"""PIVOT on screen: an empty Value step says what is missing (not "Saved."), working the steps
shows the day's working session as recorded automatically, the facilitator corrects it, and the
89 % benchmark is explained in plain words."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import browser_login
from tests.rituals.factories import ConflictFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "pivot"  # noqa: S108 - files to look at


def test_working_pivot_in_the_app(live_server: Any, new_page: Any, team: Any, pm: Any) -> None:
    conflict = ConflictFactory(
        team=team, title="Release date or migration?", opened_at=timezone.now() - timedelta(days=3)
    )
    page = new_page(viewport=(1366, 900))
    browser_login(page, live_server, pm)
    base = f"{live_server.url}/conflicts/{conflict.pk}"

    page.goto(f"{base}/value/")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/value/")
    alert = page.locator(".errorlist.nonfield").inner_text()
    assert "Nothing to save yet: list the alternatives on the table" in alert
    assert page.locator(".message", has_text="Saved.").count() == 0

    page.fill("#id_title_0", "Ship on legacy")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    status = page.locator(".messages").inner_text()
    assert "Still missing" in status
    assert "second alternative" in status

    page.goto(f"{base}/")
    sessions = page.locator("#sessions")
    assert sessions.locator(".session-automatic").count() == 1
    assert "about 9 in 10" in sessions.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sessions-automatic.png"), full_page=True)

    sessions.get_by_role("link", name="Correct").click()
    page.fill("#id_notes", "Call with the CTO")
    page.get_by_role("button", name="Save the session").click()
    page.wait_for_url(f"{base}/#sessions")
    assert page.locator("#sessions .session-automatic").count() == 0
    assert "Call with the CTO" in page.locator("#sessions").inner_text()

    page.goto(f"{live_server.url}/conflicts/")
    assert "about 9 are settled at the first meeting" in page.locator(".benchmark").inner_text()
    assert page.csp_errors == []
