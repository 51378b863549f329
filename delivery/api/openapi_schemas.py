"""Schemas and examples of the intake's OpenAPI description (see openapi.py), and the DevLake
field mapping shown in it and on the docs page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from delivery.api.validation import (
    DEVLAKE_ENVIRONMENTS,
    DEVLAKE_RESULTS,
    ENVIRONMENTS,
    KEY_MAX,
    KEY_PATTERN,
    MAX_COMMITS,
    MAX_FEATURES,
    RESULTS,
    SHA_PATTERN,
    SLUG_MAX,
    SLUG_PATTERN,
    TEXT_PATTERN,
    TIMESTAMP_PATTERN,
    TITLE_MAX,
    any_case_pattern,
)

REF = "#/components/schemas/"
TIMESTAMP_EXAMPLE = "2026-03-02T14:05:00+01:00"
DEVLAKE_TEXT_MAX = 2000
# What the API checks, as JSON Schema (the patterns are the ones validation.py matches with).
TIMESTAMP = {
    "type": "string",
    "format": "date-time",
    "pattern": TIMESTAMP_PATTERN,
    "examples": [TIMESTAMP_EXAMPLE],
}
SLUG = {"type": "string", "minLength": 1, "maxLength": SLUG_MAX, "pattern": SLUG_PATTERN}
KEY = {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": KEY_PATTERN}
SHA = {"type": "string", "pattern": SHA_PATTERN}
OUT_TIMESTAMP = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field the API also takes as null (null is the same as absent)."""
    return {**schema, "type": [schema["type"], "null"]}


def feature_keys(limit: int = MAX_FEATURES) -> dict[str, Any]:
    return {"type": "array", "maxItems": limit, "uniqueItems": True, "items": KEY}


def devlake_text() -> dict[str, Any]:
    return {"type": ["string", "null"], "maxLength": DEVLAKE_TEXT_MAX, "pattern": "^[^\\x00]*$"}


def devlake_mapping() -> list[dict[str, str]]:
    """How a DevLake webhook deployment becomes ours (also shown on the docs page)."""
    return [
        {
            "devlake": "id",
            "ours": "key",
            "rule": _("Idempotency key and deployment key; generated when absent."),
        },
        {
            "devlake": "environment",
            "ours": "environment",
            "rule": _(
                "Any case. PRODUCTION → production, STAGING → staging, TESTING and DEVELOPMENT → test; "
                "absent → production (DevLake's default)."
            ),
        },
        {
            "devlake": "result",
            "ours": "result",
            "rule": _(
                "Any case. SUCCESS → success; FAILURE, FAILED, ERROR, ABORT(ED), CANCELLED/CANCELED → failure; "
                "absent → success (DevLake's default)."
            ),
        },
        {"devlake": "finishedDate", "ours": "finished_at", "rule": _("Required, ISO 8601 with offset.")},
        {
            "devlake": "startedDate",
            "ours": "—",
            "rule": _(
                "Checked (not after finishedDate); authored date of commits that have none of their own."
            ),
        },
        {
            "devlake": "deploymentCommits[].commitSha",
            "ours": "commits[].sha",
            "rule": _("Required, hexadecimal, 7–64 characters; a sha listed twice is kept once."),
        },
        {
            "devlake": "deploymentCommits[].commitAuthoredDate",
            "ours": "commits[].authored_at",
            "rule": _("Else the commit's startedDate, else the deployment's startedDate."),
        },
        {
            "devlake": "team",
            "ours": "team",
            "rule": _(
                "Required, as a team field or the ?team= query parameter: DevLake has no teams. "
                "The connection id in the URL is ignored; the token decides the organisation."
            ),
        },
        {
            "devlake": "features",
            "ours": "features",
            "rule": _("Optional list of feature keys (our extension)."),
        },
        {
            "devlake": "displayTitle, name, url, createdDate, originalEnvironment, repoUrl, refName, commitMsg…",
            "ours": "—",
            "rule": _("Accepted and checked for type, not stored."),
        },
    ]


def schemas() -> dict[str, Any]:
    timestamp = TIMESTAMP
    key = KEY
    nullable_ts = nullable(TIMESTAMP)
    commit = {
        "type": "object",
        "additionalProperties": False,
        "required": ["sha", "authored_at"],
        "properties": {
            "sha": {
                **SHA,
                "description": _(
                    "Commit sha, 7 to 64 hexadecimal characters, each sha once per deployment (in any case)."
                ),
            },
            "authored_at": {
                **timestamp,
                "description": _(
                    "When the commit was authored (with offset). After finished_at is accepted; such a lead time (≤ 0) is left out of metrics."
                ),
            },
        },
    }
    deployment_props = {
        "key": {
            **nullable(key),
            "description": _(
                "Your identifier for the deployment, unique in the organisation; the idempotency key when no Idempotency-Key header is sent. Generated (D-…) when absent."
            ),
        },
        "team": {**SLUG, "description": _("Slug of a team of the token's organisation.")},
        "environment": {
            "type": "string",
            "enum": list(ENVIRONMENTS),
            "description": _("Only production deployments count for DORA."),
        },
        "result": {
            "type": "string",
            "enum": list(RESULTS),
            "description": _("Only successful deployments count for DORA."),
        },
        "finished_at": {
            **timestamp,
            "description": _("When the deployment finished, ISO 8601 with a UTC offset."),
        },
        "commits": {
            "type": ["array", "null"],
            "maxItems": MAX_COMMITS,
            "items": {"$ref": REF + "Commit"},
            "description": _(
                "Commits shipped by this deployment (for lead time for changes), each sha once (case-insensitive)."
            ),
        },
        "features": {
            **nullable(feature_keys()),
            "description": _("Keys of the features this deployment delivers, each once."),
        },
    }
    incident_props = {
        "key": {
            **nullable(key),
            "description": _(
                "Your identifier for the incident, unique in the organisation; generated (I-…) when absent."
            ),
        },
        "team": {**SLUG, "description": _("Slug of a team of the token's organisation.")},
        "title": {
            "type": "string",
            "minLength": 1,
            "maxLength": TITLE_MAX,
            "pattern": TEXT_PATTERN,
            "description": _(
                "One line describing the incident: no control characters, not only spaces; leading and trailing spaces are dropped."
            ),
        },
        "started_at": {**timestamp, "description": _("When the incident started, ISO 8601 with offset.")},
        "resolved_at": {
            **nullable_ts,
            "description": _("When service was restored; not before started_at. Null or absent while open."),
        },
        "deployment": {
            **nullable(key),
            "description": _(
                "Key of the deployment that caused it. Absent: linked to the team's latest successful production deployment before it started."
            ),
        },
    }
    meta = {
        "source": {"type": "string", "description": _("How the record arrived: api, devlake, csv, import.")},
        "created_at": {"type": "string", "format": "date-time"},
    }

    def page(item: str) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": _("Records matching the filters.")},
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
                "results": {"type": "array", "items": {"$ref": REF + item}},
            },
        }

    devlake_commit = {
        "type": "object",
        "additionalProperties": False,
        "required": ["repoUrl", "commitSha"],
        "properties": {
            "commitSha": {**SHA, "description": _("Becomes commits[].sha.")},
            "repoUrl": {**devlake_text(), "type": "string"},
            "commitAuthoredDate": {**nullable(timestamp), "description": _("Becomes authored_at.")},
            "startedDate": {
                **nullable(timestamp),
                "description": _("authored_at when commitAuthoredDate is absent."),
            },
            **{
                name: devlake_text()
                for name in ("repoId", "refName", "commitMsg", "displayTitle", "name", "result", "status")
            },
            **{name: nullable(timestamp) for name in ("createdDate", "finishedDate")},
        },
    }
    dated_commit = {
        "anyOf": [
            {"required": [name], "properties": {name: {"type": "string"}}}
            for name in ("commitAuthoredDate", "startedDate")
        ]
    }
    devlake = {
        "type": "object",
        "additionalProperties": False,
        "required": ["finishedDate", "deploymentCommits"],
        "description": _(
            "Apache DevLake's webhook deployment payload, plus team and features. finishedDate must not be before startedDate. Without a startedDate, each commit needs its commitAuthoredDate or startedDate."
        ),
        "properties": {
            "id": {
                **nullable(key),
                "description": _("DevLake's deployment id: our key and idempotency key."),
            },
            "team": {**nullable(SLUG), "description": _("Team slug; or the team query parameter.")},
            "environment": {
                "type": ["string", "null"],
                "pattern": any_case_pattern(DEVLAKE_ENVIRONMENTS, empty=True),
                "description": "PRODUCTION | STAGING | TESTING | TEST | DEVELOPMENT",
            },
            "result": {
                "type": ["string", "null"],
                "pattern": any_case_pattern(DEVLAKE_RESULTS, empty=True),
                "description": "SUCCESS | FAILURE | FAILED | ERROR | ABORT | ABORTED | CANCELLED | CANCELED",
            },
            "startedDate": nullable(timestamp),
            "finishedDate": timestamp,
            "deploymentCommits": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_COMMITS,
                "items": {"$ref": REF + "DevLakeCommit"},
            },
            "features": nullable(feature_keys()),
            **{name: devlake_text() for name in ("displayTitle", "name", "url", "originalEnvironment")},
            "createdDate": nullable(timestamp),
        },
        # Without the deployment's startedDate, every commit needs a date of its own.
        "anyOf": [
            {"required": ["startedDate"], "properties": {"startedDate": {"type": "string"}}},
            {"properties": {"deploymentCommits": {"items": dated_commit}}},
        ],
        "x-mapping": devlake_mapping(),
    }
    return {
        "Error": {
            "type": "object",
            "description": _(
                "RFC 9457 problem details (application/problem+json), with the error and details members of earlier versions."
            ),
            "required": ["type", "title", "status", "detail", "error", "details"],
            "properties": {
                "type": {
                    "type": "string",
                    "description": _("about:blank: the status says what kind of problem."),
                },
                "title": {"type": "string", "description": _("The status's name, e.g. Bad Request.")},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": _("The error and its reasons, in one sentence.")},
                "error": {"type": "string", "description": _("What went wrong, in English.")},
                "details": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": _("Reason per field path, e.g. commits.0.sha."),
                },
            },
        },
        "Commit": commit,
        "CommitOut": {
            "type": "object",
            "required": ["sha", "authored_at"],
            "properties": {"sha": {"type": "string"}, "authored_at": OUT_TIMESTAMP},
        },
        "DeploymentInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["team", "environment", "result", "finished_at"],
            "properties": deployment_props,
        },
        "Deployment": {
            "type": "object",
            "required": [*deployment_props, *meta],
            "properties": {
                **deployment_props,
                "key": {"type": "string"},
                "team": {"type": "string"},
                # Answers give timestamps in UTC, which may fall just outside the input's years.
                "finished_at": OUT_TIMESTAMP,
                "commits": {"type": "array", "items": {"$ref": REF + "CommitOut"}},
                "features": {"type": "array", "items": {"type": "string"}},
                **meta,
            },
        },
        "DeploymentPage": page("Deployment"),
        "IncidentInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["team", "title", "started_at"],
            "properties": incident_props,
        },
        "IncidentPatch": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {"title": incident_props["title"], "resolved_at": incident_props["resolved_at"]},
        },
        "Incident": {
            "type": "object",
            "required": [*incident_props, *meta],
            "properties": {
                **incident_props,
                "key": {"type": "string"},
                "team": {"type": "string"},
                "title": {"type": "string"},
                "started_at": OUT_TIMESTAMP,
                "resolved_at": {"type": ["string", "null"], "format": "date-time"},
                "deployment": {"type": ["string", "null"]},
                **meta,
            },
        },
        "IncidentPage": page("Incident"),
        "DevLakeCommit": devlake_commit,
        "DevLakeDeployment": devlake,
    }


DEPLOYMENT_EXAMPLE = {
    "key": "D-1001",
    "team": "checkout",
    "environment": "production",
    "result": "success",
    "finished_at": TIMESTAMP_EXAMPLE,
    "commits": [
        {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8", "authored_at": "2026-03-01T10:00:00+01:00"},
        {"sha": "3a1b2c4d", "authored_at": "2026-03-02T09:30:00+01:00"},
    ],
    "features": ["F-12"],
}
DEPLOYMENT_OUT = {
    **DEPLOYMENT_EXAMPLE,
    "finished_at": "2026-03-02T13:05:00Z",
    "commits": [
        {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8", "authored_at": "2026-03-01T09:00:00Z"},
        {"sha": "3a1b2c4d", "authored_at": "2026-03-02T08:30:00Z"},
    ],
    "source": "api",
    "created_at": "2026-03-02T13:05:02.318000Z",
}
INCIDENT_EXAMPLE = {
    "key": "INC-7",
    "team": "checkout",
    "title": "Payment page returns 502",
    "started_at": "2026-03-02T15:00:00+01:00",
    "deployment": "D-1001",
}
INCIDENT_OUT = {
    **INCIDENT_EXAMPLE,
    "started_at": "2026-03-02T14:00:00Z",
    "resolved_at": None,
    "source": "api",
    "created_at": "2026-03-02T14:03:11.052000Z",
}
INCIDENT_PATCH_EXAMPLE = {"resolved_at": "2026-03-02T15:40:00+01:00"}
DEVLAKE_EXAMPLE = {
    "id": "deploy-2026-03-02-1",
    "startedDate": "2026-03-02T13:55:00+00:00",
    "finishedDate": "2026-03-02T14:05:00+00:00",
    "environment": "PRODUCTION",
    "result": "SUCCESS",
    "displayTitle": "Release 4.2",
    "deploymentCommits": [
        {
            "repoUrl": "https://git.example.com/shop/checkout",
            "refName": "main",
            "commitSha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "commitMsg": "Retry card authorisation once",
            "commitAuthoredDate": "2026-03-01T09:00:00+00:00",
        }
    ],
}
