"""What every view of the package shares: the caller's organisation, permission checks, errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from collab.permissions import Cap, can

PAGE_SIZE = 50


def org_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in person without an organisation gets the page that says how to join one."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "org", None) is None:
            return render(request, "collab/no_organisation.html")
        return view(request, *args, **kwargs)

    return wrapped


def may(request: HttpRequest, cap: Cap) -> bool:
    return can(getattr(request, "membership", None), cap)


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def paginate(request: HttpRequest, queryset: Any) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def choice(value: str | None, allowed: Any) -> str:
    """A filter value from the query string, or "" when it isn't one of the allowed ones."""
    return value if value and value in {str(a) for a in allowed} else ""


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
