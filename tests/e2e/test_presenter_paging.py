"""The shared screen pages through more items and decisions than fit, says where it is ("5–8 of
16"), marks cut text with an ellipsis and fades the bottom only when more follows."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from rituals.models import Ritual
from rituals.syncs import services
from tests.conftest import browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "syncs"  # noqa: S108 - screenshots to look at
LONG = "We keep the legacy billing for the two largest customers until the migration ends, " * 6


@pytest.fixture
def crowded(org, team, pm):
    sync = services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, Ritual.DRIVE),
        facilitator=pm,
        scheduled_at=timezone.now(),
        prepare=False,
    )
    services.sync_start(sync=sync)
    section = sync.sections.get(code="delivery")
    for n in range(1, 17):
        services.item_add(sync=sync, section=section, title=f"Item number {n}", author=pm)
    services.decision_add(sync=sync, section=section, text=LONG, author=pm)
    for n in range(2, 13):
        services.decision_add(sync=sync, section=section, text=f"Decision number {n}", author=pm)
    return sync


def visible_titles(page, column: str) -> list[str]:
    return [t.strip() for t in page.locator(f".{column} li:visible").all_inner_texts()]


def fades(page, column: str) -> bool:
    mask = page.locator(f".{column}").evaluate(
        "el => getComputedStyle(el).maskImage || getComputedStyle(el).webkitMaskImage"
    )
    return "gradient" in mask


@pytest.mark.parametrize("viewport", [(1920, 1080), (1280, 720)])
def test_the_facilitator_pages_through_items_and_decisions(live_server, new_page, crowded, pm, viewport):
    screen = new_page(viewport=viewport)
    browser_login(screen, live_server, pm)
    screen.goto(f"{live_server.url}/rituals/syncs/{crowded.pk}/present/")
    status = screen.locator(".present-items [data-pager-status]")
    status.wait_for()
    first_page = visible_titles(screen, "present-items")
    shown = len(first_page)
    assert 1 < shown < 16
    assert first_page[0].startswith("Item number 1")
    assert status.inner_text() == f"1–{shown} of 16"
    assert fades(screen, "present-items")
    assert screen.locator(".present-more").count() == 0  # no badge over the text any more

    # The long decision is cut with an ellipsis (line clamp), not silently.
    clamp = screen.locator(".present-outcomes li").first.locator(".present-clamp")
    assert clamp.evaluate("el => getComputedStyle(el).webkitLineClamp") == "4"
    assert clamp.evaluate("el => el.scrollHeight > el.clientHeight + 1")

    SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(SHOTS / f"presenter-paging-{viewport[0]}.png"))
    screen.keyboard.press("PageDown")
    second_page = visible_titles(screen, "present-items")
    assert second_page[0].startswith(f"Item number {shown + 1}")
    assert re.fullmatch(rf"{shown + 1}(–\d+)? of 16", status.inner_text())
    decisions = screen.locator(".present-outcomes [data-pager-status]")
    assert re.fullmatch(r"\d+(–\d+)? of 12", decisions.inner_text())
    assert "Decision number" in visible_titles(screen, "present-outcomes")[0]

    # The page survives the live polls.
    screen.wait_for_timeout(1500)
    assert visible_titles(screen, "present-items")[0].startswith(f"Item number {shown + 1}")

    for _ in range(10):
        screen.keyboard.press("]")
    assert visible_titles(screen, "present-items")[-1].startswith("Item number 16")
    assert status.inner_text().endswith("of 16")
    assert not fades(screen, "present-items")  # nothing below: no fade

    for _ in range(10):
        screen.keyboard.press("PageUp")
    assert visible_titles(screen, "present-items") == first_page
    assert status.inner_text() == f"1–{shown} of 16"


def test_no_fade_and_no_pager_when_everything_fits(live_server, new_page, org, team, pm):
    sync = services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, Ritual.DRIVE),
        facilitator=pm,
        scheduled_at=timezone.now(),
        prepare=False,
    )
    services.sync_start(sync=sync)
    section = sync.sections.get(code="delivery")
    for n in range(1, 4):
        services.item_add(sync=sync, section=section, title=f"Item number {n}", author=pm)
    screen = new_page(viewport=(1280, 720))
    browser_login(screen, live_server, pm)
    screen.goto(f"{live_server.url}/rituals/syncs/{sync.pk}/present/")
    screen.locator(".present-items li").first.wait_for()
    assert len(visible_titles(screen, "present-items")) == 3
    assert screen.locator(".present-items [data-pager-status]").is_hidden()
    assert not fades(screen, "present-items")
    assert not fades(screen, "present-prompts")
