from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from rituals.models import Ritual
from rituals.syncs import services
from tests.conftest import browser_login
from tests.factories import FeatureFactory, SpecFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "loops"  # noqa: S108 - files to look at


def page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_long_unbroken_title_wraps_instead_of_widening_the_page(live_server, new_page, pm, team):
    word = "Supercalifragilistic" * 15  # 300 characters without a space
    feature = FeatureFactory(team=team, key="CHK-1", title=word, description=word)
    SpecFactory(feature=feature)
    page = new_page(viewport=(WIDTH, 900))
    browser_login(page, live_server, pm)
    for path in ("/features/", f"/features/{feature.key}/", f"/features/{feature.key}/edit/"):
        page.goto(f"{live_server.url}{path}")
        page.get_by_text(word[:40], exact=False).first.wait_for()
        assert page_width(page) <= WIDTH, path
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "long-title-edit.png"))


def printed(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')")


def test_sync_summary_and_dashboards_print_as_a_document(live_server, new_page, org, team, pm):
    sync = services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, Ritual.DRIVE),
        facilitator=pm,
        scheduled_at=timezone.now(),
    )
    page = new_page(viewport=(WIDTH, 900))
    browser_login(page, live_server, pm)
    for path, hidden in (
        (f"/rituals/syncs/{sync.pk}/summary/", (".topbar", ".page-head .actions")),
        ("/dashboards/", (".topbar", "form.filters", ".tabs")),
    ):
        page.emulate_media(media="screen")
        page.goto(f"{live_server.url}{path}")
        page.locator(".card").first.wait_for()
        assert page.locator(".topbar").is_visible()
        assert printed(page, ".card", "box-shadow") != "none"
        page.emulate_media(media="print")
        for selector in hidden:
            assert page.locator(selector).count(), (path, selector)
            assert not page.locator(selector).first.is_visible(), (path, selector)
        assert printed(page, "body", "background-color") == "rgb(255, 255, 255)"
        assert printed(page, "body", "color") == "rgb(0, 0, 0)"
        assert printed(page, ".card", "box-shadow") == "none"
        assert printed(page, ".card", "break-inside") == "avoid"
        page.pdf(path=str(SHOTS / f"print-{path.strip('/').replace('/', '-')}.pdf"))


def test_dropping_a_feature_asks_why_and_shows_the_reason(live_server, new_page, pm, team):
    feature = FeatureFactory(team=team, key="CHK-7", title="Gift cards", status="framing")
    SpecFactory(feature=feature)
    page = new_page(viewport=(WIDTH, 900))
    browser_login(page, live_server, pm)
    page.goto(f"{live_server.url}/features/{feature.key}/")
    page.get_by_role("link", name="Drop…").click()
    page.get_by_role("heading", name="Drop CHK-7?").wait_for()
    page.get_by_role("button", name="Drop the feature").click()
    page.get_by_text("Say why the feature is dropped").first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "drop-asks-why.png"))
    feature.refresh_from_db()
    assert feature.status == "framing"
    page.get_by_label("Why is it dropped?").fill("The payment provider does not support them")
    page.get_by_role("button", name="Drop the feature").click()
    page.wait_for_url(f"{live_server.url}/features/{feature.key}/")
    reason = page.locator(".drop-reason")
    assert "The payment provider does not support them" in reason.inner_text()
    assert pm.user.get_full_name() in reason.inner_text()
    page.screenshot(path=str(SHOTS / "dropped.png"))
    feature.refresh_from_db()
    assert feature.status == "dropped"
