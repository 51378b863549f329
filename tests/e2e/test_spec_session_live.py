"""The guided spec session with two people in two browsers: nothing typed is lost on a phase
change, and each screen follows the other's phase and saved edits within two seconds."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest

from collab.features import services
from collab.models import Spec, SpecRevision
from tests.conftest import browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/features")  # noqa: S108


def _saved(page: Any) -> None:
    page.wait_for_function(
        "() => document.querySelector('.autosave-status').dataset.state === 'saved'", timeout=5_000
    )


def test_two_people_follow_each_other_and_typing_is_never_lost(
    live_server: Any, new_page: Any, org: Any, team: Any, pm: Any, tech_lead: Any
) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    feature = services.feature_create(org=org, team=team, title="One-tap checkout", by=pm, status="framing")
    base = f"{live_server.url}/features/{feature.key}"
    pm_page, tl_page = new_page(), new_page()
    browser_login(pm_page, live_server, pm)
    browser_login(tl_page, live_server, tech_lead)
    pm_page.goto(f"{base}/")
    pm_page.click(f"form[action='/features/{feature.key}/session/start/'] button")
    pm_page.wait_for_url(f"{base}/session/")
    tl_page.goto(f"{base}/session/")

    # The PM types and, without saving, moves the session on: the text is saved on the way.
    pm_page.fill("#id_expected_impact", "+0.4 pt checkout conversion")
    pm_page.click(".next-phase button")
    pm_page.wait_for_url(re.compile(r".*/session/\?phase=solution$"))
    moved = time.monotonic()
    # The tech lead's screen follows the phase within 2 s: the solution form, not the old one.
    tl_page.wait_for_url(re.compile(r".*/session/\?phase=solution$"), timeout=2_000)
    assert time.monotonic() - moved < 2.5
    assert tl_page.locator("#id_user_journey").count() == 1
    assert tl_page.locator(".timer-phase").get_attribute("data-phase") == "solution_design"
    assert Spec.objects.get(feature=feature).expected_impact == "+0.4 pt checkout conversion"

    # Back to context setting: the text is there.
    pm_page.click(".phase-steps a[href='?phase=context']")
    pm_page.wait_for_url(re.compile(r".*/session/\?phase=context$"))
    assert pm_page.input_value("#id_expected_impact") == "+0.4 pt checkout conversion"

    # Typing alone saves (debounced) with a visible state; no button is pressed.
    pm_page.fill("#id_business_driver_description", "Buyers drop at the card form")
    assert pm_page.locator(".autosave-status").get_attribute("data-state") in ("pending", "saving", "saved")
    _saved(pm_page)
    assert Spec.objects.get(feature=feature).business_driver_description == "Buyers drop at the card form"
    pm_page.goto(f"{base}/session/?phase=solution")

    # Both on the solution: the PM types in the solution (focused, not saved yet) while the tech
    # lead's journey is saved; the PM's screen shows the journey within 2 s and keeps their typing.
    pm_page.click("#id_solution")
    pm_page.keyboard.type("A token proxy")
    tl_page.fill("#id_user_journey", "A returning buyer pays with one tap.")
    _saved(tl_page)
    seen = time.monotonic()
    pm_page.wait_for_function(
        "() => document.querySelector('#id_user_journey').value === 'A returning buyer pays with one tap.'",
        timeout=2_000,
    )
    assert time.monotonic() - seen < 2.5
    pm_page.keyboard.type(" behind a feature flag")
    assert pm_page.input_value("#id_solution") == "A token proxy behind a feature flag"
    assert pm_page.evaluate("() => document.activeElement.id") == "id_solution"
    _saved(pm_page)
    spec = Spec.objects.get(feature=feature)
    assert spec.solution == "A token proxy behind a feature flag"
    assert spec.user_journey == "A returning buyer pays with one tap."
    # …and the tech lead sees the PM's solution without reloading.
    tl_page.wait_for_function(
        "() => document.querySelector('#id_solution').value === 'A token proxy behind a feature flag'",
        timeout=2_000,
    )
    # The PM's "Ready to align?" card follows the tech lead's chosen option.
    gap = "Describe two or three architecture options"
    assert gap in pm_page.locator(".readiness").inner_text()
    tl_page.fill("#id_opt-0-title", "Token proxy")
    tl_page.check("#id_opt-0-chosen")
    _saved(tl_page)
    pm_page.wait_for_function(
        f"() => !document.querySelector('.readiness').textContent.includes('{gap}')", timeout=2_000
    )
    assert pm_page.is_checked("#id_opt-0-chosen")
    pm_page.screenshot(path=f"{SHOTS}/e2e_session_live_pm.png", full_page=True)
    tl_page.screenshot(path=f"{SHOTS}/e2e_session_live_tl.png", full_page=True)

    # The framing versions are in the history, marked as framing.
    assert set(SpecRevision.objects.filter(spec=spec).values_list("kind", flat=True)) == {"framing"}
    tl_page.goto(f"{base}/spec/history/")
    assert tl_page.locator("li.revision.is-framing").count() >= 2
    assert tl_page.locator("li.revision .pill-framing").first.inner_text() == "Framing"
    assert pm_page.csp_errors == []
    assert tl_page.csp_errors == []
