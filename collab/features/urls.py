"""Features, specs, OKRs and the glossary (included by collab/urls.py under the `collab` namespace)."""

from __future__ import annotations

from django.urls import path

from collab.features import settings_views, spec_views, views

urlpatterns = [
    path("features/", views.feature_list, name="feature_list"),
    path("features/new/", views.feature_create, name="feature_create"),
    path("features/roadmap/", views.roadmap, name="roadmap"),
    path("features/<str:key>/", views.feature_detail, name="feature_detail"),
    path("features/<str:key>/edit/", views.feature_edit, name="feature_edit"),
    path("features/<str:key>/status/", views.feature_transition, name="feature_transition"),
    path("features/<str:key>/review/", views.review_create, name="review_create"),
    path("features/<str:key>/drop/", views.feature_drop, name="feature_drop"),
    path("features/<str:key>/spec/", spec_views.spec_edit, name="spec_edit"),
    path("features/<str:key>/spec/history/", spec_views.spec_history, name="spec_history"),
    path("features/<str:key>/spec/business/", spec_views.spec_business, name="spec_business"),
    path("features/<str:key>/session/", spec_views.spec_session, name="spec_session"),
    path("features/<str:key>/session/start/", spec_views.spec_session_start, name="spec_session_start"),
    path("features/<str:key>/session/phase/", spec_views.spec_session_phase, name="spec_session_phase"),
    path(
        "features/<str:key>/session/autosave/", spec_views.spec_session_autosave, name="spec_session_autosave"
    ),
    path("features/<str:key>/session/end/", spec_views.spec_session_end, name="spec_session_end"),
    path("features/<str:key>/sessions/new/", spec_views.spec_session_record_view, name="spec_session_record"),
    path("okrs/", settings_views.okr_list, name="okr_list"),
    path("okrs/new/", settings_views.objective_create, name="objective_create"),
    path("okrs/key-results/<str:key>/", settings_views.key_result_edit, name="key_result_edit"),
    path("okrs/key-results/<str:key>/delete/", settings_views.key_result_delete, name="key_result_delete"),
    path("okrs/<str:key>/", settings_views.objective_edit, name="objective_edit"),
    path("okrs/<str:key>/delete/", settings_views.objective_delete, name="objective_delete"),
    path("okrs/<str:key>/key-results/new/", settings_views.key_result_create, name="key_result_create"),
    path("settings/glossary/", settings_views.glossary_list, name="glossary"),
    path("settings/glossary/defaults/", settings_views.glossary_defaults, name="glossary_defaults"),
    path("settings/glossary/<int:pk>/", settings_views.glossary_edit, name="glossary_edit"),
    path("settings/glossary/<int:pk>/delete/", settings_views.glossary_delete, name="glossary_delete"),
]
