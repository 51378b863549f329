from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from metrics import services
from tests.conftest import browser_login
from tests.factories import MembershipFactory, UserFactory
from tests.metrics.example_org import LAST_WEEK, import_example

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/dash"))  # noqa: S108 - screenshots to look at
README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


@pytest.fixture
def example_org():
    org = import_example(name="Acme")
    org.teams.filter(slug="team-1").update(name="Checkout")
    org.teams.filter(slug="team-2").update(name="Payments")
    services.org_metrics_refresh(org_id=org.pk)
    return org


def open_dashboard(new_page, live_server, membership, *, size=(1920, 1080), locale="en-GB", query=""):
    page = new_page(viewport=size, locale=locale)
    browser_login(page, live_server, membership)
    page.goto(f"{live_server.url}/dashboards/{query}")
    page.wait_for_selector("[data-figure='fig-time_to_alignment'] .main-svg")
    return page


def test_the_overview_draws_every_metric_and_its_trends(new_page, live_server, example_org):
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = open_dashboard(new_page, live_server, cto, query=f"?window=13w&to={LAST_WEEK}")
    assert page.locator(".metric-card").count() == 14
    assert page.locator(".metric-card .light").count() >= 10
    page.wait_for_selector("[data-figure='fig-multiples'] .main-svg")  # loaded after first paint, no click
    drawn = page.locator("[data-figure] .main-svg")
    assert drawn.count() >= 14  # every card's trend, and the teams' small multiples
    assert page.locator("[data-figure='fig-multiples'] .main-svg").count() >= 1
    assert page.csp_errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "e2e-overview-1920.png"))
    if os.environ.get("UPDATE_README_SCREENSHOT"):  # a test never rewrites tracked files by itself
        shutil.copyfile(SHOTS / "e2e-overview-1920.png", README_SHOT)

    # A filter swaps the numbers in place (htmx) and the address keeps them (a link works).
    page.select_option("#f-window", "week")
    page.wait_for_url("**window=week**")
    page.wait_for_selector("#partial [data-figure] .main-svg")
    assert page.locator("#f-window").input_value() == "week"  # the filters stayed; only #partial changed
    assert page.locator(".dash-scope h1").inner_text().startswith("Acme")
    assert "Week: 2026-W14 to 2026-W14" in page.locator(".dash-scope").inner_text()

    # A number drills down to the records behind it.
    page.select_option("#f-window", "13w")
    page.wait_for_url("**window=13w**")
    page.locator("#metric-lead_time_for_changes .metric-value a").click()
    page.wait_for_selector(".drill-records table")
    assert "Commits shipped by those deployments" in page.content()
    assert page.locator(".drill-records tbody tr").count() > 0


def test_the_team_page_in_french_on_a_laptop(new_page, live_server, example_org):
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = new_page(viewport=(1366, 768), locale="fr-FR")
    browser_login(page, live_server, cto)
    page.click("button[name=language][value=fr]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/dashboards/teams/team-1/?window=13w&to={LAST_WEEK}")
    page.wait_for_selector("[data-figure] .main-svg")
    text = page.locator("main").inner_text()
    assert "Temps d'alignement" in text
    assert "Comment est-ce calculé ?" in text
    assert page.csp_errors == []
    page.screenshot(path=str(SHOTS / "e2e-team-fr-1366.png"), full_page=True)


def test_dora_page_draws_its_bands_and_trends(new_page, live_server, example_org):
    cto = MembershipFactory(org=example_org, role="cto", user=UserFactory(name="Camille CTO"))
    page = new_page(viewport=(1920, 1080))
    browser_login(page, live_server, cto)
    page.goto(f"{live_server.url}/dashboards/dora/?window=13w&to={LAST_WEEK}")
    page.wait_for_selector("[data-figure='fig-deployment_frequency'] .main-svg")
    assert page.locator(".dora-bands tbody tr").count() == 4
    assert page.locator(".metric-card-wide .band").count() >= 3
    assert page.csp_errors == []
    page.screenshot(path=str(SHOTS / "e2e-dora-1920.png"), full_page=True)
