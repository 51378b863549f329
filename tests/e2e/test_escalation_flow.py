from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from rituals.models import Escalation, Obstacle
from tests.conftest import browser_login
from tests.factories import (
    FeatureFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.rituals.factories import (
    ConflictSessionFactory,
    ObstacleFactory,
    OneOnOneFactory,
    PivotedConflictFactory,
    PostMortemFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _member(org, role, name, team=None):
    membership = MembershipFactory(org=org, role=role, user=UserFactory(name=name))
    if team is not None:
        TeamMemberFactory(team=team, membership=membership, role=role)
    return membership


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme")
    team = TeamFactory(org=org, name="Checkout", slug="checkout")
    pm = _member(org, "pm", "Paula PM", team)
    tech_lead = _member(org, "tech_lead", "Theo Lead", team)
    cto = _member(org, "cto", "Camille CTO")
    conflict = PivotedConflictFactory(
        team=team,
        key="C-1",
        title="Two more engineers for the billing migration, or ship the partner API first?",
        category="capacity",
        options=[
            {
                "title": "Partner API first",
                "impact": "+120k€ ARR signed in June; migration slips 6 weeks",
                "chosen": False,
            },
            {
                "title": "Migration first",
                "impact": "Billing incidents −80 %; partner deal at risk (−120k€)",
                "chosen": False,
            },
            {
                "title": "Borrow two engineers from Platform",
                "impact": "Both by July; Platform roadmap −3 weeks",
                "chosen": True,
            },
        ],
    )
    ConflictSessionFactory(conflict=conflict, held_at=timezone.now() - timedelta(hours=3), step="options")
    return {"org": org, "team": team, "pm": pm, "tech_lead": tech_lead, "cto": cto, "conflict": conflict}


def test_an_escalated_conflict_reaches_the_cto_who_decides(new_page, live_server, world, celery_eager):
    conflict = world["conflict"]
    pm_page = new_page(viewport=(1366, 768))
    browser_login(pm_page, live_server, world["pm"])
    pm_page.goto(f"{live_server.url}/conflicts/{conflict.pk}/")
    pm_page.fill("#escalations textarea[name=context]", "We can't agree on who gives up capacity.")
    pm_page.click("#escalations button[type=submit]")
    pm_page.wait_for_selector(".message-success")
    assert "sent to level 2" in pm_page.locator(".messages").inner_text()
    escalation = Escalation.objects.get()
    assert escalation.level == 2
    assert any(m.to == [world["cto"].user.email] for m in mail.outbox)

    cto_page = new_page(viewport=(1920, 1080))
    browser_login(cto_page, live_server, world["cto"])
    badge = cto_page.locator("[data-testid=escalation-badge]")
    assert badge.is_visible()
    assert badge.locator(".badge-count").inner_text() == "1"
    badge.click()
    cto_page.wait_for_url(f"{live_server.url}/escalations/inbox/")
    assert "Awaiting your decision (1)" in cto_page.locator("main").inner_text()
    cto_page.click(f"text={escalation.title[:40]}")
    cto_page.wait_for_url(f"{live_server.url}/escalations/{escalation.pk}/")
    cto_page.fill(
        "#id_decision",
        "Borrow two engineers from Platform until July; Platform's roadmap moves by three weeks.",
    )
    cto_page.click("button:has-text('Record the decision')")
    cto_page.wait_for_selector("[data-testid=escalation-decision]")
    assert cto_page.locator("[data-testid=escalation-badge] .badge-count").count() == 0

    pm_page.goto(f"{live_server.url}/conflicts/{conflict.pk}/")
    decision = pm_page.locator("#escalations [data-testid=escalation-decision]")
    assert "Borrow two engineers from Platform until July" in decision.inner_text()
    assert "Borrow two engineers from Platform until July" in pm_page.locator("#id_resolution").input_value()
    pm_page.click("button:has-text('Resolve the conflict')")
    pm_page.wait_for_selector(".message-success")
    conflict.refresh_from_db()
    assert conflict.resolved_at is not None
    assert pm_page.csp_errors == []
    assert cto_page.csp_errors == []


SIZES = [(1920, 1080), (1366, 768)]
LANGUAGES = [("en", "en-GB"), ("fr", "fr-FR")]


@pytest.mark.parametrize(("language", "locale"), LANGUAGES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_conflict_pages_fit_the_screen(new_page, live_server, world, size, language, locale):
    shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/conflicts"))  # noqa: S108 - screenshots to look at
    shots.mkdir(parents=True, exist_ok=True)
    conflict, team = world["conflict"], world["team"]
    ObstacleFactory(team=team, title="Waiting for the Payments team's webhook", owner=world["pm"])
    ObstacleFactory(team=team, kind="missing_capability", title="Nobody knows the legacy billing rules")
    ObstacleFactory(
        team=team, kind="stakeholder_decision", title="Legal must approve the new terms by Friday"
    )
    escalated = PivotedConflictFactory(
        team=team, key="C-2", title="Sunset the v1 API before the partner launch?", category="architecture"
    )
    Escalation.objects.create(
        org=world["org"],
        key="E-1",
        level=2,
        title=conflict.title,
        conflict=conflict,
        opened_at=timezone.now() - timedelta(days=3),
        opened_by=world["pm"],
    )
    Escalation.objects.create(
        org=world["org"],
        key="E-2",
        level=3,
        title=escalated.title,
        conflict=escalated,
        opened_at=timezone.now() - timedelta(hours=4),
    )

    pages = [
        (f"conflict-{step}", f"/conflicts/{conflict.pk}/{step}/", world["pm"])
        for step in ("pause", "identify", "value", "options", "test")
    ]
    vp = _member(world["org"], "vp_product", "Vera VP")
    one_on_one = OneOnOneFactory(
        org=world["org"], leader=vp, pm=world["pm"], follow_ups="Vera asks Payments for a date"
    )
    one_on_one.obstacles.set(Obstacle.objects.filter(team=team)[:2])
    postmortem = PostMortemFactory(
        team=team,
        kind="delivery_delay",
        feature=FeatureFactory(team=team, org=world["org"], title="Partner API"),
        summary="The partner API shipped three weeks after the date promised to the partner.",
        timeline=[{"at": "2026-03-02T10:00:00+01:00", "text": "Scope grew by two endpoints"}],
        causes="Estimates were made before the billing constraints were known.",
        action_items=[
            {
                "title": "Frame specs with tech before promising dates",
                "owner": world["pm"].user.email,
                "due": "2026-04-01",
                "done": False,
            }
        ],
    )
    pages += [
        ("conflict-overview", f"/conflicts/{conflict.pk}/", world["pm"]),
        ("conflict-list", "/conflicts/", world["pm"]),
        ("escalation-inbox", "/escalations/inbox/", world["cto"]),
        ("escalation-detail", f"/escalations/{Escalation.objects.get(key='E-1').pk}/", world["cto"]),
        ("obstacle-list", "/obstacles/", world["pm"]),
        ("one-on-one-form", "/one-on-ones/new/", vp),
        ("one-on-one-detail", f"/one-on-ones/{one_on_one.pk}/", vp),
        ("postmortem-form", f"/postmortems/{postmortem.pk}/edit/", world["pm"]),
        ("postmortem-detail", f"/postmortems/{postmortem.pk}/", world["pm"]),
    ]
    logged_in = {}
    for name, path, person in pages:
        page = logged_in.get(person.pk)
        if page is None:
            page = logged_in[person.pk] = new_page(viewport=size, locale=locale)
            browser_login(page, live_server, person)
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size}"
        page.screenshot(path=str(shots / f"{name}-{size[0]}x{size[1]}-{language}.png"), full_page=True)
        assert page.csp_errors == []
