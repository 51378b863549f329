from __future__ import annotations

from django.urls import path, re_path

from integrations import pages, views

app_name = "integrations"

# Included before delivery's URLs: its `/api/v1/…` catch-all answers 404 for anything not matched here.
urlpatterns = [
    re_path(r"^api/v1/devlake/deployments/?$", views.devlake_deployments, name="api_devlake_deployments"),
    re_path(
        r"^api/plugins/webhook/connections/(?P<connection_id>[0-9]+)/deployments/?$",
        views.devlake_deployments,
        name="api_devlake_connection_deployments",
    ),
    path("hooks/<str:provider>/<uuid:connection_id>/", views.hook, name="hook"),
    # Anything else under /hooks/ (a malformed id, a missing slash): a JSON 404, never the HTML page.
    re_path(r"^hooks/", views.hook_not_found, name="hook_not_found"),
    path("settings/connections/", pages.connections, name="connections"),
    path("settings/connections/<uuid:pk>/", pages.connection_detail, name="connection"),
    path("settings/connections/<uuid:pk>/rotate/", pages.connection_rotate, name="connection_rotate"),
    path("settings/connections/<uuid:pk>/pause/", pages.connection_pause, name="connection_pause"),
    path("settings/connections/<uuid:pk>/delete/", pages.connection_delete, name="connection_delete"),
    path("settings/connections/<uuid:pk>/backfill/", pages.connection_backfill, name="connection_backfill"),
    path(
        "settings/connections/<uuid:pk>/deliveries/<int:delivery_pk>/process/",
        pages.delivery_retry,
        name="delivery_retry",
    ),
]
