from __future__ import annotations

from django.urls import path

from rituals.leadership import views_records, views_reviews

urlpatterns = [
    path(
        "rituals/syncs/<int:pk>/review/decisions/new/",
        views_reviews.review_decision_add,
        name="review_decision_add",
    ),
    path(
        "rituals/syncs/<int:pk>/review/decisions/<int:decision_pk>/delete/",
        views_reviews.review_decision_delete,
        name="review_decision_delete",
    ),
    path("rituals/syncs/<int:pk>/speaking/", views_reviews.speaking_mark, name="speaking_mark"),
    path("rituals/tech-wins/", views_records.tech_win_list, name="tech_win_list"),
    path("rituals/tech-wins/new/", views_records.tech_win_create, name="tech_win_create"),
    path("rituals/tech-wins/<int:pk>/", views_records.tech_win_detail, name="tech_win_detail"),
    path("rituals/tech-wins/<int:pk>/edit/", views_records.tech_win_edit, name="tech_win_edit"),
    path("rituals/tech-wins/<int:pk>/submit/", views_records.tech_win_submit, name="tech_win_submit"),
    path("rituals/tech-wins/<int:pk>/review/", views_records.tech_win_review, name="tech_win_review"),
    path("rituals/interviews/", views_records.interview_list, name="interview_list"),
    path("rituals/interviews/new/", views_records.interview_create, name="interview_create"),
    path("rituals/interviews/<int:pk>/", views_records.interview_detail, name="interview_detail"),
    path("rituals/interviews/<int:pk>/edit/", views_records.interview_edit, name="interview_edit"),
    path("rituals/interviews/<int:pk>/delete/", views_records.interview_delete, name="interview_delete"),
    path("rituals/leadership/targets/", views_records.leadership_targets, name="leadership_targets"),
    path("rituals/leadership/overview-panel/", views_records.overview_panel, name="leadership_panel"),
    path("rituals/leadership/health-panel/", views_records.health_panel, name="interviews_panel"),
]
