from __future__ import annotations

from django.urls import path, re_path

from delivery.api import pages, views

# Included by delivery.urls at "" (namespace "delivery"). API paths take an optional trailing slash.
urlpatterns = [
    re_path(r"^api/v1/deployments/?$", views.deployments, name="api_deployments"),
    re_path(r"^api/v1/deployments/(?P<key>[^/]+)/?$", views.deployment_detail, name="api_deployment"),
    re_path(r"^api/v1/incidents/?$", views.incidents, name="api_incidents"),
    re_path(r"^api/v1/incidents/(?P<key>[^/]+)/?$", views.incident_detail, name="api_incident"),
    path("api/v1/openapi.json", views.openapi_json, name="api_openapi"),
    path("api/docs/", pages.api_docs, name="api_docs"),
    path("settings/api-tokens/", pages.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", pages.api_token_revoke, name="api_token_revoke"),
    path("settings/imports/csv/", pages.csv_import, name="csv_import"),
    path("settings/imports/csv/example-<str:kind>.csv", pages.csv_example, name="csv_example"),
    # Any other path under /api/ (the DevLake alias's /api/plugins/… included, integrations' URLs
    # come first): a JSON 404. /api/docs without its slash still redirects to the docs page.
    re_path(r"^api/(?P<rest>(?!docs$).*)$", views.not_found, name="api_not_found"),
]
