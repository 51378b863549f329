from __future__ import annotations

from django.urls import path, re_path

from integrations import pages, views
from integrations.notices import pages as notice_pages

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
    path("settings/notices/", notice_pages.channels, name="notice_channels"),
    path("settings/notices/<uuid:pk>/", notice_pages.channel_detail, name="notice_channel"),
    path("settings/notices/<uuid:pk>/url/", notice_pages.channel_url, name="notice_channel_url"),
    path("settings/notices/<uuid:pk>/test/", notice_pages.channel_test, name="notice_channel_test"),
    path("settings/notices/<uuid:pk>/pause/", notice_pages.channel_pause, name="notice_channel_pause"),
    path("settings/notices/<uuid:pk>/delete/", notice_pages.channel_delete, name="notice_channel_delete"),
    path(
        "settings/notices/<uuid:pk>/sends/<int:send_pk>/again/",
        notice_pages.send_again,
        name="notice_send_again",
    ),
]
