"""A real OpenID provider for the single sign-on tests: django-oidc-provider (installed in the test
settings only) mounted under /openid/ of the live server, with its own plain password login at
/idp/login/. Reached at 127.0.0.1 while the application is reached at localhost, the two keep
separate session cookies, like a provider on another host."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.urls import urlpatterns as application_urls

# The address the provider vouches for, by the provider account's own address (default: the same).
VOUCHED_EMAILS: dict[str, str] = {}

urlpatterns = [
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("idp/login/", auth_views.LoginView.as_view(), name="idp_login"),
    *application_urls,
]


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    """OIDC_USERINFO: the claims the provider gives about `user`."""
    claims["email"] = VOUCHED_EMAILS.get(user.email, user.email)
    claims["email_verified"] = True
    claims["name"] = user.name
    return claims
