"""Each request of a signed-in person, in their active organisation, follows its sign-in policy:
"SSO required" sends a session that did not come through the organisation's provider back to
"Sign in with SSO"; "two-factor required" sends someone without a verified second factor to their
code, or to turn two-factor on, before anything else (SSO sign-ins are exempt when the
organisation says its identity provider enforces MFA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from collab.http import OrgRequest
from workspace.models import SignInPolicy
from workspace.sso import SSO_SESSION_KEY
from workspace.twofactor import enrol_url, two_factor_enabled

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
        if org is None or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        policy = SignInPolicy.objects.filter(org=org).first()
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
