"""Webhooks of outside products. DevLake's deployment webhook: the same token as the intake API decides
the organisation; the payload is mapped by `integrations.devlake` and written through `delivery`."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from collab.input_guard import unstorable
from delivery.api import services
from delivery.api.errors import InvalidInput
from delivery.api.http import api_view, object_body, written_response
from delivery.models import ApiToken
from integrations import github, gitlab, jira, linear, opsgenie, pagerduty, reasons
from integrations import selectors as integration_selectors
from integrations import services as integration_services
from integrations.devlake import devlake_clean
from integrations.models import MAX_BODY_BYTES


@api_view("POST")
def devlake_deployments(
    request: HttpRequest, token: ApiToken, connection_id: int | None = None
) -> HttpResponse:
    """DevLake's webhook payload; `connection_id` (DevLake's) is ignored: the token decides the org."""
    org = token.org
    payload = object_body(request, lenient=True)
    # A team parameter sent is checked, even empty (the OpenAPI document states its pattern).
    data = devlake_clean(payload, team=request.GET.get("team"))
    if isinstance(data, dict):
        raise InvalidInput("invalid input", data)
    digest = services.request_hash(
        {"team": data.team, "body": {k: v for k, v in payload.items() if k != "team"}}
    )
    return written_response(
        services.idempotent_write(
            org=org,
            endpoint="devlake-deployments",
            key=data.key,
            digest=digest,
            write=lambda: services.deployment_record_json(org=org, data=data, source="devlake"),
        )
    )


# --- Connectors' webhooks -------------------------------------------------------------------------


def _answer(body: dict[str, Any], status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _read_body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is over the limit (read from the stream: Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE is lower than what a large push may weigh)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


def _refusal(provider: str, secret: str, body: bytes, request: HttpRequest) -> str | None:
    headers = request.headers
    if provider == "github":
        return github.signature_refusal(secret, body, headers.get("X-Hub-Signature-256", ""))
    if provider == "gitlab":
        return gitlab.signature_refusal(secret, headers.get("X-Gitlab-Token", ""))
    if provider == "pagerduty":
        return pagerduty.signature_refusal(secret, body, headers.get("X-PagerDuty-Signature", ""))
    if provider == "jira":
        return jira.signature_refusal(secret, body, headers.get(jira.HEADER, ""))
    if provider == "linear":
        return linear.signature_refusal(secret, body, headers.get(linear.HEADER, ""))
    return opsgenie.signature_refusal(secret, headers.get(opsgenie.HEADER, ""))


def _holds_unstorable(payload: Any) -> bool:
    """Whether a key or a string anywhere in the decoded JSON holds NUL or an unpaired surrogate."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _event_of(
    provider: str, event: str, payload: dict[str, Any], request: HttpRequest
) -> tuple[str, str, bool]:
    """(event, the provider's delivery id, whether we use the event)."""
    headers = request.headers
    if provider == "github":
        return event, headers.get("X-GitHub-Delivery", ""), event in github.EVENTS
    if provider == "gitlab":
        return event, headers.get("X-Gitlab-Event-UUID", ""), event in gitlab.EVENTS
    if provider == "pagerduty":
        event, delivery_id = pagerduty.event_of(payload)
        return event, delivery_id, event in pagerduty.EVENTS
    if provider == "jira":
        event = jira.event_of(payload)
        return event, headers.get(jira.DELIVERY_HEADER, ""), event in jira.EVENTS
    if provider == "linear":
        event = linear.event_of(payload)
        return event, headers.get(linear.DELIVERY_HEADER, ""), event in linear.EVENTS
    # Opsgenie sends no delivery id: the alert's id keeps its incident unique.
    event = opsgenie.event_of(payload)
    return event, "", event in opsgenie.EVENTS


@csrf_exempt
def hook(request: HttpRequest, provider: str, connection_id: UUID) -> HttpResponse:
    """`POST /hooks/<provider>/<connection id>/`: verify, store the raw delivery, answer 202; a
    Celery task maps it (integrations.services.delivery_process)."""
    if request.method != "POST":
        response = _answer({"error": "method not allowed"}, 405)
        response["Allow"] = "POST"
        return response
    connection = integration_selectors.active_connections(provider=provider).filter(id=connection_id).first()
    if connection is None:
        return _answer({"error": "no such connection (or it is paused)"}, 404)
    body = _read_body(request)
    if body is None:
        return _answer({"error": f"body over {MAX_BODY_BYTES} bytes"}, 413)
    secret = integration_services.connection_secret(connection)
    headers = request.headers
    event = {"github": headers.get("X-GitHub-Event", ""), "gitlab": headers.get("X-Gitlab-Event", "")}.get(
        provider, ""
    )
    refusal = _refusal(provider, secret, body, request)
    if refusal is not None:
        integration_services.delivery_refused(connection=connection, event=event, reason=refusal)
        return _answer({"error": reasons.ENGLISH[refusal]}, 401)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _answer({"error": "malformed JSON"}, 400)
    if not isinstance(payload, dict):
        return _answer({"error": "malformed JSON: the body must be an object"}, 400)
    if _holds_unstorable(payload):
        return _answer({"error": "malformed JSON: NUL characters or unpaired surrogates"}, 400)
    if provider == "linear":
        # Signed, but sent long ago: a replay of a captured delivery.
        stale = linear.timestamp_refusal(payload)
        if stale is not None:
            integration_services.delivery_refused(
                connection=connection, event=linear.event_of(payload), reason=stale
            )
            return _answer({"error": reasons.ENGLISH[stale]}, 401)
    event, delivery_id, used = _event_of(provider, event, payload, request)
    delivery, created = integration_services.delivery_store(
        connection=connection,
        event=event,
        delivery_id=delivery_id,
        body=body,
        ignored_reason="" if used else reasons.EVENT_NOT_USED,
    )
    answer: dict[str, Any] = {"delivery": delivery.pk, "status": "accepted" if used else "ignored"}
    if not used:
        answer["reason"] = reasons.ENGLISH[reasons.EVENT_NOT_USED]
    if not created:
        answer["duplicate"] = True
    return _answer(answer, 202)


@csrf_exempt
def hook_not_found(request: HttpRequest) -> HttpResponse:
    return _answer({"error": "no such webhook: use /hooks/<provider>/<connection id>/"}, 404)
