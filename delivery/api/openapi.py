"""The intake API's OpenAPI 3.1 description, written by hand (the contract, not generated from code).

Built per request so descriptions follow the active language: /api/v1/openapi.json is served in
English, the docs page (`delivery:api_docs`) renders the same document in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from delivery.api.http import MAX_BODY_BYTES, PROBLEM_TYPE, problem_body
from delivery.api.openapi_feedback import feedback_paths, feedback_schemas
from delivery.api.openapi_schemas import (
    DEPLOYMENT_EXAMPLE,
    DEPLOYMENT_OUT,
    DEVLAKE_EXAMPLE,
    INCIDENT_EXAMPLE,
    INCIDENT_OUT,
    INCIDENT_PATCH_EXAMPLE,
    KEY,
    REF,
    SLUG,
    devlake_mapping,
    schemas,
)
from delivery.api.validation import BOUND_PATTERN, ENVIRONMENTS, RESULTS

API_VERSION = "1.2.0"
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
PAGE_SIZE = 50


def _error_response(description: str, status: int, error: str, details: dict[str, str]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_TYPE: {"schema": {"$ref": REF + "Error"}, "example": problem_body(status, error, details)}
        },
    }


def _json_body(schema: str, example: dict[str, Any], description: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF + schema}, "example": example}},
    }
    if description:
        body["description"] = description
    return body


def _ok(schema: str, description: str, example: dict[str, Any] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": {"$ref": REF + schema}}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _list_params(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    bound = {"type": "string", "pattern": BOUND_PATTERN, "examples": ["2026-03-02", "2026-03-02T14:05:00Z"]}
    return [
        {
            "name": "team",
            "in": "query",
            "schema": SLUG,
            "description": _("Only this team (slug of a team of the token's organisation)."),
        },
        {
            "name": "from",
            "in": "query",
            "schema": bound,
            "description": _(
                "From this moment: a timestamp with offset, or a date (midnight in the organisation's time zone)."
            ),
        },
        {
            "name": "to",
            "in": "query",
            "schema": bound,
            "description": _("Before this moment; a date includes its whole day."),
        },
        *extra,
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            "description": _("Past the last page, results is empty."),
        },
        {
            "name": "page_size",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
        },
    ]


def _paths() -> dict[str, Any]:
    idem = {"$ref": "#/components/parameters/IdempotencyKey"}
    key_param = {
        "name": "key",
        "in": "path",
        "required": True,
        "schema": KEY,
        "description": _("The record's key; 404 when no record of the organisation has it."),
    }
    team_param = {
        "name": "team",
        "in": "query",
        "schema": SLUG,
        "description": _("Team slug, unless the body has a team field."),
    }
    write_errors = _errors("400", "401", "405", "409", "413", "415", "429")
    read_errors = _errors("400", "401", "405", "429")
    created = _("Created. The body is the stored record.")
    replayed = _(
        "Replay of an earlier request with the same key and body: the original body, with the header Idempotent-Replayed: true."
    )
    return {
        "/api/v1/deployments": {
            "get": {
                "operationId": "listDeployments",
                "summary": _("List deployments"),
                "description": _("Newest first, paginated, of the token's organisation only."),
                "parameters": _list_params(
                    {
                        "name": "environment",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(ENVIRONMENTS)},
                    },
                    {"name": "result", "in": "query", "schema": {"type": "string", "enum": list(RESULTS)}},
                ),
                "responses": {
                    "200": _ok("DeploymentPage", _("A page of deployments.")),
                    **read_errors,
                },
            },
            "post": {
                "operationId": "createDeployment",
                "summary": _("Record a deployment"),
                "description": _(
                    "Idempotent by the caller's key (Idempotency-Key header, or the key field): the same key with the same body returns the original response; with another body, 409. "
                    "When both are sent, the header and the key field must be equal (else 400). "
                    "The team and the features must exist in the token's organisation (else 400)."
                ),
                "parameters": [idem],
                "requestBody": _json_body("DeploymentInput", DEPLOYMENT_EXAMPLE),
                "responses": {
                    "201": _ok("Deployment", created, DEPLOYMENT_OUT),
                    "200": _ok("Deployment", replayed),
                    **write_errors,
                },
            },
        },
        "/api/v1/deployments/{key}": {
            "get": {
                "operationId": "getDeployment",
                "summary": _("Read a deployment"),
                "parameters": [key_param],
                "responses": {
                    "200": _ok("Deployment", _("The deployment.")),
                    **read_errors,
                    **_errors("404"),
                },
            }
        },
        "/api/v1/incidents": {
            "get": {
                "operationId": "listIncidents",
                "summary": _("List incidents"),
                "description": _(
                    "Newest first (by started_at), paginated, of the token's organisation only."
                ),
                "parameters": _list_params(
                    {
                        "name": "open",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["true", "false"]},
                        "description": _("true: unresolved only; false: resolved only."),
                    }
                ),
                "responses": {"200": _ok("IncidentPage", _("A page of incidents.")), **read_errors},
            },
            "post": {
                "operationId": "createIncident",
                "summary": _("Record an incident"),
                "description": _(
                    "Same idempotency rules as deployments. resolved_at must not be before started_at, and the team and deployment must exist in the token's organisation (else 400)."
                ),
                "parameters": [idem],
                "requestBody": _json_body("IncidentInput", INCIDENT_EXAMPLE),
                "responses": {
                    "201": _ok("Incident", created, INCIDENT_OUT),
                    "200": _ok("Incident", replayed),
                    **write_errors,
                },
            },
        },
        "/api/v1/incidents/{key}": {
            "get": {
                "operationId": "getIncident",
                "summary": _("Read an incident"),
                "parameters": [key_param],
                "responses": {
                    "200": _ok("Incident", _("The incident.")),
                    **read_errors,
                    **_errors("404"),
                },
            },
            "patch": {
                "operationId": "updateIncident",
                "summary": _("Resolve or rename an incident"),
                "description": _(
                    "Sets resolved_at (null reopens it) and/or title. resolved_at must not be before the incident's started_at: 400 with details.resolved_at."
                ),
                "parameters": [key_param],
                "requestBody": _json_body("IncidentPatch", INCIDENT_PATCH_EXAMPLE),
                "responses": {
                    "200": _ok("Incident", _("The updated incident.")),
                    **_errors("400", "401", "404", "405", "413", "415", "429"),
                },
            },
        },
        "/api/v1/devlake/deployments": {
            "post": {
                "operationId": "createDevLakeDeployment",
                "summary": _("Record a deployment sent in DevLake's webhook format"),
                "description": _(
                    "For CI scripts written for Apache DevLake's webhook plugin. Idempotent by DevLake's id. Also accepts bodies sent as application/x-www-form-urlencoded or text/plain (what curl -d sends), as DevLake does. "
                    "finishedDate must not be before startedDate, a team field must equal the team parameter, and the team and features must exist in the token's organisation (else 400)."
                ),
                "parameters": [team_param],
                "requestBody": _json_body("DevLakeDeployment", DEVLAKE_EXAMPLE),
                "responses": {
                    "201": _ok("Deployment", created),
                    "200": _ok("Deployment", replayed),
                    **write_errors,
                },
            }
        },
        "/api/plugins/webhook/connections/{connectionId}/deployments": {
            "post": {
                "operationId": "createDevLakeDeploymentAlias",
                "summary": _("DevLake's own path (alias)"),
                "description": _(
                    "The same as /api/v1/devlake/deployments, at the path DevLake scripts already call. The connection id is ignored: the token decides the organisation."
                ),
                "parameters": [
                    {
                        "name": "connectionId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                        "description": _(
                            "DevLake's connection id, digits only (any other path answers 404)."
                        ),
                    },
                    team_param,
                ],
                "requestBody": _json_body("DevLakeDeployment", DEVLAKE_EXAMPLE),
                "responses": {
                    "201": _ok("Deployment", created),
                    "200": _ok("Deployment", replayed),
                    **write_errors,
                    **_errors("404"),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": _("This description"),
                "security": [],
                "responses": {
                    "200": {
                        "description": _("The OpenAPI 3.1 document."),
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors("400", "405"),
                },
            }
        },
    }


def _responses() -> dict[str, Any]:
    return {
        "E400": _error_response(
            _(
                "Bad input: malformed JSON, not an object, missing or unknown fields, wrong types or values, timestamps without offset, unknown query parameters, unknown team, feature or deployment, a rule across fields (see the operation), NUL bytes or lone surrogates anywhere in the request."
            ),
            400,
            "invalid input",
            {
                "finished_at": "needs a time and a UTC offset (e.g. 2026-03-02T14:05:00+01:00 or …Z)",
                "commits.0.sha": "must be a hexadecimal commit sha of 7 to 64 characters",
            },
        ),
        "E401": _error_response(
            _("Missing, unknown or revoked token."),
            401,
            "token revoked",
            {"Authorization": "this token was revoked; create a new one in settings"},
        ),
        "E404": _error_response(
            _("No such record in the token's organisation, or no such path."),
            404,
            "not found",
            {"key": "no incident 'INC-9'"},
        ),
        "E405": _error_response(
            _("Wrong method; the Allow header lists the right ones."),
            405,
            "method not allowed",
            {"method": "PUT is not allowed here; use GET, POST"},
        ),
        "E409": _error_response(
            _("The key was already used with another body, or by another record."),
            409,
            "idempotency key reused with a different body",
            {"Idempotency-Key": "'D-1001' was already used with another body; use a new key"},
        ),
        "E413": _error_response(
            _("Body larger than %(n)s bytes.") % {"n": MAX_BODY_BYTES},
            413,
            "body too large",
            {"body": f"must be at most {MAX_BODY_BYTES} bytes"},
        ),
        "E429": {
            **_error_response(
                _(
                    "Too many requests for this token; the Retry-After header says in how many seconds to try again."
                ),
                429,
                "too many requests",
                {"token": "over its rate limit; retry in 12 s"},
            ),
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
        },
        "E415": _error_response(
            _("The body must be application/json in UTF-8."),
            415,
            "unsupported content type",
            {"Content-Type": "must be application/json, not 'text/csv'"},
        ),
    }


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": _("Deployments and incidents intake"),
            "version": API_VERSION,
            "description": _(
                "Send deployments and incidents from CI and on-call tools so DORA metrics stay current. "
                "Authenticate with an organisation's API token (Settings → API tokens): "
                "Authorization: Bearer <token>. Every error, 404 and 405 included, is application/problem+json (RFC 9457): "
                '{"type", "title", "status", "detail", "error", "details": {field path: reason}}. '
                "Timestamps are ISO 8601 with a UTC offset; responses give them in UTC. "
                "Past records can also be imported as CSV (Settings → Import a CSV)."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "security": [{"bearerAuth": []}],
        "paths": {
            **_paths(),
            **feedback_paths(
                ok=_ok,
                json_body=_json_body,
                errors=_errors,
                max_page=MAX_PAGE,
                max_page_size=MAX_PAGE_SIZE,
                page_size=PAGE_SIZE,
            ),
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": _("An organisation's API token, created in settings."),
                }
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": KEY,
                    "description": _(
                        "Your key for this record; retries with the same key and body are replayed, not duplicated. Must equal the body's key when both are sent."
                    ),
                }
            },
            "schemas": {**schemas(), **feedback_schemas()},
            "responses": _responses(),
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


__all__ = ["devlake_mapping", "openapi_document"]
