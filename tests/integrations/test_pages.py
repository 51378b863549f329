from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from integrations import crypto, services
from integrations.models import Connection, Delivery

pytestmark = pytest.mark.django_db


def test_create_shows_secret_once_and_stores_it_encrypted(client_for, ops, team):
    client = client_for(ops)
    response = client.post(
        "/settings/connections/",
        {
            "provider": "github",
            "name": "Shop",
            "team": team.pk,
            "sources": "octo/shop = " + team.slug,
            "environments": "",
        },
    )
    assert response.status_code == 201
    connection = Connection.objects.get()
    secret = response.context["secret"]
    assert secret
    assert secret.encode() not in bytes(connection.secret_encrypted)
    assert crypto.decrypt(connection.secret_encrypted) == secret
    assert f"/hooks/github/{connection.pk}/" in response.content.decode()
    assert secret not in client.get(f"/settings/connections/{connection.pk}/").content.decode()
    assert connection.sources == {"octo/shop": team.slug}


def test_unknown_team_in_mapping_is_a_field_error(client_for, ops):
    response = client_for(ops).post(
        "/settings/connections/", {"provider": "github", "name": "Shop", "sources": "octo/shop = nope"}
    )
    assert response.status_code == 400
    assert not Connection.objects.exists()


def test_rotate_pause_delete(client_for, ops, org):
    connection, old = services.connection_create(org=org, provider="github", name="GH")
    client = client_for(ops)
    response = client.post(f"/settings/connections/{connection.pk}/rotate/")
    new = response.context["secret"]
    assert new != old
    assert services.connection_secret(Connection.objects.get()) == new
    client.post(f"/settings/connections/{connection.pk}/pause/")
    assert Connection.objects.get().paused
    client.post(f"/settings/connections/{connection.pk}/delete/")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("role", ["pm", "engineer", "viewer", "engineering_manager"])
def test_only_product_ops_and_leadership_manage_connections(client_for, make_member, org, role):
    connection, _ = services.connection_create(org=org, provider="github", name="GH")
    client = client_for(make_member(role))
    assert client.get("/settings/connections/").status_code == 403
    assert client.post(f"/settings/connections/{connection.pk}/delete/").status_code == 403
    assert Connection.objects.exists()


def test_leadership_may_manage(client_for, make_member):
    assert client_for(make_member("cto")).get("/settings/connections/").status_code == 200


def test_another_orgs_connection_is_404(assert_404_for_outsider, org):
    connection, _ = services.connection_create(org=org, provider="github", name="GH")
    delivery = Delivery.objects.create(connection=connection, event="push", status="ignored", body=b"{}")
    base = f"/settings/connections/{connection.pk}/"
    assert_404_for_outsider(base, methods=("get", "post"))
    for action in ("rotate/", "pause/", "delete/", f"deliveries/{delivery.pk}/process/"):
        assert_404_for_outsider(base + action, methods=("post",))
    assert Connection.objects.get().paused is False


def test_recent_deliveries_and_process_again(client_for, ops, org, django_capture_on_commit_callbacks):
    connection, _ = services.connection_create(org=org, provider="github", name="GH")
    delivery = Delivery.objects.create(
        connection=connection,
        event="deployment_status",
        status="ignored",
        reason="unmapped_source",
        detail="octo/shop",
        body=b"{}",
    )
    client = client_for(ops)
    page = client.get(f"/settings/connections/{connection.pk}/").content.decode()
    assert "no team is mapped to this source" in page
    assert "octo/shop" in page
    assert page.count("Process again") == 1
    Delivery.objects.create(connection=connection, event="issues", status="ignored", reason="event_not_used")
    assert client.get(f"/settings/connections/{connection.pk}/").content.decode().count("Process again") == 1
    client.post(f"/settings/connections/{connection.pk}/deliveries/{delivery.pk}/process/")
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"


def test_settings_page_links_to_connections(client_for, ops):
    assert "/settings/connections/" in client_for(ops).get("/settings/").content.decode()


def test_command_add_list_process(org, team):
    out = StringIO()
    call_command("connectors", "add", org.slug, "github", "--team", team.slug, "--name", "Shop", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"id", "provider", "path", "secret"}
    assert data["path"] == f"/hooks/github/{data['id']}/"
    connection = Connection.objects.get(pk=data["id"])
    assert (connection.team, services.connection_secret(connection)) == (team, data["secret"])
    out = StringIO()
    call_command("connectors", "list", org.slug, stdout=out)
    assert [row["id"] for row in json.loads(out.getvalue())] == [data["id"]]
    Delivery.objects.create(connection=connection, event="ping", status="pending", body=b"{}")
    out = StringIO()
    call_command("connectors", "process", stdout=out)
    assert json.loads(out.getvalue()) == {"processed": 1}
    assert Delivery.objects.get().status == "recorded"


def test_the_providers_own_secret_replaces_ours(client_for, ops, org):
    connection, _ = services.connection_create(org=org, provider="pagerduty", name="PD")
    client = client_for(ops)
    client.post(f"/settings/connections/{connection.pk}/rotate/", {"secret": "pagerduty-made-this-secret"})
    assert services.connection_secret(Connection.objects.get()) == "pagerduty-made-this-secret"
    client.post(f"/settings/connections/{connection.pk}/rotate/", {"secret": "short"})
    assert services.connection_secret(Connection.objects.get()) == "pagerduty-made-this-secret"
