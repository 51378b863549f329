"""Schemas and examples of the intake's OpenAPI description (see openapi.py), and the DevLake
field mapping shown in it and on the docs page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from delivery.api.validation import ENVIRONMENTS, KEY_MAX, MAX_COMMITS, MAX_FEATURES, RESULTS, TITLE_MAX

REF = "#/components/schemas/"
TIMESTAMP_EXAMPLE = "2026-03-02T14:05:00+01:00"


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
    timestamp = {"type": "string", "format": "date-time", "examples": [TIMESTAMP_EXAMPLE]}
    key = {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": "^[^/\\s](?:[^/]*[^/\\s])?$"}
    nullable_ts = {"type": ["string", "null"], "format": "date-time"}
    commit = {
        "type": "object",
        "additionalProperties": False,
        "required": ["sha", "authored_at"],
        "properties": {
            "sha": {
                "type": "string",
                "pattern": "^[0-9a-fA-F]{7,64}$",
                "description": _("Commit sha, 7 to 64 hexadecimal characters."),
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
            **key,
            "description": _(
                "Your identifier for the deployment, unique in the organisation; the idempotency key when no Idempotency-Key header is sent. Generated (D-…) when absent."
            ),
        },
        "team": {"type": "string", "description": _("Slug of a team of the token's organisation.")},
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
            "type": "array",
            "maxItems": MAX_COMMITS,
            "items": {"$ref": REF + "Commit"},
            "description": _("Commits shipped by this deployment (for lead time for changes)."),
        },
        "features": {
            "type": "array",
            "maxItems": MAX_FEATURES,
            "items": {"type": "string"},
            "description": _("Keys of the features this deployment delivers."),
        },
    }
    incident_props = {
        "key": {
            **key,
            "description": _(
                "Your identifier for the incident, unique in the organisation; generated (I-…) when absent."
            ),
        },
        "team": {"type": "string", "description": _("Slug of a team of the token's organisation.")},
        "title": {
            "type": "string",
            "minLength": 1,
            "maxLength": TITLE_MAX,
            "description": _("One line describing the incident."),
        },
        "started_at": {**timestamp, "description": _("When the incident started, ISO 8601 with offset.")},
        "resolved_at": {
            **nullable_ts,
            "description": _("When service was restored; not before started_at. Null or absent while open."),
        },
        "deployment": {
            "type": ["string", "null"],
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
            "commitSha": {"type": "string", "pattern": "^[0-9a-fA-F]{7,64}$"},
            "repoUrl": {"type": "string"},
            "commitAuthoredDate": {**timestamp, "description": _("Becomes authored_at.")},
            "startedDate": {**timestamp, "description": _("authored_at when commitAuthoredDate is absent.")},
            **{
                name: {"type": "string"}
                for name in ("repoId", "refName", "commitMsg", "displayTitle", "name", "result", "status")
            },
            **{name: timestamp for name in ("createdDate", "finishedDate")},
        },
    }
    devlake = {
        "type": "object",
        "additionalProperties": False,
        "required": ["finishedDate", "deploymentCommits"],
        "description": _("Apache DevLake's webhook deployment payload, plus team and features."),
        "properties": {
            "id": {**key, "description": _("DevLake's deployment id: our key and idempotency key.")},
            "team": {"type": "string", "description": _("Team slug; or the team query parameter.")},
            "environment": {"type": "string", "description": "PRODUCTION | STAGING | TESTING | DEVELOPMENT"},
            "result": {"type": "string", "description": "SUCCESS | FAILURE | …"},
            "startedDate": timestamp,
            "finishedDate": timestamp,
            "deploymentCommits": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_COMMITS,
                "items": {"$ref": REF + "DevLakeCommit"},
            },
            "features": {"type": "array", "items": {"type": "string"}},
            **{name: {"type": "string"} for name in ("displayTitle", "name", "url", "originalEnvironment")},
            "createdDate": timestamp,
        },
        "x-mapping": devlake_mapping(),
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error", "details"],
            "properties": {
                "error": {"type": "string", "description": _("What went wrong, in English.")},
                "details": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": _("Reason per field path, e.g. commits.0.sha."),
                },
            },
        },
        "Commit": commit,
        "DeploymentInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["team", "environment", "result", "finished_at"],
            "properties": deployment_props,
        },
        "Deployment": {
            "type": "object",
            "required": [*deployment_props, *meta],
            "properties": {**deployment_props, "key": {"type": "string"}, **meta},
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
            "properties": {**incident_props, "key": {"type": "string"}, **meta},
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
