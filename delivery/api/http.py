"""The JSON API's plumbing: method check, token, content type, body size, JSON decoding, errors.

Everything a caller can send ends as JSON. Errors are RFC 9457 problem details
(`application/problem+json`: type, title, status, detail) that keep our own members too:
`{"error": "...", "details": {"field.path": "reason"}}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from collab.ratelimits import retry_after
from delivery.api.auth import authenticate
from delivery.api.errors import ApiError, InvalidInput
from delivery.api.services import WriteOutcome

MAX_BODY_BYTES = 1024 * 1024  # a deployment with 1,000 commits is about 120 kB
JSON_TYPES = ("application/json",)
# curl -d (how DevLake's documented scripts post) sends application/x-www-form-urlencoded.
LENIENT_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain", "")

ApiHandler = Callable[..., HttpResponse]


def json_response(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    # ASCII escapes: a caller's field name may hold a lone surrogate, which UTF-8 cannot encode.
    response = JsonResponse(body, status=status, safe=False)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


PROBLEM_TYPE = "application/problem+json"


def problem_body(status: int, message: str, details: dict[str, str]) -> dict[str, Any]:
    """RFC 9457 members (`type` about:blank: the status says it all) plus `error` and `details`."""
    reasons = "; ".join(f"{name}: {reason}" for name, reason in details.items())
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": f"{message} ({reasons})" if reasons else message,
        "error": message,
        "details": details,
    }


def error_response(error: ApiError) -> JsonResponse:
    response = json_response(
        problem_body(error.status, error.message, error.details), status=error.status, headers=error.headers
    )
    response["Content-Type"] = PROBLEM_TYPE
    return response


def api_view(*methods: str) -> Callable[[ApiHandler], Callable[..., HttpResponse]]:
    """A token-authenticated JSON endpoint: `handler(request, token, *args)`; 405 with Allow on other
    methods; every ApiError becomes its JSON response."""
    allowed = tuple(m.upper() for m in methods)
    allow_header = ", ".join((*allowed, "HEAD") if "GET" in allowed else allowed) + ", OPTIONS"

    def decorator(handler: ApiHandler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            method = request.method or ""
            if method == "OPTIONS":
                response: HttpResponse = HttpResponse(status=204)
                response["Allow"] = allow_header
                return response
            with translation.override(
                "en"
            ):  # scripts match on messages: English whatever Accept-Language says
                response = _dispatch(request, handler, allowed, allow_header, args, kwargs)
            response["Cache-Control"] = "no-store"
            return response

        return view

    return decorator


def _dispatch(
    request: HttpRequest,
    handler: ApiHandler,
    allowed: tuple[str, ...],
    allow_header: str,
    args: Any,
    kwargs: Any,
) -> HttpResponse:
    method = request.method or ""
    try:
        if method not in allowed and not (method == "HEAD" and "GET" in allowed):
            raise ApiError(
                "method not allowed",
                {"method": f"{method} is not allowed here; use {', '.join(allowed)}"},
                status=405,
                headers={"Allow": allow_header},
            )
        token = authenticate(request)
        if (
            wait := retry_after(
                request, group="api", setting="RATELIMIT_API", key=lambda _g, _r: token.prefix
            )
        ) is not None:
            raise ApiError(
                "too many requests",
                {"token": f"over its rate limit; retry in {wait} s"},
                status=429,
                headers={"Retry-After": str(wait)},
            )
        return handler(request, token, *args, **kwargs)
    except ApiError as error:
        return error_response(error)


def read_json(request: HttpRequest, *, lenient: bool = False) -> Any:
    """The decoded JSON body, or ApiError 415 / 413 / 400 with the reason."""
    content_type = (request.content_type or "").lower()
    accepted = LENIENT_TYPES if lenient else JSON_TYPES
    if content_type not in accepted and not content_type.endswith("+json"):
        raise ApiError(
            "unsupported content type",
            {"Content-Type": f"must be application/json, not '{content_type or 'missing'}'"},
            status=415,
        )
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in {"utf-8", "utf8"}:
        raise ApiError("unsupported charset", {"Content-Type": "the body must be UTF-8"}, status=415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise ApiError("body too large", {"body": f"must be at most {MAX_BODY_BYTES} bytes"}, status=413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise ApiError("body too large", {"body": f"must be at most {MAX_BODY_BYTES} bytes"}, status=413)
    if not body.strip():
        raise ApiError("empty body", {"body": "send a JSON object"})
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ApiError("malformed JSON", {"body": "is not valid UTF-8"}) from None
    except RecursionError:
        raise ApiError("malformed JSON", {"body": "is nested too deeply"}) from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise ApiError("malformed JSON", {"body": str(exc)[:200]}) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def require_object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiError("invalid input", {"body": "must be a JSON object"})
    return payload


def written_response(outcome: WriteOutcome) -> HttpResponse:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return json_response(outcome.body, status=outcome.status, headers=headers)


def object_body(request: HttpRequest, *, lenient: bool = False) -> dict[str, Any]:
    payload = read_json(request, lenient=lenient)
    if not isinstance(payload, dict):
        raise InvalidInput("invalid input", {"body": "must be a JSON object"})
    return payload
