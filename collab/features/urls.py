from __future__ import annotations

from django.urls import path

from collab.features import views

urlpatterns = [
    path("features/", views.feature_list, name="feature_list"),
]
