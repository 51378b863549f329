"""A newcomer signs up, confirms their e-mail and creates their first team, in a browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from collab.models import Membership, Organisation, Team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_and_create_the_first_team(new_page, live_server, celery_eager, tmp_path):
    page = new_page(viewport=(1366, 900))
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("a[href='/accounts/signup/']")
    page.wait_for_url(f"{live_server.url}/accounts/signup/")

    page.fill("#id_name", "Ada Lovelace")
    page.fill("#id_email", "ada@acme.test")
    page.fill("#id_password", "short")
    page.fill("#id_org_name", "Acme Robots")
    page.fill("#id_time_zone", "Europe/Paris")
    page.click("main button[type=submit]")
    assert "This password is too short" in page.locator("#id_password_error").inner_text()
    assert not Organisation.objects.exists()

    page.fill("#id_password", "an analytical engine 1843")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/signup/pending/")
    assert page.locator("h1").inner_text() == "Check your inbox"
    page.goto(f"{live_server.url}/teams/")
    page.wait_for_url(f"{live_server.url}/accounts/signup/pending/")

    link = re.search(r"https?://\S+/accounts/signup/verify/\?t=\S+", mail.outbox[-1].body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").first.inner_text() == "Acme Robots"
    steps = page.locator("#onboarding")
    assert steps.locator("[data-step=teams]").get_attribute("data-done") == "no"

    steps.locator("[data-step=teams] a").click()
    page.wait_for_url(f"{live_server.url}/teams/new/")
    page.fill("#id_name", "Checkout")
    page.select_option("#id_topology", "platform")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/teams/checkout/")

    page.goto(f"{live_server.url}/")
    assert page.locator("#onboarding [data-step=teams]").get_attribute("data-done") == "yes"
    page.screenshot(path=tmp_path / "first-steps.png", full_page=True)
    org = Organisation.objects.get(slug="acme-robots")
    assert Team.objects.get(org=org).topology == "platform"
    assert Membership.objects.get(org=org).role == "ceo"

    page.click("#onboarding button[type=submit]")
    page.wait_for_selector(".message-success")
    assert page.locator("#onboarding").count() == 0
    assert page.csp_errors == []
