"""Under /accounts/signup/ (config/urls.py): names without a namespace, like Django's auth URLs."""

from __future__ import annotations

from django.urls import path

from collab import signup_views

urlpatterns = [
    path("", signup_views.signup, name="signup"),
    path("pending/", signup_views.pending, name="signup_pending"),
    path("pending/send-again/", signup_views.resend, name="signup_resend"),
    path("verify/", signup_views.verify, name="signup_verify"),
]
