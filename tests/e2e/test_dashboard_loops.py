"""Issue 13, dashboards on screen: the team table fits a laptop, open escalations and their age."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metrics import services
from tests.conftest import browser_login
from tests.factories import MembershipFactory, UserFactory
from tests.metrics.example_org import LAST_WEEK, import_example

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/dash"))  # noqa: S108 - screenshots to look at
OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def example_org():
    org = import_example(name="Acme")
    services.org_metrics_refresh(org_id=org.pk)
    return org


@pytest.mark.parametrize("path", ["", "dora/", "health/"])
def test_the_team_table_fits_a_laptop_screen(new_page, live_server, example_org, path):
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = new_page(viewport=(1280, 720), locale="en-GB")
    browser_login(page, live_server, cto)
    page.goto(f"{live_server.url}/dashboards/{path}?window=13w&to={LAST_WEEK}")
    page.wait_for_selector(".team-table")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(OVERFLOW), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    # Every column can be reached: the table scrolls inside its own box, the team names stay put.
    wrap = page.locator(".team-table-wrap")
    box = wrap.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1280
    last = page.locator(".team-table thead th").last
    last.scroll_into_view_if_needed()
    last_box = last.bounding_box()
    assert last_box is not None
    assert last_box["x"] + last_box["width"] <= 1280 + 1
    assert page.locator(".team-table-wrap").evaluate("el => el.scrollLeft") > 0 or last_box["x"] > 0
    for cell in (page.locator(".team-table thead th").first, page.locator(".team-table tbody th").first):
        cell_box = cell.bounding_box()  # the team names stay in view while the columns scroll
        assert cell_box is not None
        assert cell_box["x"] >= box["x"] - 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-team-table-{path.strip('/') or 'overview'}-1280.png"))
