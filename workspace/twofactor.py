"""Two-factor authentication with a time-based code (TOTP, django-otp).

A person turns it on from their account's security page: a QR code (inline SVG, segno) and the
secret in text for their authenticator app, confirmed by a code before it counts. Ten recovery
codes are shown once; only their keyed hashes are stored (django-otp's static tokens), and each
works once. Once it is on, signing in asks for a code after the password (workspace/signin.py)."""

from __future__ import annotations

import logging
import secrets
from base64 import b32encode
from typing import Any
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from collab.http import OrgRequest
from collab.models import User
from collab.ratelimits import too_many_requests
from workspace.models import SignInPolicy

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def recovery_hash(code: str) -> str:
    """The stored form of a recovery code: a keyed hash (SECRET_KEY) that fits django-otp's token
    column; case, spaces and dashes do not matter."""
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("workspace.twofactor.recovery", normalised, algorithm="sha256").hexdigest()[:16]


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def two_factor_enabled(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The device being set up (unconfirmed): the same secret on every visit until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code, inline SVG markup (no script, no image request)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#111"))


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes (the old ones stop working); the plain codes are returned once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_hash(c)) for c in codes])
    return codes


@transaction.atomic
def two_factor_enable(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the pending device with a code from the app; returns the recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": _("Start again: this setup is no longer pending.")})
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError(
            {"code": _("This code is not right. Check your phone's clock and try the current code.")}
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return recovery_codes_regenerate(user=user)


def organisations_requiring_two_factor(user: User) -> list[str]:
    return list(
        SignInPolicy.objects.filter(
            require_two_factor=True, org__memberships__user=user, org__memberships__is_active=True
        ).values_list("org__name", flat=True)
    )


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    required = organisations_requiring_two_factor(user)
    if required:
        raise ValidationError(
            _("%(orgs)s requires two-factor authentication: it stays on.") % {"orgs": ", ".join(required)}
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def second_factor_verify(*, user: User, code: str) -> Device | None:
    """The device `code` proves (a current TOTP code, or an unused recovery code, which is then
    spent), or None. TOTP codes are throttled per device by django-otp and never accepted twice."""
    code = "".join(code.split())
    if code.isdigit() and len(code) == 6:
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
        return None
    if not 8 <= len(code) <= 16:
        return None
    token = (
        StaticToken.objects.filter(device__user=user, device__confirmed=True, token=recovery_hash(code))
        .select_related("device")
        .first()
    )
    if token is None:
        return None
    token.delete()
    return token.device


def _code_usage(request: Any, user: User, *, increment: bool) -> dict[str, Any] | None:
    rate = getattr(settings, "RATELIMIT_TWO_FACTOR", "")
    if not rate:
        return None
    try:
        return get_usage(
            request, group="two-factor", key=lambda _g, _r: f"user:{user.pk}", rate=rate, increment=increment
        )
    except (RedisError, OSError) as exc:
        logger.warning("two-factor rate limit not checked: %s", exc)
        return None


def code_attempt_wait(request: Any, user: User) -> int | None:
    """Seconds to wait before another code may be tried for `user`, or None: RATELIMIT_TWO_FACTOR
    wrong codes per person (whatever the address) in the window, then 429 until it ends."""
    usage = _code_usage(request, user, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return None
    return max(1, int(usage["time_left"]))


def code_attempt_failed(request: Any, user: User) -> None:
    _code_usage(request, user, increment=True)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def safe_next(request: Any, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


@login_required
@never_cache
def account_security(request: OrgRequest) -> HttpResponse:
    """The person's security page: two-factor state, recovery codes, and how they signed in."""
    user = request.user
    assert isinstance(user, User)
    context = {
        "enabled": two_factor_enabled(user),
        "codes_left": recovery_codes_left(user),
        "required_by": organisations_requiring_two_factor(user),
        "form": CodeForm(),
    }
    return render(request, "workspace/account_security.html", context)


@login_required
@never_cache
def two_factor_enrol(request: OrgRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    if two_factor_enabled(user):
        return redirect(next_url or "workspace:account_security")
    device = totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = code_attempt_wait(request, user)
        if wait is not None:
            return too_many_requests(request, wait)
        try:
            codes = two_factor_enable(user=user, device=device, code=form.cleaned_data["code"])
        except ValidationError as exc:
            code_attempt_failed(request, user)
            form.add_error("code", exc.message_dict.get("code", exc.messages))
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return render(
                request,
                "workspace/recovery_codes.html",
                {"codes": codes, "next": next_url or reverse("workspace:account_security")},
            )
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret_text(device),
        "next": next_url,
        "required_by": organisations_requiring_two_factor(user),
    }
    return render(request, "workspace/two_factor_enrol.html", context)


@login_required
@require_POST
@never_cache
def recovery_codes_new(request: OrgRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not two_factor_enabled(user):
        return redirect("workspace:account_security")
    wait = code_attempt_wait(request, user)
    if wait is not None:
        return too_many_requests(request, wait)
    form = CodeForm(request.POST)
    if not form.is_valid() or second_factor_verify(user=user, code=form.cleaned_data["code"]) is None:
        code_attempt_failed(request, user)
        messages.error(request, _("This code is not right, or has been used. Try the current one."))
        return redirect("workspace:account_security")
    codes = recovery_codes_regenerate(user=user)
    return render(
        request,
        "workspace/recovery_codes.html",
        {"codes": codes, "next": reverse("workspace:account_security")},
    )


@login_required
@require_POST
def two_factor_off(request: OrgRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    wait = code_attempt_wait(request, user)
    if wait is not None:
        return too_many_requests(request, wait)
    form = CodeForm(request.POST)
    if not form.is_valid() or second_factor_verify(user=user, code=form.cleaned_data["code"]) is None:
        code_attempt_failed(request, user)
        messages.error(request, _("This code is not right, or has been used. Try the current one."))
        return redirect("workspace:account_security")
    try:
        two_factor_disable(user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("workspace:account_security")


def enrol_url(next_url: str) -> str:
    return f"{reverse('workspace:two_factor_enrol')}?next={quote(next_url, safe='/')}"
