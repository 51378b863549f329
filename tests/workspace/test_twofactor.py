"""Two-factor authentication: enrolment with a confirming code, the code step after the password,
recovery codes, the rate limit on codes, and an organisation that requires it."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collab.models import AuditEvent
from tests.conftest import PASSWORD
from workspace.models import SignInPolicy
from workspace.sso import SSO_SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_device_throttle(settings: Any) -> None:
    """django-otp makes a device wait after each wrong code (1 s, 2 s, 4 s…); these tests try a
    wrong code and then the right one at once. Our own per-person limit stays on."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrol(client: Any) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/account/security/two-factor/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    device = TOTPDevice.objects.get(confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert secret.replace(" ", "") in device.config_url
    wrong = client.post(
        "/account/security/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "This code is not right" in wrong.content.decode()
    done = client.post("/account/security/two-factor/", {"code": code_for(device)})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.content.decode())
    device.refresh_from_db()
    return device, codes


def password_step(client: Any, email: str) -> Any:
    return client.post("/accounts/login/", {"username": email, "password": PASSWORD})


def test_enrolment_needs_a_code_and_shows_recovery_codes_once(client_for, pm):
    client = client_for(pm)
    device, codes = enrol(client)
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=pm.user).values_list("token", flat=True))
    assert len(stored) == 10
    assert stored.isdisjoint(codes)
    assert stored.isdisjoint(c.replace("-", "") for c in codes)
    page = client.get("/account/security/").content.decode()
    assert 'data-enabled="yes"' in page
    assert codes[0] not in page


def test_the_password_is_followed_by_a_code(client_for, client, pm):
    device, codes = enrol(client_for(pm))
    client.logout()
    response = password_step(client, pm.user.email)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/"
    assert client.get("/settings/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/login/code/", {"code": "12345"})
    assert "This code is not right" in wrong.content.decode()
    done = client.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert client.get("/settings/").status_code == 200

    # A recovery code works once.
    client.logout()
    password_step(client, pm.user.email)
    assert client.post("/accounts/login/code/", {"code": codes[3].upper()}).status_code == 302
    assert client.get("/settings/").status_code == 200
    client.logout()
    password_step(client, pm.user.email)
    again = client.post("/accounts/login/code/", {"code": codes[3]})
    assert again.status_code == 200
    assert client.get("/settings/").status_code == 302


def test_code_attempts_are_rate_limited(client_for, client, pm, settings):
    from django.core.cache import cache
    from django.test import Client

    settings.RATELIMIT_TWO_FACTOR = "3/5m"
    device, _codes = enrol(client_for(pm))
    cache.clear()  # the enrolment's wrong code counted too
    client.logout()
    password_step(client, pm.user.email)
    for _ in range(3):
        assert client.post("/accounts/login/code/", {"code": "999999"}).status_code == 200
    limited = client.post("/accounts/login/code/", {"code": "999999"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    # Counted per person: another browser is held too, even with the right code.
    other = Client()
    password_step(other, pm.user.email)
    held = other.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert held.status_code == 429
    assert other.get("/settings/").status_code == 302


def test_an_organisation_can_require_two_factor(client_for, make_member, org):
    manager = make_member("cto")
    client = client_for(manager)
    form = {"default_role": "engineer", "require_two_factor": "on"}
    refused = client.post("/settings/sign-in/", form)
    assert "Turn on two-factor authentication for yourself first" in refused.content.decode()
    enrol(client)
    assert client.post("/settings/sign-in/", form).status_code == 302
    assert SignInPolicy.objects.get(org=org).require_two_factor
    event = AuditEvent.objects.get(org=org, action="two_factor_policy_changed")
    assert event.details == {"fields": ["require_two_factor"]}

    # A member without it is sent to enrolment, whatever page they ask for, until enrolled.
    member = make_member("pm")
    member_client = client_for(member)
    response = member_client.get("/teams/")
    assert response.status_code == 302
    assert response["Location"] == "/account/security/two-factor/?next=/teams/"
    assert member_client.get("/settings/").status_code == 302
    member_client.get("/account/security/two-factor/?next=/teams/")
    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    done = member_client.post("/account/security/two-factor/", {"code": code_for(device), "next": "/teams/"})
    assert 'href="/teams/"' in done.content.decode()
    assert member_client.get("/teams/").status_code == 200
    # …and cannot turn it off while the organisation requires it.
    device.refresh_from_db()
    member_client.post("/account/security/two-factor/off/", {"code": code_for(device, steps_ahead=1)})
    assert TOTPDevice.objects.filter(user=member.user, confirmed=True).exists()


def test_sso_sign_ins_are_exempt_only_when_the_provider_enforces_mfa(client_for, make_member, org):
    SignInPolicy.objects.create(
        org=org,
        sso_enabled=True,
        issuer="https://idp.test",
        client_id="c",
        client_secret_encrypted=b"x",
        allowed_domains=["acme.test"],
        require_two_factor=True,
    )
    member = make_member("pm")
    client = client_for(member)
    session = client.session
    session[SSO_SESSION_KEY] = org.pk
    session.save()
    assert client.get("/teams/").status_code == 302
    policy = SignInPolicy.objects.get(org=org)
    policy.idp_enforces_mfa = True
    policy.save()  # as the settings page saves it: the cached policy is forgotten
    assert client.get("/teams/").status_code == 200
    # A password session of the same person is not exempt.
    other = client_for(member)
    session = other.session
    session.pop(SSO_SESSION_KEY, None)
    session.save()
    assert other.get("/teams/").status_code == 302


def test_turning_it_off_needs_a_code(client_for, pm):
    client = client_for(pm)
    device, _codes = enrol(client)
    client.post("/account/security/two-factor/off/", {"code": "000001"})
    assert TOTPDevice.objects.filter(user=pm.user).exists()
    client.post("/account/security/two-factor/off/", {"code": code_for(device, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=pm.user).exists()
    assert not StaticToken.objects.filter(device__user=pm.user).exists()


def test_a_session_without_a_verified_code_confirms_one_when_the_organisation_starts_requiring_it(
    client_for, make_member, org
):
    member = make_member("pm")
    client = client_for(member)
    device, _codes = enrol(client)
    SignInPolicy.objects.create(org=org, require_two_factor=True)
    # A session without a verified code (one opened before the requirement, say).
    other = client_for(member)
    session = other.session
    session.pop("otp_device_id", None)
    session.save()
    response = other.get("/teams/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/?next=/teams/"
    page = other.get(response["Location"])
    assert page.status_code == 200
    done = other.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1), "next": "/teams/"})
    assert done["Location"] == "/teams/"
    assert other.get("/teams/").status_code == 200


def test_the_organisation_knows_whether_its_policy_has_rules(org):
    """Requests of an organisation without sign-in rules skip the policy lookup altogether."""
    policy = SignInPolicy.objects.create(org=org, sso_enabled=False)
    org.refresh_from_db()
    assert org.sign_in_rules is False
    policy.require_two_factor = True
    policy.save()
    org.refresh_from_db()
    assert org.sign_in_rules is True
    policy.delete()
    org.refresh_from_db()
    assert org.sign_in_rules is False
