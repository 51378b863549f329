from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from rituals.leadership import reviews
from rituals.leadership.models import ReviewDecision, ReviewRecord
from rituals.models import Ritual
from rituals.syncs import services
from tests.conftest import browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "leadership"  # noqa: S108 - screenshots to look at


@pytest.fixture
def cpo(make_member):
    return make_member("cpo", name="Claire Dupont")


@pytest.fixture
def cto(make_member):
    return make_member("cto", name="Thomas Martin")


@pytest.fixture
def review(org, cpo, cto):
    sync = services.sync_create(
        org=org,
        team=None,
        template=services.template_for(org, Ritual.DECISION_REVIEW),
        facilitator=cpo,
        scheduled_at=timezone.now(),
    )
    for title in ("Move checkout to the payment platform", "Two sprints of debt reduction"):
        reviews.review_decision_add(sync=sync, title=title, product_presenter=cpo, tech_presenter=cto)
    return sync


def share(page, block: str, side: str) -> int | None:
    text = page.locator(f'[data-share-block="{block}"] [data-share-pct="{side}"]').inner_text()
    return None if text.strip() == "–" else int(text.replace("%", "").strip())


def test_cpo_and_cto_track_speaking_time_on_the_shared_screen(live_server, new_page, review, cpo, cto):
    screen = new_page(viewport=(1920, 1080))
    browser_login(screen, live_server, cpo)
    screen.goto(f"{live_server.url}/rituals/syncs/{review.pk}/present/")
    screen.keyboard.press("ArrowRight")  # start: the context
    screen.locator(".present-section-title", has_text="Context").wait_for()
    screen.keyboard.press("ArrowRight")
    screen.locator(".present-section-title", has_text="Move checkout to the payment platform").wait_for()
    assert screen.locator(".speaking-presenters", has_text="Claire Dupont").is_visible()

    # P on the shared screen: product speaks, its share is 100 % and its time counts up live.
    screen.keyboard.press("p")
    screen.locator("[data-speaking-status]", has_text="Product is speaking").wait_for()
    screen.wait_for_timeout(1200)
    assert share(screen, "current", "product") == 100
    first = screen.locator('[data-share-block="current"] [data-share-time="product"]').inner_text()
    screen.wait_for_timeout(1200)
    assert screen.locator('[data-share-block="current"] [data-share-time="product"]').inner_text() != first

    # The CTO marks tech from their laptop; the shared screen follows, and the shares move live.
    laptop = new_page(viewport=(1366, 768))
    browser_login(laptop, live_server, cto)
    laptop.goto(f"{live_server.url}/rituals/syncs/{review.pk}/")
    laptop.click('#sync-live [data-speak="tech"]')
    screen.locator("[data-speaking-status]", has_text="Tech is speaking").wait_for(timeout=2500)
    before = share(screen, "current", "tech") or 0
    screen.wait_for_timeout(1500)
    after = share(screen, "current", "tech") or 0
    assert after > before  # no new mark, the tech share grows on its own

    # T and S keys on the shared screen; the next decision starts with tech still speaking.
    screen.keyboard.press("ArrowRight")
    screen.locator(".present-section-title", has_text="Two sprints of debt reduction").wait_for()
    screen.locator("[data-speaking-status]", has_text="Tech is speaking").wait_for()
    screen.wait_for_timeout(1000)
    screen.keyboard.press("p")
    screen.locator("[data-speaking-status]", has_text="Product is speaking").wait_for()
    screen.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(SHOTS / "speaking-tracker-1920.png"))
    screen.keyboard.press("s")
    screen.locator("[data-speaking-status]", has_text="Nobody is marked as speaking").wait_for()
    assert 0 < share(screen, "meeting", "product") < 100

    # Close: the summary shows each decision's shares and the review's.
    screen.keyboard.press("ArrowRight")
    screen.locator(".present-section-title", has_text="Next steps").wait_for()
    screen.keyboard.press("ArrowRight")
    screen.locator("#close-dialog").wait_for()
    screen.click("#close-dialog button[type=submit]")
    screen.wait_for_url(f"**/rituals/syncs/{review.pk}/summary/")
    table = screen.locator('[data-testid="speaking-summary"]')
    for decision in ReviewDecision.objects.order_by("section__position"):
        row = table.locator(f'tr[data-decision="{decision.pk}"]')
        assert decision.title.lower() in row.inner_text().lower()
        assert "%" in row.inner_text()
        assert decision.product_seconds > 0
        assert decision.tech_seconds > 0
    assert "whole review" in table.inner_text().lower()
    record = ReviewRecord.objects.get(sync=review)
    assert record.product_seconds > 0
    assert record.tech_seconds > 0
    screen.screenshot(path=str(SHOTS / "speaking-summary-1920.png"), full_page=True)
    assert not screen.csp_errors
    assert not laptop.csp_errors
