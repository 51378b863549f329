"""The audit log: each recorded action written by its service, read by managers, in their language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from collab import services
from collab.audit import ACTION_LABELS, PAGE_SIZE, SENTENCES, Action, audit_record, audit_sentence
from collab.models import AuditEvent, Invitation
from delivery.api.services import token_create, token_revoke
from tests.collab.test_workspace_export import full_document
from tests.factories import MembershipFactory, UserFactory
from workspace.importer import import_workspace

pytestmark = pytest.mark.django_db


def _events(org: Any) -> list[tuple[str, Any, str, dict[str, Any]]]:
    return [
        (e.action, e.actor, e.target, e.details) for e in AuditEvent.objects.filter(org=org).order_by("id")
    ]


@pytest.fixture
def ceo(org: Any) -> Any:
    return MembershipFactory(org=org, role="ceo")


def test_a_role_change_is_recorded(ceo):
    pm = MembershipFactory(org=ceo.org, role="pm")
    services.membership_set_role(membership=pm, role="tech_lead", by=ceo)
    assert _events(ceo.org) == [
        ("role_changed", ceo, str(pm.user), {"person": str(pm.user), "old": "pm", "new": "tech_lead"})
    ]


def test_a_refused_role_change_records_nothing(ceo):
    with pytest.raises(services.ValidationError):
        services.membership_set_role(membership=ceo, role="viewer", by=ceo)
    assert _events(ceo.org) == []


def test_invitations_sent_revoked_and_accepted_are_recorded(ceo):
    invitation = services.invitation_create(org=ceo.org, email="A@example.test", role="pm", team=None, by=ceo)
    services.invitation_revoke(invitation=invitation, by=ceo)
    again = services.invitation_create(org=ceo.org, email="a@example.test", role="pm", team=None, by=ceo)
    membership = services.invitation_accept(invitation=again, user=UserFactory(email="a@example.test"))
    assert [(a, actor) for a, actor, _t, _d in _events(ceo.org)] == [
        ("invitation_sent", ceo),
        ("invitation_revoked", ceo),
        ("invitation_sent", ceo),
        ("invitation_accepted", membership),
    ]
    assert _events(ceo.org)[0][3] == {"email": "a@example.test", "role": "pm"}


def test_revoking_from_the_settings_page_names_who_did(client_for, ceo):
    invitation = Invitation.objects.create(
        org=ceo.org, email="b@example.test", token="t", expires_at=datetime(2099, 1, 1, tzinfo=UTC)
    )
    client_for(ceo).post(reverse("collab:invitation_revoke", args=[invitation.pk]))
    assert _events(ceo.org) == [("invitation_revoked", ceo, "b@example.test", {"email": "b@example.test"})]


def test_target_changes_are_recorded(client_for, ceo):
    response = client_for(ceo).post(reverse("metrics:targets"), {"lead_time_for_changes": "12"})
    assert response.status_code == 302
    assert _events(ceo.org) == [("targets_changed", ceo, "", {"metrics": ["lead_time_for_changes"]})]


def test_api_tokens_created_and_revoked_are_recorded(ceo):
    token, _plain = token_create(org=ceo.org, name="CI", by=ceo)
    token_revoke(token=token, by=ceo)
    token_revoke(token=token, by=ceo)  # already revoked: nothing new
    assert _events(ceo.org) == [
        ("api_token_created", ceo, "CI", {"name": "CI"}),
        ("api_token_revoked", ceo, "CI", {}),
    ]


def test_an_import_is_recorded():
    uploader = UserFactory(email="uploader@example.test")
    org = import_workspace(full_document(), uploader=uploader)
    assert _events(org) == [("workspace_imported", None, "uploader@example.test", {})]


def test_an_unknown_action_is_a_programming_error(org):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(org=org, actor=None, action="made_coffee")


def test_every_action_has_a_sentence_and_a_label():
    codes = {value for name, value in vars(Action).items() if name.isupper()}
    assert codes == set(SENTENCES) == set(ACTION_LABELS)


# --- Reading ---------------------------------------------------------------------------------


def test_managers_read_the_log_in_their_language(client_for, ceo):
    pm = MembershipFactory(org=ceo.org, role="pm", user=UserFactory(name="Grace Hopper"))
    services.membership_set_role(membership=pm, role="tech_lead", by=ceo)
    client = client_for(ceo)
    body = client.get(reverse("collab:audit_log")).content.decode()
    assert "changed the role of Grace Hopper from Product manager to Tech lead" in body
    body = client.get(reverse("collab:audit_log"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "a changé le rôle de Grace Hopper de Product manager à Tech Lead" in body


def test_the_settings_page_links_to_the_log_for_managers(client_for, ceo):
    assert reverse("collab:audit_log") in client_for(ceo).get(reverse("collab:settings")).content.decode()
    pm = MembershipFactory(org=ceo.org, role="pm")
    assert reverse("collab:audit_log") not in client_for(pm).get(reverse("collab:settings")).content.decode()


@pytest.mark.parametrize("role", ["pm", "engineer", "viewer", "engineering_manager"])
def test_only_managers_read_the_log(client_for, org, role):
    assert (
        client_for(MembershipFactory(org=org, role=role)).get(reverse("collab:audit_log")).status_code == 403
    )


def test_the_log_is_the_organisations_own(client_for, ceo):
    outsider = MembershipFactory(role="ceo")
    audit_record(
        org=outsider.org, actor=outsider, action=Action.API_TOKEN_CREATED, details={"name": "Secret CI"}
    )
    assert "Secret CI" not in client_for(ceo).get(reverse("collab:audit_log")).content.decode()


def test_the_log_filters_by_action_and_person(client_for, ceo):
    other = MembershipFactory(org=ceo.org, role="product_ops")
    audit_record(org=ceo.org, actor=ceo, action=Action.API_TOKEN_CREATED, details={"name": "by-ceo"})
    audit_record(org=ceo.org, actor=other, action=Action.API_TOKEN_CREATED, details={"name": "by-ops"})
    audit_record(org=ceo.org, actor=ceo, action=Action.API_TOKEN_REVOKED, details={"name": "gone-ceo"})
    client = client_for(ceo)

    def shown(**query: Any) -> list[str]:
        rows = client.get(reverse("collab:audit_log"), query).context["rows"]
        return sorted(sentence.split()[-1] for _event, sentence in rows)

    assert shown() == ["by-ceo", "by-ops", "gone-ceo"]
    assert shown(action="api_token_created") == ["by-ceo", "by-ops"]
    assert shown(person=str(ceo.pk)) == ["by-ceo", "gone-ceo"]
    assert shown(action="api_token_revoked", person=str(other.pk)) == []
    assert shown(action="nonsense", person="x") == ["by-ceo", "by-ops", "gone-ceo"]


def test_the_log_is_paginated(client_for, ceo):
    for n in range(PAGE_SIZE + 3):
        audit_record(org=ceo.org, actor=ceo, action=Action.API_TOKEN_CREATED, details={"name": f"t{n}"})
    client = client_for(ceo)
    first = client.get(reverse("collab:audit_log"))
    assert len(first.context["rows"]) == PAGE_SIZE
    assert "page=2" in first.content.decode()
    assert len(client.get(reverse("collab:audit_log"), {"page": "2"}).context["rows"]) == 3
    assert len(client.get(reverse("collab:audit_log"), {"page": "zzz"}).context["rows"]) == PAGE_SIZE


def test_a_sentence_with_missing_details_still_reads(org):
    event = AuditEvent(org=org, action=Action.ROLE_CHANGED, target="Ada", details={})
    assert audit_sentence(event) == "role_changed"
    event = AuditEvent(org=org, action=Action.INVITATION_REVOKED, target="x@example.test", details={})
    assert audit_sentence(event) == "revoked the invitation of x@example.test"


# --- Deletions and people leaving --------------------------------------------------------------


def test_deletions_are_recorded(client_for, ceo):
    from collab.features import glossary, okrs
    from collab.models import GlossaryTerm, KeyResult, Objective

    objective = Objective.objects.create(org=ceo.org, key="O1", title="Grow", quarter="2026-Q3")
    kr = KeyResult.objects.create(
        org=ceo.org, objective=objective, key="KR1", title="More", kind="business", target=1
    )
    term = GlossaryTerm.objects.create(
        org=ceo.org, term="MTTR", business_term="Time to repair", language="en"
    )
    okrs.key_result_delete(key_result=kr, by=ceo)
    okrs.objective_delete(objective=objective, by=ceo)
    glossary.glossary_term_delete(entry=term, by=ceo)
    assert [(a, d["kind"], d["name"]) for a, _actor, _t, d in _events(ceo.org)] == [
        ("record_deleted", "key_result", "KR1 · More"),
        ("record_deleted", "objective", "O1 · Grow"),
        ("record_deleted", "glossary_term", "MTTR (en)"),
    ]
    body = client_for(ceo).get(reverse("collab:audit_log"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "a supprimé « O1 · Grow » (objectif)" in body


def test_removing_someone_from_a_team_is_recorded(client_for, ceo, team):
    from tests.factories import TeamMemberFactory

    member = TeamMemberFactory(team=team, membership=MembershipFactory(org=ceo.org, role="engineer"))
    client_for(ceo).post(
        reverse("collab:team_detail", args=[team.slug]), {"action": "remove", "member": member.pk}
    )
    person = str(member.membership.user)
    assert _events(ceo.org) == [("team_member_removed", ceo, person, {"person": person, "team": team.name})]


def test_removing_a_member_keeps_their_records_and_is_recorded(client_for, ceo, team):
    from collab.models import TeamMember
    from tests.factories import TeamMemberFactory

    engineer = MembershipFactory(org=ceo.org, role="engineer", user=UserFactory(name="Linus"))
    TeamMemberFactory(team=team, membership=engineer)
    audit_record(org=ceo.org, actor=engineer, action=Action.API_TOKEN_CREATED, details={"name": "theirs"})
    response = client_for(ceo).post(reverse("collab:membership_remove", args=[engineer.pk]))
    assert response["Location"] == reverse("collab:settings")
    engineer.refresh_from_db()
    assert not engineer.is_active
    assert not TeamMember.objects.filter(membership=engineer).exists()
    assert AuditEvent.objects.filter(actor=engineer).count() == 1  # what they did stays theirs
    assert _events(ceo.org)[-1] == ("member_removed", ceo, "Linus", {"person": "Linus"})
    assert client_for(engineer).get(reverse("home")).status_code == 200  # no organisation any more
    assert "no longer a member" in client_for(ceo).get(reverse("collab:settings")).content.decode()


def test_nobody_removes_themselves_or_someone_more_senior(client_for, org):
    ops = MembershipFactory(org=org, role="product_ops")
    cto = MembershipFactory(org=org, role="cto")
    client = client_for(ops)
    assert client.post(reverse("collab:membership_remove", args=[ops.pk])).status_code == 403
    assert client.post(reverse("collab:membership_remove", args=[cto.pk])).status_code == 403
    ops.refresh_from_db()
    cto.refresh_from_db()
    assert ops.is_active
    assert cto.is_active
    assert _events(org) == []


def test_handing_the_managing_role_over_is_recorded(client_for, ceo):
    pm = MembershipFactory(org=ceo.org, role="pm", user=UserFactory(name="Grace"))
    client = client_for(ceo)
    assert client.get(reverse("collab:hand_over")).status_code == 200
    response = client.post(reverse("collab:hand_over"), {"person": pm.pk, "new_role": "vp_product"})
    assert response["Location"] == reverse("collab:settings")
    pm.refresh_from_db()
    ceo.refresh_from_db()
    assert (pm.role, ceo.role) == ("ceo", "vp_product")
    assert _events(ceo.org) == [("manager_transferred", ceo, "Grace", {"person": "Grace", "role": "ceo"})]


def test_the_hand_over_form_refuses_oneself_and_a_higher_role(client_for, org):
    ops = MembershipFactory(org=org, role="product_ops")
    pm = MembershipFactory(org=org, role="pm")
    client = client_for(ops)
    response = client.post(reverse("collab:hand_over"), {"person": ops.pk, "new_role": "pm"})
    assert response.context["form"].errors["person"]
    response = client.post(reverse("collab:hand_over"), {"person": pm.pk, "new_role": "ceo"})
    assert response.context["form"].errors["new_role"]
    assert client_for(pm).get(reverse("collab:hand_over")).status_code == 403
    assert _events(org) == []
