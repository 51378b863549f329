"""Single sign-on per organisation with OpenID Connect.

Each organisation names its provider (issuer), the client it registered there and the client's
secret (encrypted at rest, integrations/crypto.py) in Settings › Single sign-on. The provider's
endpoints come from its discovery document (`<issuer>/.well-known/openid-configuration`, cached).
mozilla-django-oidc runs the authorization code flow with PKCE, state and nonce; its views and
backend are subclassed here so the endpoints and the client come from the organisation's settings,
not from global settings. The first sign-in of an address in one of the allowed domains makes its
owner a member with the organisation's default role (just-in-time membership)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from redis.exceptions import RedisError

from collab.audit import Action, audit_record
from collab.middleware import SESSION_KEY as ACTIVE_ORG_KEY
from collab.models import Membership, Organisation, User
from integrations import crypto
from workspace.models import SignInPolicy

logger = logging.getLogger(__name__)

# The organisation whose provider signed this session in (its id); "SSO required" and the
# "the identity provider enforces MFA" exemption read it.
SSO_SESSION_KEY = "sso_org_id"
# Algorithms an ID token may be signed with: asymmetric ones checked against the provider's JWKS,
# HS256 against the client secret. "none" never.
ID_TOKEN_ALGORITHMS = {"RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "HS256"}
_REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")


class DiscoveryError(Exception):
    """The issuer's discovery document could not be used; the message says why, for a person."""


def _discovery_key(issuer: str) -> str:
    return "oidc-discovery:" + hashlib.sha256(issuer.encode()).hexdigest()


def normalise_issuer(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def provider_metadata(issuer: str, *, fresh: bool = False) -> dict[str, Any]:
    """The provider's endpoints from `<issuer>/.well-known/openid-configuration`, kept in the cache
    for OIDC_DISCOVERY_CACHE_SECONDS (`fresh` reads it again, as saving the settings does)."""
    issuer = normalise_issuer(issuer)
    key = _discovery_key(issuer)
    if not fresh:
        try:
            cached = cache.get(key)
        except (RedisError, OSError):
            cached = None
        if isinstance(cached, dict):
            return cached
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        data = response.json()
    except httpx.HTTPStatusError as exc:
        raise DiscoveryError(
            _("%(url)s answered %(status)s.") % {"url": url, "status": exc.response.status_code}
        ) from exc
    except httpx.HTTPError as exc:
        raise DiscoveryError(_("%(url)s could not be reached.") % {"url": url}) from exc
    except ValueError as exc:
        raise DiscoveryError(_("%(url)s is not a discovery document (JSON).") % {"url": url}) from exc
    if not isinstance(data, dict):
        raise DiscoveryError(_("%(url)s is not a discovery document (JSON).") % {"url": url})
    missing = [name for name in _REQUIRED_METADATA if not isinstance(data.get(name), str)]
    if missing:
        raise DiscoveryError(_("The discovery document lacks %(names)s.") % {"names": ", ".join(missing)})
    if normalise_issuer(data["issuer"]) != issuer:
        raise DiscoveryError(
            _("The discovery document names another issuer (%(issuer)s).") % {"issuer": data["issuer"]}
        )
    metadata = {name: data[name] for name in _REQUIRED_METADATA}
    try:
        cache.set(key, metadata, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    except (RedisError, OSError) as exc:
        logger.warning("OIDC discovery not cached: %s", exc)
    return metadata


def sign_in_policy(*, org: Organisation) -> SignInPolicy:
    """The organisation's sign-in settings (defaults, unsaved, when it never set any)."""
    return SignInPolicy.objects.filter(org=org).first() or SignInPolicy(org=org)


def client_secret(policy: SignInPolicy) -> str:
    return crypto.decrypt(policy.client_secret_encrypted) if policy.client_secret_encrypted else ""


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def sso_required_for(user: Any) -> Organisation | None:
    """An organisation that requires single sign-on and `user` is an active member of, or None:
    such a person never signs in nor resets a password with a password."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    policy = (
        SignInPolicy.objects.filter(
            sso_required=True,
            sso_enabled=True,
            org__memberships__user=user,
            org__memberships__is_active=True,
        )
        .select_related("org")
        .order_by("org__name")
        .first()
    )
    return policy.org if policy is not None else None


def organisations_for_sso(query: str) -> list[Organisation]:
    """The organisations "Sign in with SSO" may mean by `query`: an organisation's slug, or a work
    e-mail address (the organisations whose allowed domains hold its domain, and those its owner
    already belongs to)."""
    query = query.strip().lower()
    ready = SignInPolicy.objects.filter(sso_enabled=True).exclude(issuer="").exclude(client_id="")
    if "@" not in query:
        return [p.org for p in ready.filter(org__slug=query).select_related("org")]
    domain = email_domain(query)
    by_domain = ready.filter(allowed_domains__contains=[domain])
    by_member = ready.filter(org__memberships__user__email__iexact=query, org__memberships__is_active=True)
    found = {p.org_id: p.org for p in (by_domain | by_member).select_related("org").distinct()}
    return sorted(found.values(), key=lambda org: org.name)


class SSORefused(Exception):
    """A sign-in the provider vouched for that this organisation does not accept."""


@transaction.atomic
def sso_member_join(*, policy: SignInPolicy, email: str, name: str = "") -> User:
    """The person the provider vouched for, as a member of the policy's organisation: their account
    (created without a password when new) and their membership (created with the default role when
    new, and recorded in the audit log). Refuses addresses outside the allowed domains, disabled
    accounts, and people a manager removed."""
    org = policy.org
    email = email.strip().lower()
    domain = email_domain(email)
    if not domain or domain not in policy.allowed_domains:
        raise SSORefused(
            _("%(email)s is not an address single sign-on accepts for %(org)s (%(domains)s).")
            % {"email": email or "—", "org": org.name, "domains": ", ".join(policy.allowed_domains) or "—"}
        )
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(email, None, name=name.strip()[:150])
        except IntegrityError:  # signed in twice at once: the other request created it
            user = user_model.objects.get(email__iexact=email)
    if not user.is_active:
        raise SSORefused(_("This account is disabled. Ask your organisation's administrator."))
    membership, created = Membership.objects.get_or_create(
        org=org, user=user, defaults={"role": policy.default_role}
    )
    if not membership.is_active:
        raise SSORefused(
            _("You were removed from %(org)s. Ask one of its administrators to invite you again.")
            % {"org": org.name}
        )
    if created:
        audit_record(
            org=org,
            actor=membership,
            action=Action.SSO_MEMBER_JOINED,
            target=email,
            details={"email": email, "role": membership.role},
        )
    return user


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured per sign-in from the organisation the callback
    names (`request.sso_policy`, set by `SSOCallbackView`). Any other `authenticate` call (a password
    sign-in) passes through it untouched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()
        self.OIDC_OP_TOKEN_ENDPOINT = ""
        self.OIDC_OP_USER_ENDPOINT = ""
        self.OIDC_OP_JWKS_ENDPOINT = ""
        self.OIDC_RP_CLIENT_ID = ""
        self.OIDC_RP_CLIENT_SECRET = ""
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.issuer = ""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        policy: SignInPolicy | None = getattr(request, "sso_policy", None)
        if request is None or "nonce" not in kwargs or policy is None or not policy.sso_ready:
            return None
        try:
            metadata = provider_metadata(policy.issuer)
        except DiscoveryError as exc:
            request.sso_refusal = str(exc)  # type: ignore[attr-defined]
            return None
        self.policy = policy
        self.issuer = metadata["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = metadata["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = policy.client_id
        self.OIDC_RP_CLIENT_SECRET = client_secret(policy)
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError, KeyError) as exc:
            # The provider refused the code, or its token does not hold: no sign-in, a log line
            # without the secret or the tokens.
            logger.warning("single sign-on of %s failed: %s", policy.org.slug, type(exc).__name__)
            return None

    def get_user(self, user_id: Any) -> Any:
        """The session's person while their account is active (as Django's own backend does)."""
        return self.UserModel.objects.filter(pk=user_id, is_active=True).first()

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The ID token's signature (mozilla-django-oidc), its algorithm, issuer and audience."""
        algorithm = str(jwt.get_unverified_header(token).get("alg", ""))
        if algorithm not in ID_TOKEN_ALGORITHMS:
            raise SuspiciousOperation("ID token algorithm not accepted")
        self.OIDC_RP_SIGN_ALGO = algorithm
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if normalise_issuer(str(payload.get("iss", ""))) != normalise_issuer(self.issuer):
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict):
            raise SuspiciousOperation("userinfo is not an object")
        email = str(claims.get("email") or "")
        try:
            if claims.get("email_verified") is False:
                raise SSORefused(
                    _("Your identity provider has not verified %(email)s.") % {"email": email or "—"}
                )
            return sso_member_join(policy=self.policy, email=email, name=str(claims.get("name") or ""))
        except SSORefused as exc:
            self.request.sso_refusal = str(exc)
            return None


def sso_start_url(org: Organisation, *, next_url: str = "") -> str:
    url = reverse("sso_start", args=[org.slug])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SSOStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the organisation's provider (authorization request with state, nonce
    and a PKCE challenge, kept in the session with the organisation's id)."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)
        self.OIDC_OP_AUTH_ENDPOINT = ""
        self.OIDC_RP_CLIENT_ID = ""

    def get(self, request: HttpRequest, slug: str = "") -> HttpResponseBase:
        policy = SignInPolicy.objects.filter(org__slug=slug).select_related("org").first()
        if policy is None or not policy.sso_ready:
            messages.error(request, _("This organisation does not use single sign-on."))
            return HttpResponseRedirect(reverse("sso_login"))
        try:
            metadata = provider_metadata(policy.issuer)
        except DiscoveryError as exc:
            logger.warning("single sign-on of %s: discovery failed: %s", slug, exc)
            messages.error(
                request,
                _("The identity provider of %(org)s cannot be reached right now. Try again in a moment.")
                % {"org": policy.org.name},
            )
            return HttpResponseRedirect(reverse("sso_login"))
        self.OIDC_OP_AUTH_ENDPOINT = metadata["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = policy.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["org_id"] = policy.org_id
        request.session.modified = True
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        hint = request.GET.get("login_hint", "").strip()
        return {"login_hint": hint[:254]} if hint and "\x00" not in hint else {}


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: the state must be one this browser started (else
    400), the organisation is the one that state was started for, and the backend checks the rest."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        entry = states.get(state) if isinstance(states, dict) else None
        if request.GET.get("code") and entry is None:
            logger.warning("single sign-on callback with an unknown state")
            return _refused(
                request, _("This sign-in link is not one this browser started, or it has expired.")
            )
        org_id = entry.get("org_id") if isinstance(entry, dict) else None
        request.sso_policy = (  # type: ignore[attr-defined]
            SignInPolicy.objects.filter(org_id=org_id).select_related("org").first() if org_id else None
        )
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        request = self.request
        reason = getattr(request, "sso_refusal", "") or _(
            "Single sign-on did not complete. Try again, or ask your organisation's administrator."
        )
        policy: SignInPolicy | None = getattr(request, "sso_policy", None)
        return _refused(request, reason, org=policy.org if policy else None, status=403)

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        policy: SignInPolicy = self.request.sso_policy
        self.request.session[SSO_SESSION_KEY] = policy.org_id
        self.request.session[ACTIVE_ORG_KEY] = policy.org_id
        return response


def _refused(
    request: HttpRequest, reason: str, *, org: Organisation | None = None, status: int = 400
) -> HttpResponse:
    return render(request, "workspace/sso_refused.html", {"reason": reason, "org": org}, status=status)


def policy_validate_required(*, org: Organisation, sso_required: bool, request: HttpRequest) -> None:
    """Turning "SSO required" on is refused unless the caller's own session came through this
    organisation's provider: proof that members will still get in once passwords are off."""
    current = SignInPolicy.objects.filter(org=org, sso_required=True).exists()
    if sso_required and not current and request.session.get(SSO_SESSION_KEY) != org.pk:
        raise ValidationError(
            {
                "sso_required": _(
                    "Sign in with SSO yourself first (log out, then “Sign in with SSO”): "
                    "requiring it before it has worked could lock everyone out."
                )
            }
        )
