"""POST and GET /api/v1/feedback: customer feedback from other tools, with the intake API's
per-organisation tokens, idempotency keys and problem-details errors (delivery.api). The contract
is delivery.api.openapi_feedback; bodies are checked with its patterns and limits."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from collab.models import Organisation, Team
from collab.weeks import org_zone
from delivery.api import openapi_feedback as contract
from delivery.api.errors import InvalidInput
from delivery.api.http import api_view, json_response, object_body, written_response
from delivery.api.services import idempotent_write, request_hash
from delivery.api.validation import (
    DATE_PATTERN,
    MULTILINE_TEXT_PATTERN,
    Errors,
    choice_clean,
    key_clean,
    page_clean,
    slug_clean,
    text_clean,
)
from delivery.models import ApiToken
from productops.feedback import services
from productops.models import FeedbackItem

_DATE = re.compile(DATE_PATTERN)
_MULTILINE = re.compile(MULTILINE_TEXT_PATTERN)
PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE = 50, 200, 100_000


@dataclass(frozen=True)
class FeedbackData:
    text: str
    source: str
    account: str
    segment: str
    received_on: dt.date | None
    team: str | None


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def feedback_clean(payload: dict[str, Any]) -> FeedbackData | Errors:
    """The checked body, or the reason per field."""
    errors: Errors = {}
    for name in payload:
        if name not in contract.feedback_schemas()["FeedbackInput"]["properties"]:
            errors[name if _storable(name) else "body"] = "unknown field"
    text = payload.get("text")
    if text is None:
        errors["text"] = "is required"
    elif not isinstance(text, str):
        errors["text"] = "must be a string"
    elif len(text) > contract.TEXT_MAX:
        errors["text"] = f"must be at most {contract.TEXT_MAX} characters"
    elif not _storable(text) or _MULTILINE.fullmatch(text) is None:
        errors["text"] = "must be printable text with something besides spaces"
    source = payload.get("source")
    if source is None:
        errors["source"] = "is required"
    else:
        choice_clean(source, "source", errors, contract.SOURCES)
    account = segment = None
    if payload.get("account") is not None:
        account = text_clean(payload["account"], "account", errors, max_length=contract.ACCOUNT_MAX)
    if payload.get("segment") is not None:
        segment = text_clean(payload["segment"], "segment", errors, max_length=contract.SEGMENT_MAX)
    received_on = None
    if (date := payload.get("date")) is not None:
        if not isinstance(date, str) or _DATE.fullmatch(date) is None:
            errors["date"] = "must be a date YYYY-MM-DD (1970 to 2099)"
        else:
            received_on = dt.date.fromisoformat(date)
    team = None
    if payload.get("team") is not None:
        team = slug_clean(payload["team"], "team", errors)
    if errors:
        return errors
    assert isinstance(text, str)
    assert isinstance(source, str)
    return FeedbackData(text.strip(), source, account or "", segment or "", received_on, team)


def feedback_json(item: FeedbackItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "text": item.text,
        "source": item.source,
        "account": item.account,
        "segment": item.segment,
        "date": item.received_on.isoformat(),
        "team": item.team.slug if item.team else None,
        "status": item.status,
        "feature": item.feature.key if item.feature else None,
        "created_at": timezone.localtime(item.created_at, dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def _team(org: Organisation, slug: str | None) -> Team | None:
    if slug is None:
        return None
    team = Team.objects.filter(org=org, slug=slug).first()
    if team is None:
        raise InvalidInput("invalid input", {"team": f"unknown team '{slug}'"})
    return team


def feedback_post(request: HttpRequest, token: ApiToken) -> HttpResponse:
    org = token.org
    payload = object_body(request)
    errors: Errors = {}
    header = request.headers.get("Idempotency-Key")
    key = key_clean(header, "Idempotency-Key", errors) if header is not None else None
    data = feedback_clean(payload)
    if isinstance(data, dict):
        errors.update(data)
    if errors:
        raise InvalidInput("invalid input", errors)
    assert isinstance(data, FeedbackData)
    team = _team(org, data.team)

    def write() -> dict[str, Any]:
        try:
            item = services.feedback_create(
                org=org,
                by=None,
                text=data.text,
                source=data.source,
                account=data.account,
                segment=data.segment,
                received_on=data.received_on or timezone.localdate(timezone=org_zone(org.time_zone)),
                via=FeedbackItem.Via.API,
                team=team,
            )
        except ValidationError as exc:
            raise InvalidInput(
                "invalid input", {k: "; ".join(v) for k, v in exc.message_dict.items()}
            ) from None
        return feedback_json(item)

    return written_response(
        idempotent_write(org=org, endpoint="feedback", key=key, digest=request_hash(payload), write=write)
    )


def _filtered(request: HttpRequest, org: Organisation) -> tuple[QuerySet[FeedbackItem], int, int]:
    params = request.GET
    errors: Errors = {}
    for name in params:
        if name not in {"status", "source", "team", "page", "page_size"}:
            errors[name if _storable(name) else "query"] = "unknown query parameter"
    qs = FeedbackItem.objects.filter(org=org).select_related("team", "feature").order_by("-created_at", "-id")
    if "status" in params and (status := choice_clean(params["status"], "status", errors, contract.STATUSES)):
        qs = qs.filter(status=status)
    if "source" in params and (source := choice_clean(params["source"], "source", errors, contract.SOURCES)):
        qs = qs.filter(source=source)
    if "team" in params and (slug := slug_clean(params["team"], "team", errors)):
        team = Team.objects.filter(org=org, slug=slug).first()
        if team is None:
            errors["team"] = f"unknown team '{slug}'"
        qs = qs.filter(team=team)
    page = page_clean(params.get("page"), "page", errors, default=1, maximum=MAX_PAGE)
    size = page_clean(params.get("page_size"), "page_size", errors, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    if errors:
        raise InvalidInput("invalid query", errors)
    return qs, page, size


def feedback_list(request: HttpRequest, token: ApiToken) -> HttpResponse:
    qs, page, size = _filtered(request, token.org)
    paginator = Paginator(qs, size)
    last = max(1, paginator.num_pages)
    items = list(paginator.page(page).object_list) if page <= last else []

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    return json_response(
        {
            "count": paginator.count,
            "page": page,
            "page_size": size,
            "next": link(page + 1) if page < last else None,
            "previous": link(page - 1) if 1 < page <= last + 1 else None,
            "results": [feedback_json(item) for item in items],
        }
    )


@api_view("GET", "POST")
def feedback_endpoint(request: HttpRequest, token: ApiToken) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return feedback_list(request, token)
    return feedback_post(request, token)
