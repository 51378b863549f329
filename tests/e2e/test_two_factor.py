"""A person turns two-factor authentication on in a browser (QR code, secret, confirming code,
recovery codes), then signs in with their password and a code the test computes from the secret."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP

from collab.models import Organisation
from tests.conftest import PASSWORD, browser_login
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def totp_code(secret: str, *, at: float) -> str:
    """What an authenticator app shows for the base32 `secret` at time `at`."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = at
    return f"{totp.token():06d}"


def test_turn_two_factor_on_then_sign_in_with_a_code(new_page, live_server, tmp_path):
    member = MembershipFactory(
        org=OrganisationFactory(name="Acme"), role="cto", user__email="grace@acme.test"
    )
    page = new_page(viewport=(1280, 900))
    browser_login(page, live_server, member)

    page.click("details.menu summary")
    page.click("a:has-text('Security and two-factor')")
    page.wait_for_url(f"{live_server.url}/account/security/")
    assert page.locator("#two-factor").get_attribute("data-enabled") == "no"
    page.click("#two-factor-on")
    page.wait_for_url(f"{live_server.url}/account/security/two-factor/")
    assert page.locator("#totp-qr svg").count() == 1
    secret = page.locator("#totp-secret").inner_text()
    page.screenshot(path=tmp_path / "two-factor-enrol.png", full_page=True)

    page.fill("#id_code", "000000" if totp_code(secret, at=time.time()) != "000000" else "111111")
    page.click("main form button[type=submit]")
    assert "This code is not right" in page.locator("#id_code_error").inner_text()
    time.sleep(1.1)  # django-otp makes a device wait a second after a wrong code
    page.fill("#id_code", totp_code(secret, at=time.time()))
    page.click("main form button[type=submit]")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.click("a:has-text('I have saved them')")
    page.wait_for_url(f"{live_server.url}/account/security/")
    assert page.locator("#two-factor").get_attribute("data-enabled") == "yes"
    assert page.csp_errors == []

    page.click("details.menu summary")
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "grace@acme.test")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/login/code/")
    page.goto(f"{live_server.url}/settings/")  # not in yet
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/settings/")
    page.goto(f"{live_server.url}/accounts/login/code/")
    # The enrolment used this period's code, and a code is never accepted twice: the app's next one.
    page.fill("#id_code", totp_code(secret, at=time.time() + 30))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").first.inner_text() == "Acme"
    assert Organisation.objects.count() == 1
