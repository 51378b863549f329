"""What every Product Ops view reads off the request: the caller's organisation (404 without one),
the caller's membership once a role check passes, and form errors shown as messages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from collab.http import OrgRequest
from collab.models import Membership, Organisation


def request_org(request: OrgRequest) -> Organisation:
    org = getattr(request, "org", None)
    if org is None:
        raise Http404(_("You are not in an organisation."))
    return org


def request_editor(request: OrgRequest, require: Callable[[Membership | None], None]) -> Membership:
    """The caller's membership, after `require` (a productops.permissions check) let it through."""
    membership = getattr(request, "membership", None)
    require(membership)
    assert membership is not None
    return membership


def flash_errors(request: OrgRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)
