"""Sign-up pages: the form, "check your inbox" (with "send again") and the link that verifies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.middleware import SESSION_KEY
from collab.ratelimits import rate_limited
from collab.signup import (
    SignupForm,
    organisation_sign_up,
    organisation_verify,
    slug_proposal,
    verification_send,
)


@require_http_methods(["GET", "POST"])
@rate_limited("signup", "RATELIMIT_SIGNUP")
def signup(request: OrgRequest) -> HttpResponse:
    if request.user.is_authenticated and request.org is not None:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = organisation_sign_up(base_url=request.build_absolute_uri("/"), **form.cleaned_data)
        except ValidationError as exc:
            _refused(request, form, exc)
        except IntegrityError:  # another sign-up took the slug or the address meanwhile
            slug = form.cleaned_data["slug"]
            free = slug_proposal(slug)
            _refused(
                request,
                form,
                ValidationError(
                    {"slug": _("%(slug)s is taken; %(free)s is free.") % {"slug": slug, "free": free}}
                ),
            )
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_KEY] = membership.org_id
            return redirect("signup_pending")
    return render(request, "registration/signup.html", {"form": form})


def _refused(request: OrgRequest, form: SignupForm, exc: ValidationError) -> None:
    """The service's refusal on the form; a taken slug is replaced by the free one proposed."""
    if "slug" in getattr(exc, "error_dict", {}):
        data = request.POST.copy()
        data["slug"] = slug_proposal(form.cleaned_data["slug"])
        form.data = data
    add_errors(form, exc)


@login_required
@require_GET
def pending(request: OrgRequest) -> HttpResponse:
    if request.org is None or not request.org.awaiting_verification:
        return redirect("home")
    return render(request, "registration/signup_pending.html")


@login_required
@require_POST
@rate_limited("signup-resend", "RATELIMIT_SIGNUP")
def resend(request: OrgRequest) -> HttpResponse:
    if request.org is not None and request.org.awaiting_verification:
        verification_send(membership=request.membership, base_url=request.build_absolute_uri("/"))
        messages.success(
            request, _("We sent the link again to %(email)s.") % {"email": request.membership.user.email}
        )
    return redirect("signup_pending")


@never_cache
@require_GET
def verify(request: OrgRequest) -> HttpResponse:
    membership = organisation_verify(token=request.GET.get("t", ""))
    if membership is None:
        return render(request, "registration/signup_link_invalid.html", status=400)
    messages.success(request, _("Your e-mail is confirmed: %(org)s is ready.") % {"org": membership.org.name})
    if request.user.is_authenticated and request.user.pk == membership.user_id:
        request.session[SESSION_KEY] = membership.org_id
        return redirect("home")
    return redirect("login")
