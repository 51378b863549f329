from __future__ import annotations

from django.urls import path

from metrics import views, views_records, views_teams

app_name = "metrics"

urlpatterns = [
    path("dashboards/", views.overview, name="overview"),
    path("dashboards/health/", views.health, name="health"),
    path("dashboards/dora/", views.dora, name="dora"),
    path("dashboards/investment/", views.investment, name="investment"),
    path("dashboards/escalations/", views.escalations, name="escalations"),
    path("dashboards/team-table/", views_teams.team_table, name="team_table"),
    path("dashboards/teams/<slug:slug>/", views.team, name="team"),
    path("dashboards/teams/<slug:slug>/velocity-panel/", views.velocity_panel, name="velocity_panel"),
    path("dashboards/records/<slug:metric>/", views_records.drilldown, name="drilldown"),
    path("dashboards/records/<slug:metric>/export.csv", views_records.drilldown_csv, name="drilldown_csv"),
    path("dashboards/export.csv", views_records.export_csv, name="export_csv"),
    path("dashboards/targets/", views_records.targets, name="targets"),
    path("dashboards/recompute/", views_records.recompute, name="recompute"),
]
