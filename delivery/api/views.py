"""The JSON API under /api/v1/ (token-authenticated; see openapi.py for the contract)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from collab.weeks import org_zone
from delivery.api import selectors, services
from delivery.api.errors import ApiError, InvalidInput, NotFound
from delivery.api.http import (
    api_view,
    error_response,
    json_response,
    object_body,
    read_json,
    written_response,
)
from delivery.api.openapi import openapi_document
from delivery.api.serializers import deployment_json, incident_json
from delivery.api.validation import (
    ENVIRONMENTS,
    RESULTS,
    Errors,
    bound_clean,
    choice_clean,
    deployment_clean,
    incident_clean,
    key_check,
    key_clean,
    page_clean,
    slug_clean,
)
from delivery.models import ApiToken

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _caller_key(request: HttpRequest, payload: dict[str, Any], field: str = "key") -> str | None:
    """The caller's idempotency key: the Idempotency-Key header or the body's key field."""
    errors: Errors = {}
    header = request.headers.get("Idempotency-Key")
    header_key = key_clean(header, "Idempotency-Key", errors) if header is not None else None
    body_key = payload.get(field)
    if header_key is not None and body_key is not None and body_key != header_key:
        errors[field] = f"differs from the Idempotency-Key header ('{header_key}')"
    if errors:
        raise InvalidInput("invalid input", errors)
    if header_key is not None:
        return header_key
    return body_key if isinstance(body_key, str) else None


def _list_filters(request: HttpRequest, token: ApiToken, *, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    org = token.org
    errors: Errors = {}
    params = request.GET
    allowed = {"team", "from", "to", "page", "page_size", *extra}
    for name in params:
        if name not in allowed:
            errors[name] = "unknown query parameter"
    filters: dict[str, Any] = {}
    # A parameter sent is checked, even empty: the OpenAPI document states each one's pattern.
    if "team" in params:
        slug = slug_clean(params["team"], "team", errors)
        team = selectors.teams_by_slug(org=org, slugs=[slug]).get(slug) if slug else None
        if slug and team is None:
            errors["team"] = f"unknown team '{slug}'"
        filters["team"] = team
    tz = org_zone(org.time_zone)
    if "from" in params:
        filters["start"] = bound_clean(params["from"], "from", errors, tz=tz, end=False)
    if "to" in params:
        filters["end"] = bound_clean(params["to"], "to", errors, tz=tz, end=True)
    for name, choices in (("environment", ENVIRONMENTS), ("result", RESULTS)):
        if name in extra and name in params:
            filters[name] = choice_clean(params[name], name, errors, choices)
    if "open" in extra and "open" in params:
        filters["open_only"] = choice_clean(params["open"], "open", errors, ("true", "false")) == "true"
    page = page_clean(params.get("page"), "page", errors, default=1, maximum=100_000)
    size = page_clean(params.get("page_size"), "page_size", errors, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    if errors:
        raise InvalidInput("invalid query", errors)
    return {"filters": filters, "page": page, "page_size": size}


def _page(request: HttpRequest, queryset: Any, *, page: int, size: int, render: Any) -> HttpResponse:
    paginator = Paginator(queryset, size)
    count = paginator.count
    last = max(1, paginator.num_pages)
    if page > last:
        items: list[Any] = []
    else:
        items = list(paginator.page(page).object_list)

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    return json_response(
        {
            "count": count,
            "page": page,
            "page_size": size,
            "next": link(page + 1) if page < last else None,
            "previous": link(page - 1) if 1 < page <= last + 1 else None,
            "results": [render(item) for item in items],
        }
    )


def _listed(
    request: HttpRequest,
    token: ApiToken,
    *,
    extra: tuple[str, ...],
    listing: Callable[..., QuerySet[Any]],
    render: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """A GET on a collection: its filters checked, then one page of `listing` as `render` writes it."""
    query = _list_filters(request, token, extra=extra)
    qs = listing(org=token.org, **query["filters"])
    return _page(request, qs, page=query["page"], size=query["page_size"], render=render)


def _recorded(
    request: HttpRequest,
    token: ApiToken,
    *,
    endpoint: str,
    clean: Callable[[Any], Any],
    record: Callable[..., dict[str, Any]],
) -> HttpResponse:
    """A POST on a collection: the body checked by `clean`, then written once per idempotency key
    (the header's or the body's `key`; the key itself is not part of the replayed body's hash)."""
    org = token.org
    payload = object_body(request)
    key = _caller_key(request, payload)
    data = clean({**payload, "key": key} if key is not None else payload)
    if isinstance(data, dict):
        raise InvalidInput("invalid input", data)
    digest = services.request_hash({k: v for k, v in payload.items() if k != "key"})
    return written_response(
        services.idempotent_write(
            org=org, endpoint=endpoint, key=data.key, digest=digest, write=lambda: record(org=org, data=data)
        )
    )


@api_view("GET", "POST")
def deployments(request: HttpRequest, token: ApiToken) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _listed(
            request,
            token,
            extra=("environment", "result"),
            listing=selectors.deployment_list,
            render=deployment_json,
        )
    return _recorded(
        request,
        token,
        endpoint="deployments",
        clean=deployment_clean,
        record=services.deployment_record_json,
    )


@api_view("GET")
def deployment_detail(request: HttpRequest, token: ApiToken, key: str) -> HttpResponse:
    found = (
        selectors.deployment_list(org=token.org).filter(key=key).first() if key_check(key) is None else None
    )
    if found is None:
        raise NotFound("not found", {"key": f"no deployment '{key}'"})
    return json_response(deployment_json(found))


@api_view("GET", "POST")
def incidents(request: HttpRequest, token: ApiToken) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _listed(request, token, extra=("open",), listing=selectors.incident_list, render=incident_json)
    return _recorded(
        request, token, endpoint="incidents", clean=incident_clean, record=services.incident_record_json
    )


@api_view("GET", "PATCH")
def incident_detail(request: HttpRequest, token: ApiToken, key: str) -> HttpResponse:
    org = token.org
    if key_check(key) is not None:
        raise NotFound("not found", {"key": f"no incident '{key}'"})
    if request.method in ("GET", "HEAD"):
        found = selectors.incident_list(org=org).filter(key=key).first()
        if found is None:
            raise NotFound("not found", {"key": f"no incident '{key}'"})
        return json_response(incident_json(found))
    payload = read_json(request)
    return json_response(incident_json(services.incident_update(org=org, key=key, payload=payload)))


def openapi_json(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return error_response(
            ApiError("method not allowed", {"method": "use GET"}, status=405, headers={"Allow": "GET, HEAD"})
        )
    with translation.override("en"):
        document = openapi_document(server_url=request.build_absolute_uri("/").rstrip("/"))
    return json_response(document, headers={"Access-Control-Allow-Origin": "*"})


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/: a JSON 404 (never the HTML page), whatever the method."""
    return error_response(
        NotFound(
            "not found",
            {"path": f"no endpoint at {request.path}; see {reverse('delivery:api_openapi')}"},
        )
    )
