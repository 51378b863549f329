from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rituals.conflicts import selectors, services
from rituals.conflicts.notifications import escalation_recipients
from rituals.models import Decision, Escalation
from tests.factories import MembershipFactory, TeamFactory
from tests.rituals.factories import (
    ConflictFactory,
    ConflictSessionFactory,
    EscalationFactory,
    PivotedConflictFactory,
    SyncItemFactory,
)
from tests.rituals.test_conflicts import MATRIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def cto(make_member):
    return make_member("cto", email="cto@example.test", name="Camille CTO")


@pytest.fixture
def item(team):
    return SyncItemFactory(section__sync__team=team, title="Partner API by June?")


@pytest.mark.parametrize(("category", "level"), MATRIX)
def test_escalating_a_conflict_goes_to_the_level_of_its_category(team, pm, category, level):
    conflict = ConflictFactory(team=team, category=category)
    escalation = services.escalation_open_from_conflict(conflict=conflict, by=pm)
    assert (escalation.level, escalation.conflict, escalation.key) == (level, conflict, "E-1")


@pytest.mark.parametrize(("category", "level"), MATRIX)
def test_escalating_a_sync_item_by_category_follows_the_matrix(item, pm, category, level):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", category=category)
    assert (escalation.level, escalation.sync, escalation.sync_item) == (level, item.sync, item)


def test_escalating_a_sync_item_with_a_level_only(item, pm):
    assert services.escalation_open_from_item(item=item, by=pm, title="t", level=3).level == 3
    with pytest.raises(ValidationError):
        services.escalation_open_from_item(item=SyncItemFactory(), by=pm, title="t")


def test_escalating_a_sync_item_refreshes_its_sync(item, pm):
    revision = item.sync.revision
    services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    item.sync.refresh_from_db()
    assert item.sync.revision == revision + 1


def test_one_pending_escalation_per_origin(team, item, pm):
    conflict = ConflictFactory(team=team)
    services.escalation_open_from_conflict(conflict=conflict, by=pm)
    with pytest.raises(ValidationError):
        services.escalation_open_from_conflict(conflict=conflict, by=pm)
    services.escalation_open_from_item(item=item, by=pm, title="t", level=1)
    with pytest.raises(ValidationError):
        services.escalation_open_from_item(item=item, by=pm, title="t", level=1)


def test_a_resolved_conflict_is_not_escalated(team, pm):
    conflict = ConflictFactory(team=team, resolved_at=team.created_at)
    with pytest.raises(ValidationError):
        services.escalation_open_from_conflict(conflict=conflict, by=pm)


def test_decision_flows_back_to_the_sync_item(item, pm, cto):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="Partner API", category="budget")
    revision = Escalation.objects.get().sync.revision
    services.escalation_decide(escalation=escalation, by=cto, decision="Fund two more engineers.")
    escalation.refresh_from_db()
    decision = Decision.objects.get()
    assert (escalation.decided_by, escalation.decision) == (cto, "Fund two more engineers.")
    assert escalation.decided_at is not None
    assert (decision.sync, decision.section, decision.author) == (item.sync, item.section, cto)
    assert "E-1" in decision.text
    assert "Fund two more engineers." in decision.text
    item.sync.refresh_from_db()
    assert item.sync.revision == revision + 1


def test_decision_flows_back_to_the_conflict_page(client_for, team, pm, cto):
    conflict = PivotedConflictFactory(team=team, category="capacity")
    escalation = services.escalation_open_from_conflict(conflict=conflict, by=pm)
    services.escalation_decide(escalation=escalation, by=cto, decision="Borrow two engineers from Platform.")
    response = client_for(pm).get(reverse("rituals:conflict_detail", args=[conflict.pk]))
    assert "Borrow two engineers from Platform." in response.content.decode()
    # Resolving reuses it: the resolution form starts from the decision.
    assert response.context["resolve_form"].initial["resolution"] == "Borrow two engineers from Platform."
    ConflictSessionFactory(conflict=conflict)
    client_for(pm).post(
        reverse("rituals:conflict_resolve", args=[conflict.pk]), {"resolution": "Borrow two engineers."}
    )
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None
    assert Decision.objects.count() == 0


def test_a_decision_is_recorded_once(item, pm, cto):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    services.escalation_decide(escalation=escalation, by=cto, decision="Yes")
    with pytest.raises(ValidationError):
        services.escalation_decide(escalation=escalation, by=cto, decision="No")
    with pytest.raises(ValidationError):
        services.escalation_decide(
            escalation=services.escalation_open_from_item(
                item=SyncItemFactory(section__sync__team=item.sync.team), by=pm, title="t", level=2
            ),
            by=cto,
            decision="  ",
        )


@pytest.mark.parametrize(
    ("role", "level", "in_team", "may"),
    [
        ("cto", 2, False, True),
        ("vp_product", 2, False, True),
        ("cpo", 2, False, True),
        ("ceo", 2, False, False),
        ("ceo", 3, False, True),
        ("cto", 3, False, False),
        ("pm", 1, True, True),
        ("tech_lead", 1, True, True),
        ("pm", 1, False, False),
        ("pm", 2, True, False),
        ("engineer", 1, True, False),
    ],
)
def test_who_decides_follows_the_matrix(team, make_member, role, level, in_team, may):
    conflict = ConflictFactory(team=team)
    escalation = EscalationFactory(org=team.org, conflict=conflict, level=level)
    person = make_member(role, team=team if in_team else TeamFactory(org=team.org))
    assert services.escalation_may_decide(escalation=escalation, membership=person) is may
    if not may:
        with pytest.raises(PermissionDenied):
            services.escalation_decide(escalation=escalation, by=person, decision="x")


def test_someone_of_another_organisation_never_decides(team):
    escalation = EscalationFactory(org=team.org, level=2)
    outsider = MembershipFactory(role="cto")
    assert not services.escalation_may_decide(escalation=escalation, membership=outsider)


def test_raise_passes_it_one_level_up(team, make_member):
    escalation = EscalationFactory(org=team.org, conflict=ConflictFactory(team=team), level=1)
    services.escalation_raise(escalation=escalation, by=make_member("pm", team=team))
    escalation.refresh_from_db()
    assert escalation.level == 2
    with pytest.raises(ValidationError):
        services.escalation_raise(escalation=EscalationFactory(org=team.org, level=3), by=make_member("ceo"))


@pytest.fixture
def escalations(team, org):
    other_team = TeamFactory(org=org)
    return {
        "l1_team": EscalationFactory(org=org, level=1, conflict=ConflictFactory(team=team)),
        "l1_other": EscalationFactory(org=org, level=1, conflict=ConflictFactory(team=other_team)),
        "l1_sync_team": EscalationFactory(
            org=org, level=1, sync=SyncItemFactory(section__sync__team=team).sync
        ),
        "l2": EscalationFactory(org=org, level=2),
        "l3": EscalationFactory(org=org, level=3),
        "l2_decided": EscalationFactory(org=org, level=2, decided_at=org.created_at, decision="done"),
        "elsewhere": EscalationFactory(level=2),
    }


@pytest.mark.parametrize(
    ("role", "in_team", "expected"),
    [
        ("vp_product", False, {"l2"}),
        ("cpo", False, {"l2"}),
        ("cto", False, {"l2"}),
        ("ceo", False, {"l3"}),
        ("pm", True, {"l1_team", "l1_sync_team"}),
        ("tech_lead", True, {"l1_team", "l1_sync_team"}),
        ("pm", False, set()),
        ("engineer", True, set()),
        ("product_ops", False, set()),
    ],
)
def test_inbox_per_role(escalations, team, make_member, role, in_team, expected):
    person = make_member(role, team=team if in_team else None)
    inbox = selectors.escalation_inbox(membership=person)
    assert {name for name, e in escalations.items() if e in inbox} == expected
    assert selectors.escalation_badge_count(membership=person) == len(expected)


def test_inbox_lists_decided_ones_apart(escalations, make_member):
    decided = selectors.escalation_inbox(membership=make_member("cto"), decided=True)
    assert list(decided) == [escalations["l2_decided"]]


def test_opening_mails_the_people_holding_the_level(
    team, make_member, django_capture_on_commit_callbacks, celery_eager
):
    opener = make_member("pm", team=team, email="opener@example.test")
    make_member("tech_lead", team=team, email="tl@example.test")
    make_member("pm", team=TeamFactory(org=team.org), email="other-pm@example.test")
    make_member("cto", email="cto@example.test")
    make_member("vp_product", email="vp@example.test")
    make_member("cpo", email="cpo@example.test", language="fr")
    make_member("ceo", email="ceo@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_open_from_conflict(
            conflict=ConflictFactory(team=team, category="scope"), by=opener
        )
    assert [m.to for m in mail.outbox] == [["tl@example.test"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = services.escalation_open_from_conflict(
            conflict=ConflictFactory(team=team, category="budget"), by=opener
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["cpo@example.test", "cto@example.test", "vp@example.test"]
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "[Level 2] E-2" in by_to["cto@example.test"].subject
    assert reverse("rituals:escalation_detail", args=[escalation.pk]) in by_to["cto@example.test"].body
    assert "Niveau 2" in by_to["cpo@example.test"].subject
    assert {m.email for m in escalation_recipients(escalation=escalation)} >= {"cto@example.test"}


def test_no_mail_before_commit(team, pm, make_member, django_capture_on_commit_callbacks):
    make_member("cto")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.escalation_open_from_conflict(conflict=ConflictFactory(team=team, category="budget"), by=pm)
    assert mail.outbox == []
    assert callbacks


def test_deciding_mails_the_person_who_escalated(
    item, pm, cto, django_capture_on_commit_callbacks, celery_eager
):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_decide(escalation=escalation, by=cto, decision="Go.")
    assert [m.to for m in mail.outbox] == [[pm.user.email]]
    assert "Go." in mail.outbox[0].body


# --- Views -------------------------------------------------------------------------------------


def test_inbox_page_shows_age_origin_and_links(client_for, team, cto, pm):
    conflict = ConflictFactory(team=team, category="strategy", title="Rewrite or extend?")
    services.escalation_open_from_conflict(conflict=conflict, by=pm)
    body = client_for(cto).get(reverse("rituals:escalation_inbox")).content.decode()
    assert "Rewrite or extend?" in body
    assert reverse("rituals:conflict_detail", args=[conflict.pk]) in body
    assert "Awaiting your decision (1)" in body


def test_inbox_for_someone_without_a_level_explains_why_it_is_empty(client_for, make_member):
    body = client_for(make_member("engineer")).get(reverse("rituals:escalation_inbox")).content.decode()
    assert "Your role decides at no level" in body


def test_badge_shows_the_count_in_the_top_bar(client_for, team, cto, pm):
    services.escalation_open_from_conflict(conflict=ConflictFactory(team=team, category="budget"), by=pm)
    body = client_for(cto).get(reverse("rituals:obstacle_list")).content.decode()
    assert 'data-testid="escalation-badge"' in body
    assert '<span class="badge-count" aria-hidden="true">1</span>' in body


def test_badge_costs_one_query_per_page(client_for, team, cto, pm):
    services.escalation_open_from_conflict(conflict=ConflictFactory(team=team, category="budget"), by=pm)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(cto).get(reverse("rituals:obstacle_list"))
    assert response.status_code == 200
    badge_queries = [
        q["sql"] for q in queries if "COUNT(*)" in q["sql"] and '"rituals_escalation"' in q["sql"]
    ]
    assert len(badge_queries) == 1


def test_badge_costs_nothing_for_someone_without_a_level(client_for, make_member):
    with CaptureQueriesContext(connection) as queries:
        client_for(make_member("engineer")).get(reverse("rituals:obstacle_list"))
    assert not [q for q in queries if '"rituals_escalation"' in q["sql"]]


def test_decide_from_the_page(client_for, item, pm, cto):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    client = client_for(cto)
    assert (
        "Record the decision"
        in client.get(reverse("rituals:escalation_detail", args=[escalation.pk])).content.decode()
    )
    response = client.post(
        reverse("rituals:escalation_decide", args=[escalation.pk]), {"decision": "Ship in July."}
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.decision == "Ship in July."


def test_decide_form_requires_a_decision(client_for, item, pm, cto):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    response = client_for(cto).post(
        reverse("rituals:escalation_decide", args=[escalation.pk]), {"decision": ""}
    )
    assert response.status_code == 400
    escalation.refresh_from_db()
    assert escalation.decided_at is None


def test_a_pm_may_not_decide_a_level_2_escalation(client_for, item, pm):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    client = client_for(pm)
    assert (
        "Record the decision"
        not in client.get(reverse("rituals:escalation_detail", args=[escalation.pk])).content.decode()
    )
    assert (
        client.post(reverse("rituals:escalation_decide", args=[escalation.pk]), {"decision": "x"}).status_code
        == 403
    )
    assert client.post(reverse("rituals:escalation_raise", args=[escalation.pk])).status_code == 403


def test_escalate_a_conflict_from_its_page(client_for, team, pm):
    conflict = ConflictFactory(team=team, category="architecture")
    response = client_for(pm).post(
        reverse("rituals:conflict_escalate", args=[conflict.pk]), {"context": "Stuck"}
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert (escalation.level, escalation.context) == (3, "Stuck")


def test_escalate_twice_from_the_page_says_why_not(client_for, team, pm):
    conflict = ConflictFactory(team=team)
    client = client_for(pm)
    client.post(reverse("rituals:conflict_escalate", args=[conflict.pk]), {})
    response = client.post(reverse("rituals:conflict_escalate", args=[conflict.pk]), {}, follow=True)
    assert "E-1 already waits for a decision on this conflict." in response.content.decode()
    assert Escalation.objects.count() == 1


def test_escalate_a_sync_item_from_the_form(client_for, item, pm):
    client = client_for(pm)
    url = reverse("rituals:escalation_create") + f"?item={item.pk}"
    assert "Partner API by June?" in client.get(url).content.decode()
    response = client.post(url, {"title": "Partner API by June?", "category": "external_commitment"})
    assert response.status_code == 302
    assert Escalation.objects.get().level == 3


def test_escalation_form_needs_a_category_or_a_level(client_for, item, pm):
    url = reverse("rituals:escalation_create") + f"?item={item.pk}"
    response = client_for(pm).post(url, {"title": "x"})
    assert response.status_code == 200
    assert "Choose what the escalation is about, or its level." in response.content.decode()
    assert not Escalation.objects.exists()


def test_escalation_create_needs_an_item(client_for, pm):
    assert client_for(pm).get(reverse("rituals:escalation_create")).status_code == 404


def test_viewer_may_not_escalate(client_for, viewer, team):
    item = SyncItemFactory(section__sync__team=team)
    url = reverse("rituals:escalation_create") + f"?item={item.pk}"
    assert client_for(viewer).post(url, {"title": "x", "level": "2"}).status_code == 403


def test_list_filters_by_level_and_status(client_for, escalations, pm):
    body = client_for(pm).get(reverse("rituals:escalation_list"), {"level": "3"}).content.decode()
    assert escalations["l3"].title in body
    assert escalations["l2"].title not in body
    body = client_for(pm).get(reverse("rituals:escalation_list"), {"status": "decided"}).content.decode()
    assert escalations["l2_decided"].title in body
    assert escalations["l2"].title not in body
    assert escalations["elsewhere"].title not in body


def test_every_escalation_url_is_404_for_another_organisation(assert_404_for_outsider, team, item, pm):
    escalation = services.escalation_open_from_item(item=item, by=pm, title="t", level=2)
    assert_404_for_outsider(reverse("rituals:escalation_detail", args=[escalation.pk]))
    assert_404_for_outsider(reverse("rituals:escalation_decide", args=[escalation.pk]), methods=("post",))
    assert_404_for_outsider(reverse("rituals:escalation_raise", args=[escalation.pk]), methods=("post",))
    assert_404_for_outsider(
        reverse("rituals:escalation_create") + f"?item={item.pk}", methods=("get", "post")
    )


def test_escalations_enqueue_a_metrics_refresh(team, org, pm, cto, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_open_from_conflict(conflict=ConflictFactory(team=team), by=pm)
    assert cache.get(f"metrics:debounce:team:{team.pk}") == 1
    orgwide = SyncItemFactory(section__sync__team=None, section__sync__org=org)
    with django_capture_on_commit_callbacks(execute=True):
        escalation = services.escalation_open_from_item(item=orgwide, by=pm, title="t", level=2)
    assert cache.get(f"metrics:debounce:org:{org.pk}") == 1
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_decide(escalation=escalation, by=cto, decision="Go")
    assert cache.get(f"metrics:debounce:org:{org.pk}") == 1
