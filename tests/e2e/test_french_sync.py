"""A French reader's sync page has no English the app wrote: agenda items, demo-style generated
items and the decisions that come back from a conflict and an escalation are all in French."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rituals.conflicts import services as conflicts
from rituals.models import SyncItem
from rituals.syncs import services
from rituals.syncs.generated import generated_english
from tests.conftest import browser_login
from tests.factories import FeatureFactory, SpecFactory
from tests.rituals.factories import (
    ConflictSessionFactory,
    ObstacleFactory,
    PivotedConflictFactory,
    drive_sync,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots")) / "loops"  # noqa: S108 - files to look at

ENGLISH = (
    "Planned this week",
    "not delivered yet",
    "Nothing shipped",
    "Shipped:",
    "Obstacle:",
    "Conflict:",
    "points delivered",
    "a week over four weeks",
    "Rank ",
    "decided by",
    "(conflict) resolved",
    "(escalation, level",
    "Open obstacle",
    "Spec not aligned",
    "Waiting for",
)


def _generated(sync: Any, section: str, code: str, **params: Any) -> None:
    SyncItem.objects.create(
        sync=sync,
        section=sync.sections.get(code=section),
        title=generated_english(code, params),
        title_code=code,
        title_params=params,
    )


def test_a_french_sync_page_shows_no_english_generated_text(
    live_server: Any, new_page: Any, org: Any, team: Any, pm: Any, make_member: Any
) -> None:
    cto = make_member("cto", email="cto@example.test", name="Camille Martin")
    week = timezone.localdate().isocalendar()
    FeatureFactory(
        team=team, key="CHK-101", title="Paiement en un clic", planned_week=f"{week[0]}-W{week[1]:02d}"
    )
    SpecFactory(feature=FeatureFactory(team=team, key="CHK-102", title="Cartes cadeaux", status="framing"))
    ObstacleFactory(team=team, org=org, title="On attend l'équipe paiements")
    sync = drive_sync(org, team, pm)
    _generated(sync, "delivery", "nothing_shipped")
    _generated(sync, "delivery", "planned_not_delivered", title="Paiement en un clic")
    _generated(sync, "delivery", "shipped", title="Export comptable")
    _generated(sync, "roadmap", "rank", first="Cartes cadeaux", second="Export comptable")
    _generated(sync, "velocity", "velocity", points=13, average=11.5)
    _generated(sync, "escalation", "obstacle", title="On attend l'équipe sécurité")
    issue = services.item_add(
        sync=sync, section=sync.sections.get(code="issues"), title="Date de sortie ou migration", author=pm
    )
    conflict = PivotedConflictFactory(team=team, org=org, origin_item=issue)
    ConflictSessionFactory(conflict=conflict)
    conflicts.conflict_resolve(conflict=conflict, resolution="Livrer sur l'ancien système.", by=pm)
    ask = services.item_add(
        sync=sync, section=sync.sections.get(code="escalation"), title="API partenaire en juin ?", author=pm
    )
    escalation = conflicts.escalation_open_from_item(
        item=ask, by=pm, title="API partenaire", category="budget"
    )
    conflicts.escalation_decide(escalation=escalation, by=cto, decision="Deux ingénieurs de plus.")

    page = new_page(viewport=(1920, 1080), locale="fr-FR")
    browser_login(page, live_server, pm)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in (f"/rituals/syncs/{sync.pk}/", f"/rituals/syncs/{sync.pk}/summary/"):
        page.goto(f"{live_server.url}{path}")
        page.locator("main").first.wait_for()
        text = page.locator("main").inner_text()
        assert [phrase for phrase in ENGLISH if phrase in text] == [], path
        page.screenshot(path=str(SHOTS / f"french-{path.strip('/').replace('/', '-')}.png"), full_page=True)
    page.goto(f"{live_server.url}/rituals/syncs/{sync.pk}/")
    text = page.locator("main").inner_text()
    for french in (
        "Rien de livré depuis la semaine dernière",
        "Prévu cette semaine, pas encore livré : Paiement en un clic",
        "Prioriser Cartes cadeaux par rapport à Export comptable",
        "13 points livrés cette semaine, 11,5 par semaine sur quatre semaines",
        f"{conflict.key} (conflit) résolu : Livrer sur l'ancien système.",
        f"{escalation.key} (escalade, niveau {escalation.level}) tranchée par Camille Martin : Deux ingénieurs de plus.",
    ):
        assert french in text, [line for line in text.splitlines() if "E-" in line or "tranch" in line]
