"""Webhooks of outside products. DevLake's deployment webhook: the same token as the intake API decides
the organisation; the payload is mapped by `integrations.devlake` and written through `delivery`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from delivery.api import services
from delivery.api.errors import InvalidInput
from delivery.api.http import api_view, object_body, written_response
from delivery.models import ApiToken
from integrations.devlake import devlake_clean


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
