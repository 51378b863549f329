from __future__ import annotations

from django.urls import path, re_path

from productops import views
from productops.feedback import api as feedback_api
from productops.feedback import link_views
from productops.feedback import views as feedback
from productops.launches import views as launches

app_name = "productops"

urlpatterns = [
    # Before delivery's catch-all for /api/ (config.urls includes productops first).
    re_path(r"^api/v1/feedback/?$", feedback_api.feedback_endpoint, name="api_feedback"),
    path("experiments/", views.experiment_list, name="experiment_list"),
    path("experiments/new/", views.experiment_create, name="experiment_create"),
    path("experiments/template/", views.template_edit, name="experiment_template"),
    path("experiments/<int:pk>/", views.experiment_detail, name="experiment_detail"),
    path("experiments/<int:pk>/edit/", views.experiment_edit, name="experiment_edit"),
    path("experiments/<int:pk>/checklist/", views.experiment_checklist, name="experiment_checklist"),
    path("experiments/<int:pk>/start/", views.experiment_start, name="experiment_start"),
    path("experiments/<int:pk>/results/", views.experiment_results, name="experiment_results"),
    path("experiments/<int:pk>/stop/", views.experiment_stop, name="experiment_stop"),
    path("feedback/", feedback.feedback_inbox, name="feedback_inbox"),
    path("feedback/new/", feedback.feedback_create, name="feedback_create"),
    path("feedback/import/", feedback.feedback_import, name="feedback_import"),
    path("feedback/<int:pk>/link/", feedback.feedback_link, name="feedback_link"),
    path("feedback/<int:pk>/new-feature/", feedback.feedback_create_feature, name="feedback_create_feature"),
    path("feedback/merge/", feedback.feedback_merge, name="feedback_merge"),
    path("feedback/<int:pk>/dismiss/", feedback.feedback_dismiss, name="feedback_dismiss"),
    path("feedback/features/<str:key>/", feedback.feedback_evidence, name="feedback_evidence"),
    path("feedback/forms/", link_views.feedback_links, name="feedback_links"),
    path("feedback/forms/<slug:slug>/rotate/", link_views.feedback_link_rotate, name="feedback_link_rotate"),
    path("feedback/forms/<slug:slug>/toggle/", link_views.feedback_link_toggle, name="feedback_link_toggle"),
    path("feedback/form/<str:token>/", link_views.feedback_public, name="feedback_public"),
    path(
        "feedback/most-requested/<slug:slug>/", link_views.most_requested_panel, name="most_requested_panel"
    ),
    path(
        "feedback/most-requested/<slug:slug>/toggle/",
        link_views.most_requested_toggle,
        name="most_requested_toggle",
    ),
    path("launches/", launches.launch_list, name="launch_list"),
    path("launches/new/", launches.launch_create, name="launch_create"),
    path("launches/template/", launches.launch_template, name="launch_template"),
    path("launches/<int:pk>/", launches.launch_detail, name="launch_detail"),
    path("launches/<int:pk>/edit/", launches.launch_edit, name="launch_edit"),
    path("launches/<int:pk>/checklist/", launches.launch_checklist, name="launch_checklist"),
    path("launches/<int:pk>/delete/", launches.launch_delete, name="launch_delete"),
    path("launches/<int:pk>/review/", launches.launch_review, name="launch_review"),
    path("launches/<int:pk>/review/acceptance/", launches.launch_review_accept, name="launch_review_accept"),
]
