"""Saving the spec session as you type: only what this screen changed is written, half-typed
rows are kept, nothing typed is dropped on a phase change, and the framing versions show in the
history."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from collab.features import live_session
from collab.features.spec_forms import SpecEditor
from collab.models import Spec, SpecRevision
from tests.collab.test_specs import editor_post
from tests.factories import FeatureFactory, SpecFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spec(team: Any) -> Spec:
    return SpecFactory(feature=FeatureFactory(team=team, status="framing"))


def _autosave(client: Any, spec: Spec, data: dict[str, Any]) -> Any:
    return client.post(reverse("collab:spec_session_autosave", args=[spec.feature.key]), data)


def test_autosave_writes_only_what_this_screen_changed(
    client_for: Any, spec: Spec, pm: Any, tech_lead: Any
) -> None:
    pm_screen = editor_post(SpecEditor("context", spec))  # both read the spec at version 1
    tl_screen = editor_post(SpecEditor("context", spec))
    response = _autosave(client_for(pm), spec, {**pm_screen, "expected_impact": "+2 pt conversion"})
    assert response.status_code == 200
    assert response.json()["saved"] is True
    assert response.json()["version"] == 2
    assert 'value="+2 pt conversion"' in response.json()["form"]
    assert "Ready to align?" in response.json()["readiness"]
    # The tech lead's screen still shows version 1 and an empty impact: their save of another
    # field neither fails nor wipes the PM's impact.
    response = _autosave(client_for(tech_lead), spec, {**tl_screen, "business_driver_description": "Churn"})
    assert response.json()["saved"] is True
    spec.refresh_from_db()
    assert (spec.expected_impact, spec.business_driver_description, spec.version) == (
        "+2 pt conversion",
        "Churn",
        3,
    )
    state = client_for(pm).get(reverse("collab:spec_session", args=[spec.feature.key]) + "?part=state")
    assert state.json() == {"live_phase": None, "version": 3, "aligned": False}
    url = reverse("collab:spec_session", args=[spec.feature.key]) + "?part=form&phase=context"
    fresh = client_for(pm).get(url).json()
    assert 'value="+2 pt conversion"' in fresh["form"]
    assert "Churn" in fresh["form"]


def test_autosave_keeps_a_half_typed_row_and_says_what_it_could_not_save(
    client_for: Any, spec: Spec, pm: Any
) -> None:
    screen = editor_post(SpecEditor("context", spec))
    response = _autosave(
        client_for(pm),
        spec,
        {
            **screen,
            "sc-0-metric": "",
            "sc-0-target": "+0.4 pt",
            "business_driver_description": "x" * 20_001,
            "expected_impact": "More",
        },
    )
    body = response.json()
    assert body["saved"] is True
    assert body["unsaved"] == ["business_driver_description"]
    assert any("20001" in e or "20,001" in e or "20 001" in e for e in body["errors"])
    spec.refresh_from_db()
    assert spec.success_criteria[0] == {"kind": "business", "metric": "", "target": "+0.4 pt"}
    assert spec.expected_impact == "More"
    assert spec.business_driver_description == "Checkout drop-off costs revenue"  # as before


def test_moving_to_the_next_phase_saves_what_was_typed(client_for: Any, spec: Spec, pm: Any) -> None:
    live_session.live_session_start(spec=spec, by=pm)
    client = client_for(pm)
    screen = editor_post(SpecEditor("context", spec), expected_impact="+1 pt", next_phase="solution")
    response = client.post(reverse("collab:spec_session_phase", args=[spec.feature.key]), screen)
    assert response.status_code == 302
    assert response["Location"].endswith("?phase=solution")
    spec.refresh_from_db()
    assert spec.expected_impact == "+1 pt"
    assert live_session.live_session_get(spec=spec).phase == "solution_design"

    # What cannot be saved stops the move and stays on the screen with its error.
    screen = editor_post(SpecEditor("solution", spec), solution="y" * 20_001, next_phase="solution")
    live_session.live_session_stop(spec=spec)
    live_session.live_session_start(spec=spec, by=pm)
    response = client.post(reverse("collab:spec_session_phase", args=[spec.feature.key]), screen)
    assert response.status_code == 400
    assert "y" * 20_001 in response.content.decode()


def test_history_marks_framing_versions_and_the_alignment(client_for: Any, spec: Spec, pm: Any) -> None:
    from collab.features.specs import spec_update

    spec_update(spec=spec, fields={"user_journey": "Pay in one tap"}, by=pm)
    page = client_for(pm).get(reverse("collab:spec_history", args=[spec.feature.key])).content.decode()
    assert page.count('class="card revision is-framing"') == 1
    assert "pill-framing" in page
    assert SpecRevision.objects.get(spec=spec).kind == "framing"
