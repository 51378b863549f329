from __future__ import annotations

from django.urls import path, re_path

from metrics.api import pages, views

# Included by metrics.urls at "" (namespace "metrics"). API paths take an optional trailing slash.
urlpatterns = [
    re_path(r"^api/v1/deployments/?$", views.deployments, name="api_deployments"),
    re_path(r"^api/v1/deployments/(?P<key>[^/]+)/?$", views.deployment_detail, name="api_deployment"),
    re_path(r"^api/v1/incidents/?$", views.incidents, name="api_incidents"),
    re_path(r"^api/v1/incidents/(?P<key>[^/]+)/?$", views.incident_detail, name="api_incident"),
    re_path(r"^api/v1/devlake/deployments/?$", views.devlake_deployments, name="api_devlake_deployments"),
    re_path(
        r"^api/plugins/webhook/connections/(?P<connection_id>[0-9]+)/deployments/?$",
        views.devlake_deployments,
        name="api_devlake_connection_deployments",
    ),
    path("api/v1/openapi.json", views.openapi_json, name="api_openapi"),
    path("api/docs/", pages.api_docs, name="api_docs"),
    path("settings/api-tokens/", pages.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", pages.api_token_revoke, name="api_token_revoke"),
    path("settings/imports/csv/", pages.csv_import, name="csv_import"),
    path("settings/imports/csv/example-<str:kind>.csv", pages.csv_example, name="csv_example"),
    re_path(r"^api/v1/(?P<rest>.*)$", views.not_found, name="api_not_found"),
]
