from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from productops.feedback import links
from productops.models import FeedbackItem, TeamFeedbackLink
from tests.factories import FeatureFactory, MembershipFactory, OrganisationFactory
from tests.productops.factories import FeedbackItemFactory
from tests.rituals.factories import drive_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def test_product_ops_creates_a_link_anyone_can_post_to_without_login(client_for, ops, team):
    page = client_for(ops).post(reverse("productops:feedback_link_rotate", args=[team.slug])).content.decode()
    url = page.split('readonly value="')[1].split('"')[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert TeamFeedbackLink.objects.get(team=team).token_hash == links.token_hash(token)
    assert token not in TeamFeedbackLink.objects.get(team=team).token_hash
    anonymous = Client(enforce_csrf_checks=True)
    form_page = anonymous.get(url)
    assert form_page.status_code == 200
    csrf = form_page.cookies["csrftoken"].value
    response = anonymous.post(
        url, {"text": "Dark mode!", "account": "Acme", "source": "in_app", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 200
    assert 'id="feedback-sent"' in response.content.decode()
    item = FeedbackItem.objects.get(org=ops.org)
    assert (item.text, item.via, item.team, item.logged_by) == ("Dark mode!", "form", team, None)
    # CSRF is kept.
    assert Client(enforce_csrf_checks=True).post(url, {"text": "x", "source": "other"}).status_code == 403


def test_turning_off_or_replacing_the_link_closes_the_old_one(client_for, ops, team, client):
    old = links.link_rotate(team=team)
    url = reverse("productops:feedback_public", args=[old])
    assert client.get(url).status_code == 200
    client_for(ops).post(reverse("productops:feedback_link_toggle", args=[team.slug]), {"enabled": "0"})
    client.logout()
    assert client.get(url).status_code == 404
    new = links.link_rotate(team=team)
    assert client.get(url).status_code == 404
    assert client.get(reverse("productops:feedback_public", args=[new])).status_code == 200
    assert client.get(reverse("productops:feedback_public", args=["x" * 500])).status_code == 404


def test_the_public_form_is_rate_limited(client, team, settings):
    settings.RATELIMIT_FEEDBACK_FORM = "2/h"
    url = reverse("productops:feedback_public", args=[links.link_rotate(team=team)])
    codes = [client.post(url, {"text": f"n{i}", "source": "other"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert FeedbackItem.objects.count() == 2


def test_only_feedback_editors_manage_links_and_other_orgs_get_404(client_for, make_member, team):
    engineer = make_member("engineer")
    assert (
        client_for(engineer).post(reverse("productops:feedback_link_rotate", args=[team.slug])).status_code
        == 403
    )
    stranger = MembershipFactory(org=OrganisationFactory(), role="product_ops")
    assert (
        client_for(stranger).post(reverse("productops:feedback_link_rotate", args=[team.slug])).status_code
        == 404
    )
    assert not TeamFeedbackLink.objects.exists()


def test_most_requested_unplanned_features_in_the_roadmap_section(client_for, pm, ops, team):
    wanted = FeatureFactory(team=team, title="Dark mode", status="idea")
    planned = FeatureFactory(team=team, title="SSO", status="idea", planned_week="2026-W50")
    quiet = FeatureFactory(team=team, title="Quiet", status="framing")
    for account in ("Acme", "Globex", "Acme"):
        FeedbackItemFactory(logged_by=ops, feature=wanted, status="linked", account=account)
    for account in ("A", "B", "C", "D"):
        FeedbackItemFactory(logged_by=ops, feature=planned, status="linked", account=account)
    FeedbackItemFactory(logged_by=ops, feature=quiet, status="linked", account="Acme")
    rows = links.most_requested_unplanned(team=team)
    assert [(r.feature, r.mentions, r.accounts) for r in rows] == [(wanted, 3, 2), (quiet, 1, 1)]

    sync = drive_sync(ops.org, team, ops)
    client = client_for(pm)
    sync_page = client.get(reverse("rituals:sync_detail", args=[sync.pk])).content.decode()
    assert reverse("productops:most_requested_panel", args=[team.slug]) in sync_page
    panel_url = reverse("productops:most_requested_panel", args=[team.slug])
    assert "Dark mode" not in client.get(panel_url).content.decode()
    back = reverse("rituals:sync_detail", args=[sync.pk])
    response = client.post(
        reverse("productops:most_requested_toggle", args=[team.slug]), {"show": "1", "next": back}
    )
    assert response["Location"] == back
    panel = client.get(panel_url).content.decode()
    assert "Dark mode" in panel
    assert "SSO" not in panel
    client.post(
        reverse("productops:most_requested_toggle", args=[team.slug]),
        {"show": "0", "next": "https://evil.example/"},
    )
    assert "Dark mode" not in client.get(panel_url).content.decode()


def test_received_date_of_form_feedback_is_today(client, team):
    url = reverse("productops:feedback_public", args=[links.link_rotate(team=team)])
    client.post(url, {"text": "Hello", "source": "other"})
    assert FeedbackItem.objects.get().received_on >= dt.date(2026, 1, 1)


def test_the_panel_of_another_organisations_team_is_404(client_for, team):
    stranger = MembershipFactory(org=OrganisationFactory(), role="product_ops")
    client = client_for(stranger)
    assert client.get(reverse("productops:most_requested_panel", args=[team.slug])).status_code == 404
    response = client.post(reverse("productops:most_requested_toggle", args=[team.slug]), {"show": "1"})
    assert response.status_code == 404
    assert not TeamFeedbackLink.objects.filter(team=team).exists()
