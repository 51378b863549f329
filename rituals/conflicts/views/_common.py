"""What every view of the package shares: the caller's organisation, permission checks, errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import Organisation, Team
from collab.permissions import Cap, can
from rituals.conflicts import selectors
from rituals.models import SyncItem

PAGE_SIZE = 50


def org_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in person without an organisation gets the page that says how to join one."""

    @wraps(view)
    def wrapped(request: OrgRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "org", None) is None:
            return render(request, "collab/no_organisation.html")
        return view(request, *args, **kwargs)

    return wrapped


def may(request: OrgRequest, cap: Cap) -> bool:
    return can(getattr(request, "membership", None), cap)


def forbidden(request: OrgRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def paginate(request: OrgRequest, queryset: Any) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def choice(value: str | None, allowed: Any) -> str:
    """A filter value from the query string, or "" when it isn't one of the allowed ones."""
    return value if value and value in {str(a) for a in allowed} else ""


def query_without_page(request: OrgRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def team_filter(request: OrgRequest, org: Organisation) -> tuple[list[Team], str, Team | None]:
    """The organisation's teams for a list's filter, the `?team=` slug when it names one of them
    ("" else) and that team."""
    teams = list(selectors.teams_of(org=org))
    slug = choice(request.GET.get("team"), [t.slug for t in teams])
    return teams, slug, next((t for t in teams if t.slug == slug), None)


def sync_item_from_query(request: OrgRequest) -> SyncItem | None:
    """The sync item a record is raised from (`?item=<id>`, or the form's `item` field): None
    without one, 404 when it isn't a sync item of the caller's organisation."""
    item_id = request.GET.get("item") or request.POST.get("item") or ""
    if not item_id:
        return None
    if not item_id.isdigit():
        raise Http404
    return get_object_or_404(selectors.sync_items_of(org=request.org), pk=item_id)


def resolve_from_form(
    request: OrgRequest, form: BaseForm, resolve: Callable[..., object], *, key: str
) -> bool:
    """Resolve a conflict or an obstacle with the form's resolution, by the caller. True once done
    (and said so); False when the form, or the service's refusal on it, says what is missing."""
    if not form.is_valid():
        return False
    try:
        resolve(resolution=form.cleaned_data["resolution"], by=request.membership)
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    messages.success(request, _("%(key)s is resolved.") % {"key": key})
    return True


def reopen_record(request: OrgRequest, reopen: Callable[..., object], *, key: str) -> None:
    """Reopen a resolved conflict or obstacle, by the caller; why it can't goes to the messages."""
    try:
        reopen(by=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(key)s is open again.") % {"key": key})
