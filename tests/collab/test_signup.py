"""Starting on one's own: the sign-up form, its refusals, the e-mailed link, and the first steps."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from collab.audit import Action
from collab.models import AuditEvent, GlossaryTerm, Invitation, Membership, Organisation, User
from collab.signup import FOUNDER_ROLE, VERIFY_DAYS, slug_proposal
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.test",
    "password": "an analytical engine 1843",
    "org_name": "Acme Robots",
    "slug": "",
    "time_zone": "Europe/Paris",
    "language": "en",
}


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """committed(call, *args, **kwargs): the call, with what it queued after commit run (e-mail)."""

    def run(call: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def _sign_up(client: Any, **changes: str) -> Any:
    return client.post(reverse("signup"), {**GOOD, **changes})


def _link(body: str) -> str:
    match = re.search(r"https?://\S+/accounts/signup/verify/\?t=\S+", body)
    assert match, body
    return match.group(0)


def _nothing_created() -> None:
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_login_page_links_to_sign_up(client):
    assert reverse("signup").encode() in client.get(reverse("login")).content


def test_sign_up_creates_the_account_the_organisation_and_the_founder(client, celery_eager, committed):
    response = committed(_sign_up, client)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_pending")
    org = Organisation.objects.get()
    assert (org.slug, org.name, org.time_zone, org.language) == (
        "acme-robots",
        "Acme Robots",
        "Europe/Paris",
        "en",
    )
    assert org.awaiting_verification
    membership = Membership.objects.get(org=org)
    assert membership.user.email == "ada@example.test"
    assert membership.user.name == "Ada Lovelace"
    assert membership.user.check_password(GOOD["password"])
    assert membership.role == FOUNDER_ROLE == "ceo"
    assert GlossaryTerm.objects.filter(org=org).count() == 8
    assert AuditEvent.objects.filter(org=org, action=Action.ORGANISATION_CREATED, actor=membership).exists()
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]
    assert _link(mail.outbox[0].body).startswith("http://testserver/")


def test_the_slug_typed_is_kept(client, celery_eager):
    _sign_up(client, slug="robots")
    assert Organisation.objects.get().slug == "robots"


def test_until_verified_pages_say_check_your_inbox(client, celery_eager, committed):
    committed(_sign_up, client)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("signup_pending")
    assert client.get(reverse("collab:team_list"))["Location"] == reverse("signup_pending")
    page = client.get(reverse("signup_pending")).content.decode()
    assert "Check your inbox" in page
    assert "ada@example.test" in page
    assert reverse("signup_resend") in page


def test_send_again_mails_a_new_link(client, celery_eager, committed):
    committed(_sign_up, client)
    response = committed(client.post, reverse("signup_resend"))
    assert response["Location"] == reverse("signup_pending")
    assert len(mail.outbox) == 2
    assert _link(mail.outbox[1].body)


def test_the_link_opens_the_organisation(client, celery_eager, committed):
    committed(_sign_up, client)
    response = client.get(_link(mail.outbox[0].body))
    assert response["Location"] == reverse("home")
    assert not Organisation.objects.get().awaiting_verification
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Acme Robots" in home.content.decode()


def test_the_link_works_in_another_browser_then_asks_to_log_in(client, celery_eager, committed):
    committed(_sign_up, client)
    link = _link(mail.outbox[0].body)
    client.logout()
    response = client.get(link)
    assert response["Location"] == reverse("login")
    assert not Organisation.objects.get().awaiting_verification


def test_an_altered_link_is_refused(client, celery_eager, committed):
    committed(_sign_up, client)
    response = client.get(_link(mail.outbox[0].body) + "x")
    assert response.status_code == 400
    assert "no longer valid" in response.content.decode()
    assert Organisation.objects.get().awaiting_verification


def test_an_expired_link_is_refused(client, celery_eager, committed, monkeypatch):
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - VERIFY_DAYS * 86400 - 60)
    committed(_sign_up, client)
    monkeypatch.setattr("django.core.signing.time.time", lambda: now)
    assert client.get(_link(mail.outbox[0].body)).status_code == 400
    assert Organisation.objects.get().awaiting_verification


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"password": "password"}, "password", "This password is too common."),
        ({"org_name": "!!!"}, "org_name", "Give the organisation a name with letters or digits."),
        ({"slug": "no spaces"}, "slug", "Enter a valid “slug”"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"language": "de"}, "language", "Select a valid choice."),
    ],
)
def test_bad_input_shows_field_errors_and_creates_nothing(client, changes, field, message):
    response = _sign_up(client, **changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    _nothing_created()


def test_a_taken_email_is_refused(client):
    UserFactory(email="ada@example.test")
    response = _sign_up(client)
    assert "log in instead" in " ".join(response.context["form"].errors["email"])
    assert not Organisation.objects.exists()


def test_a_taken_slug_proposes_a_free_one(client):
    OrganisationFactory(slug="acme-robots")
    response = _sign_up(client)
    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == ["acme-robots is taken; acme-robots-2 is free."]
    assert 'value="acme-robots-2"' in response.content.decode()
    assert Organisation.objects.count() == 1
    assert not User.objects.exists()


def test_accepting_the_proposal_signs_up(client, celery_eager):
    OrganisationFactory(slug="acme-robots")
    _sign_up(client)
    assert _sign_up(client, slug="acme-robots-2").status_code == 302
    assert Organisation.objects.filter(slug="acme-robots-2", name="Acme Robots").exists()


def test_slug_proposal_skips_every_taken_number():
    for slug in ("acme", "acme-2", "acme-3"):
        OrganisationFactory(slug=slug)
    assert slug_proposal("acme") == "acme-4"
    assert slug_proposal("free") == "free"


def test_a_failure_midway_leaves_nothing(client, monkeypatch):
    def boom(org: Any) -> int:
        raise RuntimeError("glossary down")

    monkeypatch.setattr("collab.signup.glossary_seed_defaults", boom)
    client.raise_request_exception = False
    assert _sign_up(client).status_code == 500
    _nothing_created()


def test_sign_up_in_french(client):
    OrganisationFactory(slug="acme-robots")
    response = client.post(reverse("signup"), {**GOOD, "password": "x"}, HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert "Créer mon organisation" in body
    page = client.get(reverse("signup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Démarrer seul" in page


def test_pending_page_in_french(client, celery_eager, committed):
    committed(_sign_up, client)
    page = client.get(reverse("signup_pending"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vérifiez votre boîte de réception" in page
    assert "Renvoyer" in page


# --- First steps on the home page -------------------------------------------------------------


def _steps(client: Any) -> dict[str, str]:
    body = client.get(reverse("home")).content.decode()
    return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', body))


def test_first_steps_show_their_state(client_for):
    ceo = MembershipFactory(role="ceo")
    client = client_for(ceo)
    assert _steps(client) == {"teams": "no", "people": "no", "sync": "no", "delivery": "no", "import": "no"}
    TeamFactory(org=ceo.org)
    Invitation.objects.create(org=ceo.org, email="x@example.test", token="t1", expires_at="2099-01-01T00:00Z")
    steps = _steps(client)
    assert (steps["teams"], steps["people"], steps["sync"]) == ("yes", "yes", "no")


def test_first_steps_are_hidden_once_dismissed(client_for):
    ceo = MembershipFactory(role="ceo")
    client = client_for(ceo)
    response = client.post(reverse("collab:onboarding_dismiss"))
    assert response["Location"] == reverse("home")
    ceo.org.refresh_from_db()
    assert ceo.org.onboarding_dismissed_at is not None
    assert _steps(client) == {}


def test_first_steps_are_for_managers_only(client_for):
    pm = MembershipFactory(role="pm")
    assert _steps(client_for(pm)) == {}
    assert client_for(pm).post(reverse("collab:onboarding_dismiss")).status_code == 403


def test_first_steps_in_french(client_for):
    client = client_for(MembershipFactory(role="ceo"))
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Premiers pas" in body
    assert "pas encore" in body


def test_invite_many_people_at_once(client_for, celery_eager, committed):
    ceo = MembershipFactory(role="ceo")
    response = committed(
        client_for(ceo).post,
        reverse("collab:invite_many"),
        {"emails": "a@example.test, B@example.test\nc@example.test a@example.test", "role": "engineer"},
    )
    assert response["Location"] == reverse("home")
    assert sorted(Invitation.objects.filter(org=ceo.org).values_list("email", flat=True)) == [
        "a@example.test",
        "b@example.test",
        "c@example.test",
    ]
    assert len(mail.outbox) == 3


def test_invite_many_refuses_all_when_one_is_wrong(client_for):
    ceo = MembershipFactory(role="ceo")
    member = MembershipFactory(org=ceo.org, role="pm")
    client = client_for(ceo)
    bad = client.post(reverse("collab:invite_many"), {"emails": "a@example.test nope", "role": "engineer"})
    assert "Not e-mail addresses: nope" in " ".join(bad.context["form"].errors["emails"])
    taken = client.post(
        reverse("collab:invite_many"), {"emails": f"a@example.test {member.user.email}", "role": "engineer"}
    )
    assert "already a member" in " ".join(taken.context["form"].errors["emails"])
    assert not Invitation.objects.exists()
