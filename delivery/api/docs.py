"""The OpenAPI document turned into what the docs page lists: endpoints, fields, errors, curl."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from delivery.api.csv_format import COLUMNS
from delivery.api.http import PROBLEM_TYPE
from delivery.api.openapi import devlake_mapping, openapi_document
from delivery.api.validation import (
    BOUND_PATTERN,
    DATE_PATTERN,
    KEY_PATTERN,
    MULTILINE_TEXT_PATTERN,
    SHA_PATTERN,
    SLUG_PATTERN,
    TEXT_PATTERN,
    TIMESTAMP_PATTERN,
)

METHOD_ORDER = ("get", "post", "patch", "put", "delete")
PATH_EXAMPLES = {"{key}": "D-1001", "{connectionId}": "1"}
QUERY_EXAMPLES = {
    ("get", "/api/v1/deployments"): "?team=checkout&from=2026-03-01&to=2026-03-31",
    ("get", "/api/v1/incidents"): "?team=checkout&open=true",
    ("post", "/api/v1/devlake/deployments"): "?team=checkout",
    ("post", "/api/plugins/webhook/connections/{connectionId}/deployments"): "?team=checkout",
}


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type_label(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "")
    label = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if schema.get("format"):
        label += f" ({schema['format']})"
    return label


def _pattern_label(pattern: str) -> str:
    """The documented patterns in words (the raw expression is in the OpenAPI document)."""
    labels = {
        TIMESTAMP_PATTERN: _("YYYY-MM-DDThh:mm:ss[.ffffff] with Z or ±hh:mm, years 1970–2099"),
        BOUND_PATTERN: _("a date YYYY-MM-DD or a timestamp with Z or ±hh:mm, years 1970–2099"),
        SLUG_PATTERN: _("letters, digits, '-' and '_'"),
        KEY_PATTERN: _("no '/', no control characters, no leading or trailing spaces"),
        TEXT_PATTERN: _("one line, no control characters, not only spaces"),
        SHA_PATTERN: _("hexadecimal, 7 to 64 characters"),
        DATE_PATTERN: _("a date YYYY-MM-DD, years 1970–2099"),
        MULTILINE_TEXT_PATTERN: _("several lines, no other control characters, not only spaces"),
    }
    if pattern in labels:
        return labels[pattern]
    if pattern.startswith("^(?:|[") or pattern.startswith("^(?:["):
        return _("any case")
    return _("pattern %(pattern)s") % {"pattern": pattern}


def _constraints(schema: dict[str, Any]) -> str:
    parts = []
    if "pattern" in schema:
        parts.append(_pattern_label(schema["pattern"]))
    for name, label in (("minLength", "≥"), ("maxLength", "≤"), ("maxItems", "≤"), ("minItems", "≥")):
        if name in schema:
            unit = _("items") if "Items" in name else _("chars")
            parts.append(f"{label} {schema[name]} {unit}")
    for name, label in (("minimum", "≥"), ("maximum", "≤")):
        if name in schema:
            parts.append(f"{label} {schema[name]}")
    if schema.get("uniqueItems"):
        parts.append(_("each once"))
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        parts.append(_("null = absent"))
    return ", ".join(parts)


def schema_fields(document: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """One row per field, nested objects in arrays flattened as `commits[].sha`."""
    schema = _resolve(document, schema)
    required = set(schema.get("required", []))
    rows: list[dict[str, Any]] = []
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(document, prop)
        items = _resolve(document, prop.get("items", {})) if prop.get("type") == "array" else {}
        label = _type_label(prop)
        if items:
            label = f"array of {'objects' if items.get('type') == 'object' else _type_label(items)}"
        rows.append(
            {
                "name": prefix + name,
                "type": label,
                "required": name in required,
                "description": prop.get("description", ""),
                "constraints": _constraints(prop),
            }
        )
        if items.get("type") == "object":
            rows.extend(schema_fields(document, items, prefix=f"{prefix}{name}[]."))
    return rows


def _curl(base_url: str, method: str, path: str, example: Any, with_idempotency: bool) -> str:
    url_path = path
    for placeholder, value in PATH_EXAMPLES.items():
        url_path = url_path.replace(
            placeholder, "INC-7" if "incidents" in path and placeholder == "{key}" else value
        )
    url = base_url + url_path + QUERY_EXAMPLES.get((method, path), "")
    lines = [f'curl -X {method.upper()} "{url}"' if method != "get" else f'curl "{url}"']
    if path != "/api/v1/openapi.json":
        lines.append('  -H "Authorization: Bearer $RITUALS_TOKEN"')
    if example is not None:
        lines.append('  -H "Content-Type: application/json"')
        if with_idempotency and isinstance(example, dict) and example.get("key"):
            lines.append(f'  -H "Idempotency-Key: {example["key"]}"')
        body = json.dumps(example, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        lines.append(f"  -d '{body}'")
    return " \\\n".join(lines)


def _endpoint(
    document: dict[str, Any], base_url: str, path: str, method: str, op: dict[str, Any]
) -> dict[str, Any]:
    params = [_resolve(document, p) for p in op.get("parameters", [])]
    body = op.get("requestBody")
    fields: list[dict[str, Any]] = []
    example = None
    if body:
        media = body["content"]["application/json"]
        fields = schema_fields(document, media["schema"])
        example = media.get("example")
    responses = []
    for status, response in sorted(op.get("responses", {}).items()):
        responses.append(
            {"status": status, "description": _resolve(document, response).get("description", "")}
        )
    return {
        "id": op.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": op.get("summary", ""),
        "description": op.get("description", ""),
        "auth": op.get("security", document.get("security")) != [],
        "parameters": [
            {
                "name": p["name"],
                "in": p["in"],
                "required": p.get("required", False),
                "type": _type_label(p.get("schema", {})),
                "constraints": _constraints(_resolve(document, p.get("schema", {}))),
                "description": p.get("description", ""),
            }
            for p in params
        ],
        "fields": fields,
        "responses": responses,
        "curl": _curl(
            base_url,
            method,
            path,
            example,
            with_idempotency=any(p["name"] == "Idempotency-Key" for p in params),
        ),
    }


def docs_context(*, base_url: str) -> dict[str, Any]:
    document = openapi_document(server_url=base_url)
    endpoints = [
        _endpoint(document, base_url, path, method, ops[method])
        for path, ops in document["paths"].items()
        for method in METHOD_ORDER
        if method in ops
    ]
    errors = [
        {
            "status": name.removeprefix("E"),
            "description": response["description"],
            "example": json.dumps(response["content"][PROBLEM_TYPE]["example"], indent=2, ensure_ascii=False),
        }
        for name, response in document["components"]["responses"].items()
    ]
    return {
        "info": document["info"],
        "endpoints": endpoints,
        "errors": errors,
        "devlake_mapping": devlake_mapping(),
        "csv_columns": COLUMNS,
    }
