from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db.models.signals import pre_save
from django.urls import reverse

from collab.models import Invitation, Membership, Organisation, TeamMember
from tests.factories import PASSWORD, MembershipFactory, TeamFactory
from tests.metrics import queues

test_queue = queues.test_queue

pytestmark = pytest.mark.django_db


def test_login_page_renders_and_home_needs_login(client):
    assert client.get(reverse("home")).status_code == 302
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content


def test_member_sees_home_with_their_organisation(client_for, pm):
    response = client_for(pm).get(reverse("home"))
    assert response.status_code == 200
    assert pm.org.name in response.content.decode()


def test_pages_send_a_strict_csp(client_for, pm):
    response = client_for(pm).get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "<script>" not in response.content.decode()


def test_product_ops_creates_a_team(client_for, ops):
    response = client_for(ops).post(
        reverse("collab:team_create"), {"name": "Checkout", "topology": "platform"}
    )
    assert response.status_code == 302
    assert ops.org.teams.get(slug="checkout").topology == "platform"


def test_team_form_shows_field_errors_and_keeps_input(client_for, ops):
    TeamFactory(org=ops.org, slug="checkout")
    response = client_for(ops).post(reverse("collab:team_create"), {"name": "Checkout", "topology": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert 'value="Checkout"' in body


def test_engineer_cannot_create_a_team(client_for, make_member):
    engineer = make_member("engineer")
    assert (
        client_for(engineer)
        .post(reverse("collab:team_create"), {"name": "X", "topology": "platform"})
        .status_code
        == 403
    )


@pytest.mark.parametrize("member", ["abc", "", "999999"])
def test_removing_a_member_who_is_not_in_the_team_is_404(client_for, ops, team, member):
    response = client_for(ops).post(
        reverse("collab:team_detail", args=[team.slug]), {"action": "remove", "member": member}
    )
    assert response.status_code == 404


def test_team_of_another_organisation_is_404(assert_404_for_outsider, team):
    assert_404_for_outsider(reverse("collab:team_detail", args=[team.slug]), methods=("get", "post"))


def test_membership_of_another_organisation_is_404(assert_404_for_outsider, pm):
    assert_404_for_outsider(reverse("collab:membership_role", args=[pm.pk]), methods=("post",))


def test_invitation_by_email_link_brings_a_new_person_into_the_team(
    client_for, client, ops, team, django_capture_on_commit_callbacks, celery_eager
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ops).post(
            reverse("collab:invitation_create"),
            {"email": "New.Person@Example.test", "role": "tech_lead", "team": team.pk},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/accept/\S+/", mail.outbox[0].body).group(0)
    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    accept = client.post("/" + path, {"name": "New Person", "password1": PASSWORD, "password2": PASSWORD})
    assert accept.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.test", org=ops.org)
    assert membership.role == "tech_lead"
    assert TeamMember.objects.filter(team=team, membership=membership, role="tech_lead").exists()
    assert Invitation.objects.get(email="new.person@example.test").accepted_at is not None
    assert client.get("/" + path).status_code == 404  # used once


def test_inviting_an_existing_member_is_refused_with_a_reason(client_for, ops, pm):
    response = client_for(ops).post(
        reverse("collab:invitation_create"), {"email": pm.user.email, "role": "pm"}
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_switching_organisation(client_for, pm):
    other = MembershipFactory(user=pm.user, role="cto")
    client = client_for(pm)
    client.post(reverse("collab:org_switch"), {"org": other.org.slug})
    assert other.org.name in client.get(reverse("home")).content.decode()
    # An organisation the person is not in cannot be switched to.
    stranger = MembershipFactory()
    assert client.post(reverse("collab:org_switch"), {"org": stranger.org.slug}).status_code == 404


def test_repeated_failed_logins_lock_the_account_with_a_clear_message(client, pm, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": pm.user.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": pm.user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_password_reset_sends_a_link(client, pm):
    client.post(reverse("password_reset"), {"email": pm.user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_french_interface(client_for, pm):
    client = client_for(pm)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert "Fonctionnalités" in body


def test_home_shows_what_waits_for_the_person(client_for, pm, team, django_assert_max_num_queries):
    from tests.factories import FeatureFactory

    FeatureFactory(team=team, title="Checkout in one click", status="framing")
    FeatureFactory(team=team, title="Already shipped", status="accepted")
    client = client_for(pm)
    with django_assert_max_num_queries(14):
        body = client.get(reverse("home")).content.decode()
    assert "Checkout in one click" in body
    assert "Already shipped" not in body
    assert "Nothing waits for your decision." in body


def test_saving_the_organisation_settings_keeps_targets_edited_meanwhile(client_for, ops, org):
    def targets_edited_meanwhile(sender, instance, **kwargs):
        Organisation.objects.filter(pk=instance.pk).update(targets={"lead_time_hours": 24})

    pre_save.connect(targets_edited_meanwhile, sender=Organisation)
    try:
        response = client_for(ops).post(
            reverse("collab:settings"), {"name": "Renamed", "time_zone": "Europe/Paris", "language": "fr"}
        )
    finally:
        pre_save.disconnect(targets_edited_meanwhile, sender=Organisation)
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.language, org.targets) == ("Renamed", "fr", {"lead_time_hours": 24})


def test_times_are_shown_in_the_organisation_time_zone(client_for, make_member):
    from django.utils import timezone

    from tests.factories import OrganisationFactory

    tokyo = OrganisationFactory(time_zone="Asia/Tokyo")
    member = make_member("pm", organisation=tokyo)
    response = client_for(member).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"
    assert timezone.get_current_timezone_name() == "Europe/Paris"  # deactivated after the response


def test_an_smtp_outage_never_fails_a_saved_invitation(
    client_for, ops, team, settings, django_capture_on_commit_callbacks, test_queue
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ops).post(
            reverse("collab:invitation_create"), {"email": "late@example.test", "role": "pm", "team": team.pk}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="late@example.test").exists()
    (message,) = test_queue.messages()
    assert message["headers"]["task"] == "collab.tasks.send_email"
