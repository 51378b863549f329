"""Signing in with a password: refused to members of an organisation that requires single sign-on
(they are pointed at "Sign in with SSO"), and followed by a code from their authenticator app when
they turned two-factor authentication on."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from collab.models import User
from collab.ratelimits import too_many_requests
from workspace.sso import sso_required_for
from workspace.twofactor import (
    CodeForm,
    code_attempt_failed,
    code_attempt_wait,
    safe_next,
    second_factor_verify,
    two_factor_enabled,
)

# Who passed the password step and still owes a code: {"user_id", "backend", "next", "at"}.
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 10 * 60


def sso_refusal(email: str) -> str | None:
    """Why `email` may not use a password (its organisation requires single sign-on), or None."""
    user = User.objects.filter(email__iexact=email.strip()).first() if email else None
    org = sso_required_for(user)
    if org is None:
        return None
    return _("%(org)s requires single sign-on: use “Sign in with SSO” instead of a password.") % {
        "org": org.name
    }


class SignInForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        refusal = sso_refusal(self.cleaned_data.get("username") or "")
        if refusal:
            raise ValidationError(refusal, code="sso_required")
        return super().clean()


class SignInPasswordResetForm(PasswordResetForm):
    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        refusal = sso_refusal(email)
        if refusal:
            raise ValidationError(refusal, code="sso_required")
        return email


class SignInView(auth_views.LoginView):
    """The password step; a person with two-factor authentication continues at `login_code`."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor_enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": getattr(user, "backend", ""),
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("login_code")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None, {}
    return User.objects.filter(pk=user_id, is_active=True).first(), pending


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code. Also where someone
    already signed in confirms a code when their organisation starts requiring one."""
    user, pending = _pending_user(request)
    if user is None and request.user.is_authenticated and two_factor_enabled(request.user):
        if getattr(request.user, "is_verified", lambda: False)():
            return redirect(safe_next(request, request.GET.get("next", "")) or "home")
        user = request.user
    if user is None:
        messages.info(request, _("Log in again: the sign-in took too long."))
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = code_attempt_wait(request, user)
        if wait is not None:
            return too_many_requests(request, wait)
        device = second_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            code_attempt_failed(request, user)
            form.add_error("code", _("This code is not right, or has been used. Try the current one."))
        else:
            next_url = safe_next(request, request.POST.get("next") or "")
            if pending:
                auth_login(request, user, backend=pending.get("backend") or None)
                request.session.pop(PENDING_KEY, None)
                next_url = safe_next(request, pending.get("next", "")) or next_url
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)s left. Make new ones from your security page.")
                    % {"n": device.token_set.count()},
                )
            return redirect(next_url or "home")
    context = {"form": form, "next": request.GET.get("next", ""), "cancel": not pending}
    return render(request, "registration/login_code.html", context)
