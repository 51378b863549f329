from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.utils import timezone

from rituals.models import Ritual
from rituals.syncs import services
from tests.conftest import browser_login
from tests.factories import FeatureFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "syncs"  # noqa: S108 - screenshots to look at


@pytest.fixture
def drive(org, team, pm, tech_lead):
    iso = timezone.now().isocalendar()
    FeatureFactory(team=team, title="One-click checkout", planned_week=f"{iso.year}-W{iso.week:02d}")
    return services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, Ritual.DRIVE),
        facilitator=pm,
        scheduled_at=timezone.now(),
    )


def remaining_seconds(page) -> int:
    return int(page.locator("[data-sync-timer]").get_attribute("data-seconds"))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_facilitator_runs_drive_while_a_laptop_adds_an_item(live_server, new_page, drive, pm, tech_lead):
    screen = new_page(viewport=(1920, 1080))
    browser_login(screen, live_server, pm)
    screen.goto(f"{live_server.url}/rituals/syncs/{drive.pk}/present/")
    screen.keyboard.press("ArrowRight")  # start
    screen.locator(".present-section-title", has_text="Delivery status").wait_for()
    assert screen.locator(".present-items", has_text="One-click checkout").is_visible()

    laptop = new_page(viewport=(1366, 768))
    browser_login(laptop, live_server, tech_lead)
    laptop.goto(f"{live_server.url}/rituals/syncs/{drive.pk}/")
    laptop.fill("#id_item-title", "Mobile conversion dropped 2 %")
    laptop.click("#form-item button[type=submit]")
    laptop.locator("#sync-live", has_text="Mobile conversion dropped 2 %").wait_for(timeout=2000)
    added = time.monotonic()
    screen.locator(".present-items", has_text="Mobile conversion dropped 2 %").wait_for(timeout=2000)
    assert time.monotonic() - added < 2
    assert laptop.locator("#id_item-title").input_value() == ""

    # Both screens agree on the time left, within a second.
    screen.wait_for_timeout(1500)
    assert abs(remaining_seconds(screen) - remaining_seconds(laptop)) <= 1
    assert 480 < remaining_seconds(screen) <= 600

    # → moves every screen; space pauses the timer everywhere.
    screen.keyboard.press("ArrowRight")
    screen.locator(".present-section-title", has_text="Roadmap alignment").wait_for()
    laptop.locator(".sync-status", has_text="Section 2 of 5: Roadmap alignment").wait_for(timeout=2000)
    screen.keyboard.press(" ")
    screen.locator(".present-paused").wait_for()
    laptop.locator(".sync-status .pill", has_text="Paused").wait_for(timeout=2000)
    frozen = remaining_seconds(screen)
    screen.wait_for_timeout(1500)
    assert remaining_seconds(screen) == frozen
    assert abs(remaining_seconds(laptop) - frozen) <= 1
    screen.keyboard.press(" ")
    screen.locator(".present-paused").wait_for(state="detached")

    # ? shows the help, Escape hides it.
    screen.keyboard.press("?")
    assert screen.locator("#help-overlay").is_visible()
    shoot(screen, "e2e_help_1920x1080.png")
    screen.keyboard.press("Escape")
    assert screen.locator("#help-overlay").is_hidden()

    # The laptop's keys do not move the sync: it is not the facilitator.
    laptop.goto(f"{live_server.url}/rituals/syncs/{drive.pk}/present/")
    laptop.keyboard.press("ArrowRight")
    laptop.locator("[data-notice]").wait_for()
    assert screen.locator(".present-section-title", has_text="Roadmap alignment").is_visible()

    shoot(screen, "e2e_present_en_1920x1080.png")
    screen.set_viewport_size({"width": 1280, "height": 720})
    shoot(screen, "e2e_present_en_1280x720.png")
    assert not screen.csp_errors
    assert not laptop.csp_errors

    # The last → offers to close; closing leads to the summary.
    for title in ("Issues resolution", "Velocity tracking", "Escalation"):
        screen.keyboard.press("ArrowRight")
        screen.locator(".present-section-title", has_text=title).wait_for()
    screen.keyboard.press("ArrowRight")
    screen.locator("#close-dialog").wait_for()
    screen.click("#close-dialog button[type=submit]")
    screen.wait_for_url(f"**/rituals/syncs/{drive.pk}/summary/")
    assert screen.locator("h2", has_text="Sections: planned and actual").is_visible()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_presenter_reads_in_french_at_both_sizes(live_server, new_page, drive, pm, width, height):
    services.sync_start(sync=drive)
    page = new_page(viewport=(width, height), locale="fr-FR")
    browser_login(page, live_server, pm)
    page.goto(f"{live_server.url}/rituals/syncs/{drive.pk}/present/")
    page.locator(".present-section-title", has_text="État de la livraison").wait_for()
    assert page.locator(".present-prompts", has_text="Fonctionnalités livrées vs planifiées").is_visible()
    # Nothing the shared screen needs is pushed off it.
    for selector in (".timer-big", ".present-steps", ".present-section-title", ".present-foot"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= height
    title_size = page.locator(".present-section-title").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert title_size >= height / 20
    shoot(page, f"e2e_present_fr_{width}x{height}.png")
    assert not page.csp_errors
