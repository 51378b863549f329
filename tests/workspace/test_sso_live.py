"""Single sign-on against a real OpenID provider (django-oidc-provider) served by the live server:
the full code flow with a real HTTP client — "Sign in with SSO", authorize, the provider's login,
the code, token and userinfo requests our backend makes, and our callback."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from collab.models import AuditEvent, Membership, User
from integrations import crypto
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.workspace import oidc_provider_support
from workspace.models import SignInPolicy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.workspace.oidc_provider_support"),
]

CLIENT_ID = "rituals-app"
CLIENT_SECRET = "a client secret from the provider"  # noqa: S105


class Stack:
    def __init__(self, app: str, idp: str) -> None:
        self.app, self.idp = app, idp
        self.issuer = f"{idp}/openid"


@pytest.fixture
def stack(live_server: Any, settings: Any) -> Any:
    from oidc_provider.models import Client, ResponseType, RSAKey

    app = live_server.url
    port = urlsplit(app).port
    idp = f"http://127.0.0.1:{port}"
    settings.SITE_URL = idp  # the provider's issuer and endpoints
    settings.OIDC_LOGIN_URL = "/idp/login/"
    settings.OIDC_USERINFO = "tests.workspace.oidc_provider_support.userinfo"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    RSAKey.objects.create(
        key=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
    )
    client = Client.objects.create(
        name="Rituals",
        client_type="confidential",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=True,
        _redirect_uris=f"{app}/accounts/sso/callback/",
        _scope="openid email profile",
    )
    code, _ = ResponseType.objects.get_or_create(
        value="code", defaults={"description": "code (Authorization Code Flow)"}
    )
    client.response_types.add(code)
    oidc_provider_support.VOUCHED_EMAILS.clear()
    yield Stack(app, idp)
    oidc_provider_support.VOUCHED_EMAILS.clear()


def idp_account(email: str, vouched: str, name: str = "") -> User:
    """An account at the provider (the provider has its own users) vouching for `vouched`."""
    oidc_provider_support.VOUCHED_EMAILS[email] = vouched
    return UserFactory(email=email, name=name or vouched.split("@")[0].title())


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sso_sign_in(
    stack: Stack, *, who: str, idp_email: str, tamper_state: bool = False
) -> tuple[httpx.Client, httpx.Response]:
    """Drive the browser's part: returns the client (its cookies) and the last response."""
    http = httpx.Client(timeout=30)
    login = http.get(f"{stack.app}/accounts/login/")
    assert 'href="/accounts/sso/"' in login.text
    form = http.get(f"{stack.app}/accounts/sso/")
    response = http.post(
        f"{stack.app}/accounts/sso/", data={"who": who, "csrfmiddlewaretoken": csrf(form.text)}
    )
    for _ in range(12):
        if response.status_code not in (301, 302, 303):
            break
        location = str(response.headers["location"])
        url = location if location.startswith("http") else str(response.url.join(location))
        if url.startswith(f"{stack.idp}/idp/login/"):
            page = http.get(url)
            assert page.status_code == 200
            response = http.post(
                url,
                data={
                    "username": idp_email,
                    "password": PASSWORD,
                    "next": parse_qs(urlsplit(url).query)["next"][0],
                    "csrfmiddlewaretoken": csrf(page.text),
                },
            )
            continue
        if url.startswith(f"{stack.app}/accounts/sso/callback/") and tamper_state:
            parts = urlsplit(url)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            assert query["code"]
            assert query["state"]
            query["state"] = query["state"][:-4] + "abcd"
            url = urlunsplit(parts._replace(query=urlencode(query)))
        response = http.get(url)
    return http, response


def configure(stack: Stack, manager: Membership, client: Any, **extra: Any) -> None:
    """A manager fills Settings › Single sign-on (discovery is fetched from the live provider)."""
    client.force_login(manager.user, backend="django.contrib.auth.backends.ModelBackend")
    data = {
        "sso_enabled": "on",
        "issuer": stack.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": "acme.test, acme-robots.test",
        "default_role": "designer",
        **extra,
    }
    response = client.post("/settings/sign-in/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def acme() -> Any:
    org = OrganisationFactory(slug="acme", name="Acme Robots")
    return MembershipFactory(org=org, role="cto", user=UserFactory(email="cto@acme.test"))


def test_first_sso_sign_in_creates_the_membership_and_the_second_reuses_it(stack, acme, client):
    configure(stack, acme, client)
    policy = SignInPolicy.objects.get(org=acme.org)
    assert CLIENT_SECRET.encode() not in bytes(policy.client_secret_encrypted)
    assert crypto.decrypt(policy.client_secret_encrypted) == CLIENT_SECRET
    assert AuditEvent.objects.filter(org=acme.org, action="sso_settings_changed", actor=acme).exists()

    idp_account("ada@idp.test", "ada@acme.test", name="Ada Lovelace")
    http, landing = sso_sign_in(stack, who="ada@acme.test", idp_email="ada@idp.test")
    assert landing.status_code == 200
    assert str(landing.url) == f"{stack.app}/"
    assert "Acme Robots" in landing.text
    ada = User.objects.get(email="ada@acme.test")
    assert not ada.has_usable_password()
    assert ada.name == "Ada Lovelace"
    membership = Membership.objects.get(org=acme.org, user=ada)
    assert membership.role == "designer"
    assert membership.is_active
    assert (
        AuditEvent.objects.filter(org=acme.org, action="sso_member_joined", target="ada@acme.test").count()
        == 1
    )
    # The application's session is Ada's; the provider's (another host) is the provider account's.
    assert http.get(f"{stack.app}/settings/").status_code == 200

    # Again, from a fresh browser and by the organisation's short name: the same account and membership.
    _http, landing = sso_sign_in(stack, who="acme", idp_email="ada@idp.test")
    assert landing.status_code == 200
    assert str(landing.url) == f"{stack.app}/"
    assert Membership.objects.filter(user__email="ada@acme.test").count() == 1
    assert User.objects.filter(email__iexact="ada@acme.test").count() == 1
    assert AuditEvent.objects.filter(org=acme.org, action="sso_member_joined").count() == 1

    # A disabled account's SSO session ends, and it cannot sign in again.
    User.objects.filter(pk=ada.pk).update(is_active=False)
    assert http.get(f"{stack.app}/settings/").status_code == 302
    _http, refused = sso_sign_in(stack, who="acme", idp_email="ada@idp.test")
    assert refused.status_code == 403
    assert "This account is disabled" in refused.text


def test_an_address_outside_the_allowed_domains_is_refused(stack, acme, client):
    configure(stack, acme, client)
    idp_account("mallory@idp.test", "mallory@elsewhere.test")
    http, response = sso_sign_in(stack, who="acme", idp_email="mallory@idp.test")
    assert response.status_code == 403
    assert "mallory@elsewhere.test is not an address single sign-on accepts for Acme Robots" in response.text
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()
    assert Membership.objects.filter(org=acme.org).count() == 1
    assert http.get(f"{stack.app}/settings/").status_code == 302  # not signed in


def test_a_tampered_state_is_refused(stack, acme, client):
    configure(stack, acme, client)
    idp_account("ada@idp.test", "ada@acme.test")
    http, response = sso_sign_in(stack, who="acme", idp_email="ada@idp.test", tamper_state=True)
    assert response.status_code == 400
    assert "not one this browser started" in response.text
    assert not Membership.objects.filter(user__email="ada@acme.test").exists()
    assert http.get(f"{stack.app}/settings/").status_code == 302


def test_sso_required_blocks_passwords_but_not_sso(stack, acme, client):
    configure(stack, acme, client)
    # Requiring SSO before having used it is refused: it could lock everyone out.
    response = client.post(
        "/settings/sign-in/",
        {
            "sso_enabled": "on",
            "issuer": stack.issuer,
            "client_id": CLIENT_ID,
            "allowed_domains": "acme.test",
            "default_role": "designer",
            "sso_required": "on",
        },
    )
    assert response.status_code == 200
    assert "Sign in with SSO yourself first" in response.content.decode()
    assert not SignInPolicy.objects.get(org=acme.org).sso_required

    # The manager signs in through SSO (the provider vouches for their address), then requires it.
    idp_account("cto@idp.test", "cto@acme.test")
    http, landing = sso_sign_in(stack, who="cto@acme.test", idp_email="cto@idp.test")
    assert landing.status_code == 200
    token = csrf(http.get(f"{stack.app}/settings/sign-in/").text)
    saved = http.post(
        f"{stack.app}/settings/sign-in/",
        data={
            "sso_enabled": "on",
            "issuer": stack.issuer,
            "client_id": CLIENT_ID,
            "allowed_domains": "acme.test",
            "default_role": "designer",
            "sso_required": "on",
            "csrfmiddlewaretoken": token,
        },
    )
    assert saved.status_code == 302
    assert SignInPolicy.objects.get(org=acme.org).sso_required
    assert AuditEvent.objects.filter(org=acme.org, action="sso_settings_changed").count() == 2

    member = MembershipFactory(org=acme.org, role="pm", user=UserFactory(email="pat@acme.test"))
    password_client = httpx.Client(timeout=30)
    page = password_client.get(f"{stack.app}/accounts/login/")
    refused = password_client.post(
        f"{stack.app}/accounts/login/",
        data={"username": "Pat@acme.test", "password": PASSWORD, "csrfmiddlewaretoken": csrf(page.text)},
    )
    assert refused.status_code == 200
    assert (
        "Acme Robots requires single sign-on: use “Sign in with SSO” instead of a password." in refused.text
    )
    assert password_client.get(f"{stack.app}/settings/").status_code == 302
    page = password_client.get(f"{stack.app}/accounts/password_reset/")
    reset = password_client.post(
        f"{stack.app}/accounts/password_reset/",
        data={"email": member.user.email, "csrfmiddlewaretoken": csrf(page.text)},
    )
    assert reset.status_code == 200
    assert "requires single sign-on" in reset.text

    # A session opened with a password before SSO was required is closed on its next request.
    client.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sso/?org=acme"
    assert client.get("/settings/").status_code == 302

    # SSO still opens the organisation for its members.
    idp_account("pat@idp.test", "pat@acme.test")
    _http, landing = sso_sign_in(stack, who="pat@acme.test", idp_email="pat@idp.test")
    assert landing.status_code == 200
    assert "Acme Robots" in landing.text
