from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from rituals.leadership import records
from tests.conftest import browser_login
from tests.factories import FeatureFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "leadership"  # noqa: S108 - screenshots to look at


def test_a_reviewed_tech_win_and_the_interview_share_reach_the_dashboards(
    live_server, new_page, org, team, pm, tech_lead, make_member
):
    cpo = make_member("cpo", name="Claire Dupont")
    feature = FeatureFactory(team=team, kind="tech_debt", key="CHK-42", title="CDN for checkout pages")
    win = records.tech_win_create(
        org=org,
        data=records.TechWinInput(
            title="Checkout pages load in 1.2 s",
            metric="Checkout conversion",
            unit="%",
            before=Decimal("2.1"),
            after=Decimal("2.6"),
            period_start=dt.date(2026, 9, 1),
            period_end=dt.date(2026, 10, 31),
            story="Pages load twice as fast since the CDN; more visitors finish their purchase.",
            feature=feature,
        ),
        by=tech_lead,
    )
    records.tech_win_submit(win=win)
    for attendees in ([pm, tech_lead], [pm]):
        records.interview_create(
            org=org,
            data=records.InterviewInput(
                team=team,
                held_on=timezone.localdate(),
                customer="SMB retailers",
                attendees=[records.AttendeeInput(role=m.role, membership=m) for m in attendees],
            ),
            by=pm,
        )

    # The PM shares the tech win from its page.
    page = new_page(viewport=(1920, 1080))
    browser_login(page, live_server, pm)
    page.goto(f"{live_server.url}/rituals/tech-wins/{win.pk}/")
    page.select_option("#id_decision", "share")
    page.click("form[action$='/review/'] button[type=submit]")
    page.locator("[data-testid=win-status]", has_text="Shared").wait_for()

    # The CPO sees it on the leadership dashboard with its business figure, and the interview share.
    page = new_page(viewport=(1920, 1080))
    browser_login(page, live_server, cpo)
    page.goto(f"{live_server.url}/dashboards/")
    panel = page.locator("[data-testid=tech-wins-panel]")
    panel.wait_for()
    text = panel.inner_text()
    assert "Checkout pages load in 1.2 s" in text
    assert "2.1 % → 2.6 %" in text
    panel.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "leadership-panel-1920.png"))
    page.goto(f"{live_server.url}/dashboards/health/")
    shares = page.locator("[data-testid=interview-shares]")
    shares.wait_for()
    row = shares.locator(f"tr[data-team='{team.slug}']")
    assert "50 %" in row.inner_text()
    assert "1/2" in row.inner_text()
    shares.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "interview-share-1920.png"))
    assert not page.csp_errors
