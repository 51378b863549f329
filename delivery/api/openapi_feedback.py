"""The feedback endpoints of the API (served by productops, described here with the rest of the
contract): what a caller may send, as JSON Schema, and the OpenAPI paths. productops.feedback.api
checks bodies with these very patterns and limits, so the document and the code always agree."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from delivery.api.openapi_schemas import KEY, REF, SLUG, nullable
from delivery.api.validation import DATE_PATTERN, MULTILINE_TEXT_PATTERN, TEXT_PATTERN

SOURCES = ("support", "sales", "interview", "survey", "in_app", "other")
STATUSES = ("untriaged", "linked", "dismissed", "merged")
TEXT_MAX = 10_000
ACCOUNT_MAX = 200
SEGMENT_MAX = 100

FEEDBACK_EXAMPLE = {
    "text": "Exporting to Excel takes three clicks too many.",
    "source": "support",
    "account": "Acme",
    "segment": "Enterprise",
    "date": "2026-03-02",
    "team": "checkout",
}
FEEDBACK_OUT = {
    "id": 42,
    **FEEDBACK_EXAMPLE,
    "status": "untriaged",
    "feature": None,
    "created_at": "2026-03-02T13:05:00Z",
}


def _line(maximum: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": maximum, "pattern": TEXT_PATTERN}


def feedback_schemas() -> dict[str, Any]:
    date = {"type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-03-02"]}
    props: dict[str, Any] = {
        "text": {
            "type": "string",
            "minLength": 1,
            "maxLength": TEXT_MAX,
            "pattern": MULTILINE_TEXT_PATTERN,
            "description": _("What the customer said, or a quote; several lines allowed."),
        },
        "source": {"type": "string", "enum": list(SOURCES)},
        "account": nullable({**_line(ACCOUNT_MAX), "description": _("Customer or account.")}),
        "segment": nullable(_line(SEGMENT_MAX)),
        "date": nullable({**date, "description": _("When it was said; today when absent.")}),
        "team": nullable(
            {**SLUG, "description": _("The team it is for (slug of a team of the token's organisation).")}
        ),
    }
    out = {
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "source": {"type": "string", "enum": list(SOURCES)},
        "account": {"type": "string"},
        "segment": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "team": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(STATUSES)},
        "feature": {"type": ["string", "null"], "description": _("Key of the feature it is linked to.")},
        "created_at": {"type": "string", "format": "date-time"},
    }
    return {
        "FeedbackInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["text", "source"],
            "properties": props,
        },
        "Feedback": {"type": "object", "required": list(out), "properties": out},
        "FeedbackPage": {
            "type": "object",
            "required": ["count", "page", "page_size", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer"},
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
                "results": {"type": "array", "items": {"$ref": REF + "Feedback"}},
            },
        },
    }


def feedback_paths(
    *, ok: Any, json_body: Any, errors: Any, max_page: int, max_page_size: int, page_size: int
) -> dict[str, Any]:
    idem = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": KEY,
        "description": _(
            "Your key for this item; a retry with the same key and body is replayed, with another body it is a 409."
        ),
    }
    # A query or body with NUL bytes or lone surrogates is refused before the view by the input guard
    # (collab.input_guard), whose 400 is plain application/json with the same error and details.
    bad_input = {
        "description": _("Bad input; details names each field with its reason."),
        "content": {
            "application/problem+json": {"schema": {"$ref": REF + "Error"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error", "details"],
                    "properties": {
                        "error": {"type": "string"},
                        "details": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                }
            },
        },
    }
    return {
        "/api/v1/feedback": {
            "get": {
                "operationId": "listFeedback",
                "summary": _("List feedback"),
                "description": _("Newest first, paginated, of the token's organisation only."),
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
                    {"name": "source", "in": "query", "schema": {"type": "string", "enum": list(SOURCES)}},
                    {"name": "team", "in": "query", "schema": SLUG},
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": max_page, "default": 1},
                    },
                    {
                        "name": "page_size",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": max_page_size,
                            "default": page_size,
                        },
                    },
                ],
                "responses": {
                    "200": ok("FeedbackPage", _("A page of feedback.")),
                    "400": bad_input,
                    **errors("401", "405", "429"),
                },
            },
            "post": {
                "operationId": "createFeedback",
                "summary": _("Log customer feedback"),
                "description": _(
                    "The item lands untriaged in the feedback inbox. The team must exist in the token's organisation (else 400)."
                ),
                "parameters": [idem],
                "requestBody": json_body("FeedbackInput", FEEDBACK_EXAMPLE),
                "responses": {
                    "201": ok("Feedback", _("Created. The body is the stored item."), FEEDBACK_OUT),
                    "200": ok("Feedback", _("Replay of an earlier request with the same key and body.")),
                    "400": bad_input,
                    **errors("401", "405", "409", "413", "415", "429"),
                },
            },
        }
    }
