from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import browser_login
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_log_in_create_a_team_invite_a_member_and_switch_language(
    new_page, live_server, tmp_path, celery_eager
):
    ops = MembershipFactory(org=OrganisationFactory(name="Acme"), role="product_ops")
    page = new_page(viewport=(1366, 768))
    browser_login(page, live_server, ops)
    assert page.locator("h1").first.inner_text() == "Acme"

    page.goto(f"{live_server.url}/teams/new/")
    page.fill("#id_name", "Checkout")
    page.select_option("#id_topology", "stream_aligned")
    page.click("button[type=submit]:has-text('Create the team')")
    page.wait_for_url(f"{live_server.url}/teams/checkout/")
    assert page.locator("h1").inner_text() == "Checkout"

    invite = page.locator("form[action='/invitations/new/']")
    invite.locator("#id_email").fill("tl@acme.test")
    invite.locator("#id_role").select_option("tech_lead")
    invite.locator("button[type=submit]").click()
    page.wait_for_selector(".message-success")
    assert "Invitation sent to tl@acme.test" in page.locator(".messages").inner_text()
    assert any("tl@acme.test" in m.to for m in mail.outbox)
    link = re.search(r"https?://\S+/invitations/accept/\S+/", mail.outbox[-1].body).group(0)
    assert link.startswith(live_server.url)

    page.click(".lang-switch button[value=fr]")
    page.wait_for_selector("html[lang=fr]")
    assert page.locator(".mainnav").inner_text().split() == [
        "Fonctionnalités",
        "Rituels",
        "Conflits",
        "Expériences",
        "Retours",
        "Lancements",
        "Tableaux",
        "de",
        "bord",
        "Paramètres",
    ]
    page.screenshot(path=tmp_path / "team-fr.png", full_page=True)
    assert page.csp_errors == []
