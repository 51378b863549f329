from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from collab.models import User

pytestmark = pytest.mark.django_db


def test_every_model_has_an_admin_changelist(client):
    superuser = User.objects.create_superuser(email="root@example.test", password="x-secret-password")
    client.force_login(superuser)
    from django.apps import apps

    ours = [m for app in ("collab", "rituals", "metrics") for m in apps.get_app_config(app).get_models()]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []
    for model in ours:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_unknown_page_gets_the_friendly_404(client_for, pm, settings):
    settings.DEBUG = False
    response = client_for(pm).get("/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist here" in response.content.decode()


def test_settings_show_what_each_role_may_do(client_for, viewer):
    body = client_for(viewer).get(reverse("collab:settings")).content.decode()
    assert "Roles and what each may do" in body
    assert "Decide escalations of their level" in body


@pytest.mark.parametrize(
    ("url_name", "kwargs", "section"),
    [
        ("collab:feature_list", {}, "Features"),
        ("collab:settings", {}, "Settings"),
        ("rituals:sync_list", {}, "Rituals"),
        ("rituals:conflict_list", {}, "Conflicts"),
        ("rituals:escalation_inbox", {}, "Conflicts"),
        ("metrics:overview", {}, "Dashboards"),
        ("metrics:targets", {}, "Settings"),
    ],
)
def test_navigation_marks_the_current_section(client_for, ops, url_name, kwargs, section):
    body = client_for(ops).get(reverse(url_name, kwargs=kwargs)).content.decode()
    nav = body[body.index('class="mainnav"') : body.index("</nav>")]
    current = nav[: nav.index('aria-current="page"') + 200]
    assert f">{section}</a>" in current.split('aria-current="page"')[1][:40]


def test_team_dashboard_is_under_dashboards(client_for, ops, team):
    body = client_for(ops).get(reverse("metrics:team", args=[team.slug])).content.decode()
    nav = body[body.index('class="mainnav"') : body.index("</nav>")]
    assert 'aria-current="page">Dashboards</a>' in nav
