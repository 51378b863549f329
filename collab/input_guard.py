"""The one place where text from outside is checked before any view, form or query sees it.

PostgreSQL refuses a NUL character in text ("A string literal cannot contain NUL (0x00)
characters", a 500 if it reaches a query), and a lone surrogate cannot even be encoded to UTF-8
on the way to the database. A request that carries either in its path, its query string or a
form field is refused here: 404 for a path (no such page can exist), 400 for the rest, and the
API's JSON error shape under /api/. JSON bodies are the API's own edge (`delivery.api.http`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

# NUL, and the surrogate code points U+D800–U+DFFF that only appear unpaired in a Python str.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REASON = "must be UTF-8 text without NUL characters or unpaired surrogates"


def unstorable(text: str) -> bool:
    """True when PostgreSQL cannot store the text (a NUL) or UTF-8 cannot encode it (a lone surrogate)."""
    return UNSTORABLE.search(text) is not None


def _printable(name: str) -> str:
    return UNSTORABLE.sub("\ufffd", name)


def _bad_fields(prefix: str, items: Iterable[tuple[str, list[str]]]) -> dict[str, str]:
    return {
        f"{prefix}.{_printable(key)}": REASON
        for key, values in items
        if unstorable(key) or any(unstorable(value) for value in values)
    }


def _undecodable(prefix: str, raw: bytes) -> dict[str, str]:
    """Fields whose percent-decoded bytes are not UTF-8 (`%ED%A0%80` is an encoded lone surrogate).
    Django would quietly turn them into U+FFFD; refusing them stores nothing garbled."""
    details = {}
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            for part in (name, value):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            shown = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
            details[f"{prefix}.{_printable(shown)}"] = REASON
    return details


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path_info.startswith(API_PREFIX)
        if unstorable(request.path_info):
            if is_api:
                return _api_refusal({"path": REASON})
            raise Http404("unstorable characters in the path")
        # WSGI hands the query string over as latin-1 text: encoding it back gives the bytes sent.
        raw_query = request.META.get("QUERY_STRING", "").encode("iso-8859-1", "replace")
        details = _undecodable("query", raw_query) or _bad_fields("query", request.GET.lists())
        # The API reads its bodies as JSON itself (DevLake posts JSON labelled as a form), so only
        # the pages' form bodies are parsed here — as the CSRF check would parse them anyway.
        if not details and not is_api and request.content_type in FORM_TYPES:
            if request.content_type == FORM_TYPES[0]:
                details = _undecodable("form", request.body)
            details = details or _bad_fields("form", request.POST.lists())
        if not details:
            return self.get_response(request)
        logger.info("Refused %s %s: %s", request.method, request.path_info, ", ".join(details))
        if is_api:
            return _api_refusal(details)
        raise BadRequest("unstorable characters in " + ", ".join(details))


def _api_refusal(details: dict[str, str]) -> JsonResponse:
    # ASCII escapes (JsonResponse's default) keep a field name's replacement characters readable.
    response = JsonResponse({"error": "invalid input", "details": details}, status=400)
    response["Cache-Control"] = "no-store"
    return response
