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


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_escalations_waiting_and_a_team_page_on_screen(new_page, live_server, example_org, size):
    from datetime import timedelta

    from django.utils import timezone

    from rituals.models import Conflict, Escalation

    team = example_org.teams.order_by("slug").first()
    opened = timezone.now() - timedelta(days=12, hours=2)
    conflict = Conflict.objects.create(
        org=example_org, team=team, key="C-77", title="Refunds", category="scope", opened_at=opened
    )
    Escalation.objects.create(
        org=example_org, key="E-77", level=2, title="Refund policy", opened_at=opened, conflict=conflict
    )
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = new_page(viewport=size, locale="en-GB")
    browser_login(page, live_server, cto)
    page.goto(f"{live_server.url}/dashboards/escalations/?window=13w&to={LAST_WEEK}")
    waiting = page.locator(".open-escalations")
    text = waiting.inner_text()
    assert "2 open escalations · the oldest, E-4, has waited" in text  # the example's own, older
    assert "12 days" in text
    assert waiting.is_visible()
    assert page.evaluate(OVERFLOW)
    waiting.locator("a", has_text="Refund policy").click()
    page.wait_for_url("**/escalations/*/")
    assert "Refund policy" in page.content()
    page.go_back()
    page.wait_for_selector(".open-escalations")
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-escalations-{size[0]}.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboards/teams/{team.slug}/?window=13w&to={LAST_WEEK}")
    page.wait_for_selector("[data-figure] .main-svg")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(OVERFLOW)
    page.screenshot(path=str(SHOTS / f"e2e-team-{size[0]}.png"), full_page=True)


def test_a_manager_gives_a_team_its_own_target_on_screen(new_page, live_server, example_org):
    team = example_org.teams.order_by("slug").first()
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = new_page(viewport=(1280, 720), locale="en-GB")
    browser_login(page, live_server, cto)
    page.goto(f"{live_server.url}/dashboards/targets/")
    page.select_option("#t-team", team.slug)
    page.click(".targets-scope button")
    page.wait_for_url(f"**team={team.slug}**")
    assert page.locator("#id_time_to_restore").get_attribute("placeholder") == "1"  # the organisation's
    page.fill("#id_time_to_restore", "48")
    page.click(".targets-form button[type=submit]")
    page.wait_for_selector(".messages, [role=status], .alert", state="attached")
    assert page.locator("#id_time_to_restore").input_value() == "48"
    assert "own targets" in page.locator("#t-team").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "e2e-team-targets-1280.png"))
    page.goto(f"{live_server.url}/dashboards/teams/{team.slug}/?window=13w&to={LAST_WEEK}")
    card = page.locator("#metric-time_to_restore")
    assert "< 48 h" in card.inner_text().replace("\xa0", " ")
