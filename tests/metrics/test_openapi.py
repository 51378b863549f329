from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from delivery.api import services
from delivery.api.openapi import openapi_document

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/v1/deployments": {"get", "post"},
    "/api/v1/deployments/{key}": {"get"},
    "/api/v1/incidents": {"get", "post"},
    "/api/v1/incidents/{key}": {"get", "patch"},
    "/api/v1/devlake/deployments": {"post"},
    "/api/plugins/webhook/connections/{connectionId}/deployments": {"post"},
    "/api/v1/feedback": {"get", "post"},
    "/api/v1/openapi.json": {"get"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def validator_for(document: dict[str, Any], schema_name: str) -> Draft202012Validator:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{schema_name}"}, registry=registry)


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs_in(value)]
    return []


def test_document_covers_every_endpoint_and_method(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert {path: set(ops) & HTTP_METHODS for path, ops in document["paths"].items()} == API_PATHS


def test_every_operation_is_complete(document: dict[str, Any]) -> None:
    operation_ids = []
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            operation_ids.append(op["operationId"])
            assert op["summary"], (path, method)
            assert op["responses"], (path, method)
            assert all(str(code).isdigit() for code in op["responses"]), (path, method)
            for placeholder in [p for p in path.split("/") if p.startswith("{")]:
                names = {p.get("name") for p in op.get("parameters", [])}
                assert placeholder.strip("{}") in names, (path, method)
            if method in {"post", "patch"}:
                assert op["requestBody"]["content"]["application/json"]["schema"]
                assert {"400", "401", "413", "415"} <= set(op["responses"])
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = refs_in(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/")
        target: Any = document
        for part in ref[2:].split("/"):
            assert part in target, ref
            target = target[part]


def test_bearer_auth_is_described_and_required(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert document["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_errors_are_described(document: dict[str, Any]) -> None:
    responses = document["components"]["responses"]
    assert set(responses) == {"E400", "E401", "E404", "E405", "E409", "E413", "E415", "E429"}
    assert "Retry-After" in responses["E429"]["headers"]
    error = validator_for(document, "Error")
    for name, response in responses.items():
        assert set(response["content"]) == {"application/problem+json"}
        example = response["content"]["application/problem+json"]["example"]
        error.validate(example)
        assert example["status"] == int(name.removeprefix("E"))
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert {"400", "405"} <= set(op["responses"]), (path, method)
            if path != "/api/v1/openapi.json":  # the document itself is public and not rate-limited
                assert "429" in op["responses"], (path, method)


def test_every_constraint_the_api_enforces_is_stated(document: dict[str, Any]) -> None:
    from delivery.api.validation import BOUND_PATTERN, SLUG_PATTERN, TIMESTAMP_PATTERN

    schemas = document["components"]["schemas"]
    assert schemas["DeploymentInput"]["properties"]["team"]["pattern"] == SLUG_PATTERN
    assert schemas["DeploymentInput"]["properties"]["finished_at"]["pattern"] == TIMESTAMP_PATTERN
    assert schemas["DeploymentInput"]["properties"]["features"]["uniqueItems"] is True
    listing = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/deployments"]["get"]["parameters"]}
    assert listing["team"]["pattern"] == SLUG_PATTERN
    assert listing["from"]["pattern"] == listing["to"]["pattern"] == BOUND_PATTERN
    assert listing["page"]["maximum"] == 100_000
    patch = document["paths"]["/api/v1/incidents/{key}"]["patch"]
    assert "resolved_at must not be before" in patch["description"]
    alias = document["paths"]["/api/plugins/webhook/connections/{connectionId}/deployments"]["post"]
    assert "404" in alias["responses"]


def test_devlake_mapping_is_documented(document: dict[str, Any]) -> None:
    mapping = document["components"]["schemas"]["DevLakeDeployment"]["x-mapping"]
    assert {row["devlake"] for row in mapping} >= {"id", "environment", "result", "finishedDate"}


def test_schemas_are_valid_json_schema_and_examples_match(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert validator_for(document, name)
    for ops in document["paths"].values():
        for op in ops.values():
            body = op.get("requestBody")
            if body:
                media = body["content"]["application/json"]
                validator_for(document, media["schema"]["$ref"].rsplit("/", 1)[1]).validate(media["example"])
            for response in op["responses"].values():
                content = response.get("content", {}).get("application/json", {})
                if "example" in content and "$ref" in content.get("schema", {}):
                    validator_for(document, content["schema"]["$ref"].rsplit("/", 1)[1]).validate(
                        content["example"]
                    )


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(document)


def test_real_responses_match_the_documented_schemas(
    client: Any, document: dict[str, Any], team: Any
) -> None:
    _, token = services.token_create(org=team.org, name="CI", by=None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    example = dict(
        document["paths"]["/api/v1/deployments"]["post"]["requestBody"]["content"]["application/json"][
            "example"
        ]
    )
    example.update(team=team.slug, features=[])
    created = client.post(
        "/api/v1/deployments", data=json.dumps(example), content_type="application/json", **auth
    )
    assert created.status_code == 201
    validator_for(document, "Deployment").validate(created.json())
    validator_for(document, "DeploymentPage").validate(client.get("/api/v1/deployments", **auth).json())
    incident = {
        "team": team.slug,
        "title": "Down",
        "started_at": "2026-03-02T15:00:00+01:00",
        "deployment": example["key"],
    }
    response = client.post(
        "/api/v1/incidents", data=json.dumps(incident), content_type="application/json", **auth
    )
    validator_for(document, "Incident").validate(response.json())
    validator_for(document, "IncidentPage").validate(client.get("/api/v1/incidents", **auth).json())
    bad = client.post("/api/v1/incidents", data="{}", content_type="application/json", **auth)
    validator_for(document, "Error").validate(bad.json())
    devlake = document["paths"]["/api/v1/devlake/deployments"]["post"]["requestBody"]["content"][
        "application/json"
    ]["example"]
    response = client.post(
        f"/api/v1/devlake/deployments?team={team.slug}",
        data=json.dumps(devlake),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    validator_for(document, "Deployment").validate(response.json())


def test_openapi_is_english_and_read_only(client: Any) -> None:
    response = client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="fr")
    assert json.loads(response.content)["info"]["title"] == "Deployments and incidents intake"
    assert client.post("/api/v1/openapi.json").status_code == 405


def test_docs_page_lists_every_endpoint_with_curl(client_for: Any, viewer: Any) -> None:
    response = client_for(viewer).get(reverse("delivery:api_docs"))
    assert response.status_code == 200
    page = response.content.decode()
    for path in API_PATHS:
        assert path in page
    assert "curl -X POST" in page
    assert "Authorization: Bearer $RITUALS_TOKEN" in page
    assert "commits[].sha" in page
    assert "deploymentCommits[].commitAuthoredDate" in page
    assert "<script" not in page.split("</head>")[1]


def test_docs_page_in_french(client_for: Any, viewer: Any) -> None:
    response = client_for(viewer).get(reverse("delivery:api_docs"), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert "Compatibilité DevLake" in page
    assert "Enregistrer un déploiement" in page


def test_docs_page_needs_login(client: Any) -> None:
    assert client.get(reverse("delivery:api_docs")).status_code == 302


def test_document_builds_in_every_language() -> None:
    from django.utils import translation

    for language in ("en", "fr"):
        with translation.override(language):
            json.dumps(openapi_document(server_url="https://example.test"))
