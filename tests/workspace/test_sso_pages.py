"""The SSO settings page and "Sign in with SSO" look-up, without a provider: discovery answers
are set at the HTTP boundary (respx)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from collab.models import AuditEvent
from tests.factories import OrganisationFactory
from workspace.models import SignInPolicy
from workspace.sso import DiscoveryError, provider_metadata

pytestmark = pytest.mark.django_db

ISSUER = "https://login.acme.test"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "jwks_uri": f"{ISSUER}/jwks",
}


def form(**extra: Any) -> dict[str, Any]:
    return {
        "sso_enabled": "on",
        "issuer": ISSUER,
        "client_id": "rituals",
        "client_secret": "the secret",
        "allowed_domains": "acme.test, @Acme-Robots.test",
        "default_role": "engineer",
        **extra,
    }


@respx.mock
def test_discovery_is_cached_and_checked():
    route = respx.get(f"{ISSUER}/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=DISCOVERY)
    )
    assert provider_metadata(ISSUER + "/")["token_endpoint"] == f"{ISSUER}/token"
    assert provider_metadata(ISSUER)["jwks_uri"] == f"{ISSUER}/jwks"
    assert route.call_count == 1
    provider_metadata(ISSUER, fresh=True)
    assert route.call_count == 2

    route.mock(return_value=httpx.Response(200, json={**DISCOVERY, "issuer": "https://evil.test"}))
    with pytest.raises(DiscoveryError, match="names another issuer"):
        provider_metadata(ISSUER, fresh=True)
    route.mock(return_value=httpx.Response(200, json={"issuer": ISSUER}))
    with pytest.raises(DiscoveryError, match="lacks authorization_endpoint"):
        provider_metadata(ISSUER, fresh=True)
    route.mock(return_value=httpx.Response(404))
    with pytest.raises(DiscoveryError, match="answered 404"):
        provider_metadata(ISSUER, fresh=True)
    route.mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(DiscoveryError, match="could not be reached"):
        provider_metadata(ISSUER, fresh=True)


@respx.mock
def test_managers_save_the_settings_and_each_change_is_audited(client_for, make_member, org):
    respx.get(f"{ISSUER}/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=DISCOVERY)
    )
    manager = make_member("product_ops")
    client = client_for(manager)
    assert client.post("/settings/sign-in/", form()).status_code == 302
    policy = SignInPolicy.objects.get(org=org)
    assert policy.allowed_domains == ["acme.test", "acme-robots.test"]
    assert policy.sso_ready
    event = AuditEvent.objects.get(org=org, action="sso_settings_changed")
    assert set(event.details["fields"]) == {
        "sso_enabled",
        "issuer",
        "client_id",
        "client_secret",
        "allowed_domains",
    }
    page = client.get("/settings/sign-in/").content.decode()
    assert "the secret" not in page
    assert "A client secret is stored (encrypted)." in page
    assert "/accounts/sso/callback/" in page
    # Saving again without a secret keeps it and records nothing new.
    assert client.post("/settings/sign-in/", form(client_secret="")).status_code == 302
    assert AuditEvent.objects.filter(org=org, action="sso_settings_changed").count() == 1
    client.post("/settings/sign-in/", form(client_secret="", default_role="designer"))
    latest = AuditEvent.objects.filter(org=org, action="sso_settings_changed").order_by("-id").first()
    assert latest.details == {"fields": ["default_role"]}
    log = client.get("/settings/audit/").content.decode()
    assert "changed the single sign-on settings: role for newcomers" in log


@respx.mock
def test_bad_settings_are_field_errors(client_for, make_member, org):
    respx.get(f"{ISSUER}/.well-known/openid-configuration").mock(return_value=httpx.Response(500))
    client = client_for(make_member("cto"))
    response = client.post("/settings/sign-in/", form(allowed_domains="acme.test, not a domain!"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a domain name" in html
    response = client.post("/settings/sign-in/", form())
    assert "answered 500" in response.content.decode()
    response = client.post("/settings/sign-in/", form(issuer="", client_secret="", allowed_domains=""))
    assert response.content.decode().count("Needed for single sign-on.") == 3  # issuer, secret, domains
    response = client.post("/settings/sign-in/", {"default_role": "engineer", "sso_required": "on"})
    assert "Turn single sign-on on to require it." in response.content.decode()
    assert not SignInPolicy.objects.filter(org=org).exists()


def test_only_managers_reach_the_settings(client_for, pm):
    assert client_for(pm).get("/settings/sign-in/").status_code == 403


def test_sign_in_with_sso_finds_the_organisation(client, settings):
    acme = OrganisationFactory(slug="acme", name="Acme")
    ready = {"sso_enabled": True, "issuer": ISSUER, "client_id": "c", "client_secret_encrypted": b"x"}
    SignInPolicy.objects.create(org=acme, allowed_domains=["acme.test"], **ready)
    response = client.post("/accounts/sso/", {"who": "Ada@ACME.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sso/start/acme/?login_hint=Ada%40ACME.test"
    assert client.post("/accounts/sso/", {"who": "acme"})["Location"] == "/accounts/sso/start/acme/"
    unknown = client.post("/accounts/sso/", {"who": "ada@nowhere.test"})
    assert "No organisation with single sign-on matches" in unknown.content.decode()
    # Two organisations on one domain: the short name decides.
    SignInPolicy.objects.create(
        org=OrganisationFactory(slug="acme-eu"), allowed_domains=["acme.test"], **ready
    )
    both = client.post("/accounts/sso/", {"who": "ada@acme.test"})
    assert "Several organisations use this domain" in both.content.decode()

    settings.RATELIMIT_SSO = "2/h"
    from django.core.cache import cache

    cache.clear()
    client.post("/accounts/sso/", {"who": "acme"})
    client.post("/accounts/sso/", {"who": "acme"})
    limited = client.post("/accounts/sso/", {"who": "acme"})
    assert limited.status_code == 429
    assert "Retry-After" in limited


def test_a_removed_member_cannot_come_back_through_sso(make_member, org):
    from workspace.sso import SSORefused, sso_member_join

    policy = SignInPolicy.objects.create(org=org, sso_enabled=True, allowed_domains=["acme.test"])
    member = make_member("pm", email="pat@acme.test")
    member.is_active = False
    member.save()
    with pytest.raises(SSORefused, match="You were removed"):
        sso_member_join(policy=policy, email="pat@acme.test")
