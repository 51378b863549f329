from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics import services
from metrics.models import MetricSnapshot

pytestmark = pytest.mark.django_db


def _predictability(org: Any, team: Any, value: float) -> None:
    end = services.shift_week(services.current_week(org), -1)
    MetricSnapshot.objects.create(
        org=org,
        team=team,
        metric="predictability",
        window_kind=MetricSnapshot.WindowKind.WEEKS_4,
        window_start=services.shift_week(end, -3),
        window_end=end,
        value=value,
        cohort=4,
        computed_at=timezone.now(),
    )


def test_velocity_panel_states_the_organisations_predictability_target(
    client_for: Any, pm: Any, org: Any, team: Any
) -> None:
    org.targets = {"predictability": [0.8, 0.98]}
    org.save(update_fields=["targets"])
    _predictability(org, team, 0.75)
    panel = (
        client_for(pm)
        .get(reverse("metrics:velocity_panel", args=[team.slug]))
        .content.decode()
        .replace("\xa0", " ")
    )
    assert "75 %" in panel
    assert "(target 80–98 %)" in panel
    assert "70–95" not in panel


def test_velocity_panel_states_the_default_target_without_an_override(
    client_for: Any, pm: Any, org: Any, team: Any
) -> None:
    _predictability(org, team, 0.75)
    panel = (
        client_for(pm)
        .get(reverse("metrics:velocity_panel", args=[team.slug]))
        .content.decode()
        .replace("\xa0", " ")
    )
    assert "(target 70–95 %)" in panel


def test_velocity_panel_target_in_french(client_for: Any, pm: Any, org: Any, team: Any) -> None:
    org.targets = {"predictability": 0.6}
    org.save(update_fields=["targets"])
    _predictability(org, team, 0.75)
    client = client_for(pm)
    panel = (
        client.get(reverse("metrics:velocity_panel", args=[team.slug]), HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
        .replace("\xa0", " ")
    )
    assert "prédictibilité : fonctionnalités planifiées livrées dans leur semaine (cible 60–95" in panel
