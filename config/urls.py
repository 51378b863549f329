from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from collab.ratelimits import rate_limited
from workspace import pages as workspace_pages
from workspace import probes as workspace_probes
from workspace import signin, sso, sso_views

urlpatterns = [
    path("", workspace_pages.home, name="home"),
    path("healthz", workspace_pages.healthz, name="healthz"),
    path("healthz/live", workspace_probes.live, name="healthz_live"),
    path("healthz/ready", workspace_probes.ready, name="healthz_ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", signin.SignInView.as_view(), name="login"),
    path("accounts/login/code/", signin.login_code, name="login_code"),
    path("accounts/sso/", sso_views.sso_login, name="sso_login"),
    path("accounts/sso/start/<slug:slug>/", sso.SSOStartView.as_view(), name="sso_start"),
    path("accounts/sso/callback/", sso.SSOCallbackView.as_view(), name="sso_callback"),
    path(
        "accounts/password_reset/",
        rate_limited("password-reset", "RATELIMIT_PASSWORD_RESET")(
            auth_views.PasswordResetView.as_view(form_class=signin.SignInPasswordResetForm)
        ),
        name="password_reset",
    ),
    path("accounts/signup/", include("collab.signup_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("collab.urls")),
    path("", include("rituals.urls")),
    path("", include("productops.urls")),
    path("", include("metrics.urls")),
    path("", include("integrations.urls")),
    path("", include("delivery.urls")),
    path("", include("workspace.urls")),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler403 = "config.errors.forbidden"
handler500 = "config.errors.server_error"
