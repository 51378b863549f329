"""Settings › Single sign-on and two-factor (the organisation's managers), and the "Sign in with SSO"
page that finds a person's organisation by its slug or their work e-mail."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import user_has_device

from collab.audit import Action, audit_record
from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Membership, Organisation
from collab.permissions import Cap, grantable_roles, require
from collab.ratelimits import rate_limited
from integrations import crypto
from workspace.models import SignInPolicy
from workspace.sso import (
    DiscoveryError,
    normalise_issuer,
    organisations_for_sso,
    policy_validate_required,
    provider_metadata,
    sign_in_policy,
    sso_start_url,
)

SSO_FIELDS = ("sso_enabled", "issuer", "client_id", "allowed_domains", "default_role", "sso_required")
TWO_FACTOR_FIELDS = ("require_two_factor", "idp_enforces_mfa")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@transaction.atomic
def sign_in_policy_update(
    *, org: Organisation, by: Membership, changes: dict[str, Any], secret: str = ""
) -> SignInPolicy:
    """Save the organisation's sign-in settings; each kind of change (single sign-on, two-factor)
    is recorded in the audit log with the names of what changed (never the secret itself)."""
    policy = SignInPolicy.objects.select_for_update().filter(org=org).first() or SignInPolicy(org=org)
    changed = [name for name, value in changes.items() if getattr(policy, name) != value]
    for name in changed:
        setattr(policy, name, changes[name])
    if secret:
        policy.client_secret_encrypted = crypto.encrypt(secret)
        changed.append("client_secret")
    if not changed:
        return policy
    policy.save()
    sso_changed = [name for name in changed if name not in TWO_FACTOR_FIELDS]
    two_factor_changed = [name for name in changed if name in TWO_FACTOR_FIELDS]
    if sso_changed:
        audit_record(org=org, actor=by, action=Action.SSO_SETTINGS_CHANGED, details={"fields": sso_changed})
    if two_factor_changed:
        audit_record(
            org=org,
            actor=by,
            action=Action.TWO_FACTOR_POLICY_CHANGED,
            details={"fields": two_factor_changed},
        )
    return policy


def parse_domains(value: str) -> list[str]:
    domains = []
    for part in re.split(r"[\s,;]+", value.strip().lower()):
        part = part.lstrip("@").rstrip(".")
        if not part:
            continue
        if not DOMAIN_RE.match(part):
            raise ValidationError(_("“%(domain)s” is not a domain name.") % {"domain": part[:80]})
        if part not in domains:
            domains.append(part)
    return domains


class SignInPolicyForm(forms.Form):
    sso_enabled = forms.BooleanField(label=gettext_lazy("Offer single sign-on"), required=False)
    issuer = forms.URLField(
        label=gettext_lazy("Issuer"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Its discovery document is read from <issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = forms.CharField(label=gettext_lazy("Client ID"), max_length=255, required=False)
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        max_length=1000,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Stored encrypted and never shown again; leave empty to keep the current one."
        ),
    )
    allowed_domains = forms.CharField(
        label=gettext_lazy("Allowed e-mail domains"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One or more, separated by commas: only these addresses get in through SSO."),
    )
    default_role = forms.ChoiceField(label=gettext_lazy("Role of people who arrive through SSO"))
    sso_required = forms.BooleanField(
        label=gettext_lazy("Require single sign-on (members can no longer use a password)"), required=False
    )
    require_two_factor = forms.BooleanField(
        label=gettext_lazy("Require two-factor authentication of every member"), required=False
    )
    idp_enforces_mfa = forms.BooleanField(
        label=gettext_lazy(
            "Our identity provider enforces multi-factor authentication (SSO sign-ins need no second code here)"
        ),
        required=False,
    )

    def __init__(self, data: Any = None, *, policy: SignInPolicy, request: OrgRequest) -> None:
        initial = {name: getattr(policy, name) for name in (*SSO_FIELDS, *TWO_FACTOR_FIELDS)}
        initial["allowed_domains"] = ", ".join(policy.allowed_domains)
        super().__init__(data, initial=initial)
        self.policy, self.request = policy, request
        roles = self.fields["default_role"]
        assert isinstance(roles, forms.ChoiceField)
        roles.choices = grantable_roles(request.membership)

    def clean_issuer(self) -> str:
        issuer = normalise_issuer(self.cleaned_data.get("issuer") or "")
        if issuer and not issuer.startswith("https://") and not (settings.DEBUG or settings.TESTING):
            raise ValidationError(_("The issuer must be an https:// address."))
        return issuer

    def clean_allowed_domains(self) -> list[str]:
        return parse_domains(self.cleaned_data.get("allowed_domains") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sso_enabled"):
            for name in ("issuer", "client_id", "allowed_domains"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for single sign-on."))
            if not data.get("client_secret") and not self.policy.client_secret_encrypted:
                self.add_error("client_secret", _("Needed for single sign-on."))
            if data.get("issuer") and "issuer" not in self.errors:
                try:
                    provider_metadata(data["issuer"], fresh=True)
                except DiscoveryError as exc:
                    self.add_error("issuer", str(exc))
        if data.get("sso_required") and not data.get("sso_enabled"):
            self.add_error("sso_required", _("Turn single sign-on on to require it."))
        if data.get("idp_enforces_mfa") and not data.get("sso_enabled"):
            self.add_error(
                "idp_enforces_mfa",
                _("Only sign-ins through single sign-on can rely on the identity provider."),
            )
        if (
            data.get("require_two_factor")
            and not self.policy.require_two_factor
            and not user_has_device(self.request.user, confirmed=True)
        ):
            self.add_error(
                "require_two_factor",
                _("Turn on two-factor authentication for yourself first (your account's security page)."),
            )
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in (*SSO_FIELDS, *TWO_FACTOR_FIELDS)}


@login_required
@require(Cap.MANAGE_ORG)
@never_cache
def sign_in_settings(request: OrgRequest) -> HttpResponse:
    policy = sign_in_policy(org=request.org)
    form = SignInPolicyForm(request.POST or None, policy=policy, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            policy_validate_required(
                org=request.org, sso_required=form.cleaned_data["sso_required"], request=request
            )
            sign_in_policy_update(
                org=request.org,
                by=request.membership,
                changes=form.changes(),
                secret=form.cleaned_data.get("client_secret") or "",
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Sign-in settings saved."))
            return redirect("workspace:sign_in_settings")
    context = {
        "form": form,
        "policy": policy,
        "callback_url": request.build_absolute_uri(reverse("sso_callback")),
        "sso_start_url": request.build_absolute_uri(sso_start_url(request.org)),
        "has_secret": bool(policy.client_secret_encrypted),
    }
    return render(request, "workspace/sign_in_settings.html", context)


class SSOLookupForm(forms.Form):
    who = forms.CharField(
        label=gettext_lazy("Your organisation (its short name) or your work e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


@rate_limited("sso-lookup", "RATELIMIT_SSO")
@never_cache
def sso_login(request: HttpRequest) -> HttpResponseBase:
    """ "Sign in with SSO": which organisation, then off to its provider."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    form = SSOLookupForm(request.POST or None, initial={"who": request.GET.get("org", "")})
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"].strip()
        found = organisations_for_sso(who)
        if len(found) == 1:
            url = sso_start_url(found[0], next_url=next_url)
            if "@" in who:
                url += ("&" if "?" in url else "?") + "login_hint=" + _quote(who)
            return redirect(url)
        if found:
            form.add_error(
                "who",
                _("Several organisations use this domain: enter your organisation's short name instead."),
            )
        else:
            form.add_error(
                "who",
                _("No organisation with single sign-on matches. Check it, or log in with your password."),
            )
    return render(request, "registration/sso_login.html", {"form": form, "next": next_url})


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
