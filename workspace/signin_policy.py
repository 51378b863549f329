"""Each request of a signed-in person, in their active organisation, follows its sign-in policy:
"SSO required" sends a session that did not come through the organisation's provider back to
"Sign in with SSO"; "two-factor required" sends someone without a verified second factor to their
code, or to turn two-factor on, before anything else (SSO sign-ins are exempt when the
organisation says its identity provider enforces MFA)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from collab.http import OrgRequest
from collab.models import Organisation
from workspace.models import SignInPolicy
from workspace.sso import SSO_SESSION_KEY
from workspace.twofactor import enrol_url, two_factor_enabled

logger = logging.getLogger(__name__)
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)

# Reachable whatever the policy: signing in and out, the language, the probes, setting up a factor.
OPEN_VIEWS = {
    "login",
    "login_code",
    "logout",
    "sso_login",
    "sso_start",
    "sso_callback",
    "set_language",
    "healthz",
    "healthz_live",
    "healthz_ready",
    "workspace:two_factor_enrol",
    "workspace:account_security",
    "workspace:recovery_codes_new",
}


POLICY_CACHE_SECONDS = 60  # an upper bound on staleness should a save's invalidation fail
_NONE = "none"


def _policy_key(org_id: int) -> str:
    return f"signin-policy:{org_id}"


def policy_of(org_id: int) -> SignInPolicy | None:
    """The organisation's sign-in policy, read on every request: from the cache (invalidated when a
    policy is saved or deleted), else from the database; the database when the cache is down."""
    key = _policy_key(org_id)
    try:
        cached = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("sign-in policy: cache unreachable: %s", exc)
        return SignInPolicy.objects.filter(org_id=org_id).first()
    if cached == _NONE:
        return None
    if isinstance(cached, SignInPolicy):
        return cached
    policy = SignInPolicy.objects.filter(org_id=org_id).first()
    with contextlib.suppress(*CACHE_ERRORS):
        cache.set(key, policy if policy is not None else _NONE, timeout=POLICY_CACHE_SECONDS)
    return policy


@receiver([post_save, post_delete], sender=SignInPolicy, dispatch_uid="signin-policy-cache")
def _forget_policy(sender: Any, instance: SignInPolicy, **kwargs: Any) -> None:
    rules = kwargs.get("created") is not None and (instance.sso_required or instance.require_two_factor)
    Organisation.objects.filter(pk=instance.org_id).update(sign_in_rules=bool(rules))
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(_policy_key(instance.org_id))


class SignInPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: OrgRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "skips_org_lookup", False):
            return None
        org = getattr(request, "org", None)
        if org is None or not org.sign_in_rules or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        policy = policy_of(org.pk)
        if policy is None:
            return None
        from_sso = request.session.get(SSO_SESSION_KEY) == org.pk
        if policy.sso_required and policy.sso_ready and not from_sso:
            logout(request)
            messages.info(
                request, _("%(org)s requires single sign-on: sign in with SSO.") % {"org": org.name}
            )
            return redirect(f"{reverse('sso_login')}?org={quote(org.slug)}")
        if not policy.require_two_factor or (from_sso and policy.idp_enforces_mfa):
            return None
        if getattr(request.user, "is_verified", lambda: False)():
            return None
        here = request.get_full_path()
        if two_factor_enabled(request.user):
            return redirect(f"{reverse('login_code')}?next={quote(here, safe='/')}")
        messages.warning(
            request,
            _("%(org)s requires two-factor authentication: turn it on to continue.") % {"org": org.name},
        )
        return redirect(enrol_url(here))
