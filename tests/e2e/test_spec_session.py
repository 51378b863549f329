from __future__ import annotations

import os
import re
from typing import Any

import pytest

from collab.features import services
from collab.models import Spec, SpecRevision
from tests.conftest import browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Screenshots to look at after a run (not compared): SHOTS_DIR or /tmp/shots/features.
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/features")  # noqa: S108


@pytest.mark.parametrize(("locale", "lang"), [("en-GB", "en"), ("fr-FR", "fr")])
def test_pm_and_tech_lead_align_then_rework_shows_in_history(
    live_server: Any, new_page: Any, org: Any, team: Any, pm: Any, tech_lead: Any, locale: str, lang: str
) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    feature = services.feature_create(org=org, team=team, title="One-tap checkout", by=pm, status="framing")
    base = f"{live_server.url}/features/{feature.key}"
    pm_page, tl_page = new_page(locale=locale), new_page(locale=locale)
    browser_login(pm_page, live_server, pm)
    browser_login(tl_page, live_server, tech_lead)

    # The PM starts the session from the feature page: phase 1, a 15-minute countdown.
    pm_page.goto(f"{base}/")
    pm_page.click(f"form[action='/features/{feature.key}/session/start/'] button")
    pm_page.wait_for_url(f"{base}/session/")
    assert pm_page.locator(".countdown").get_attribute("data-countdown-minutes") == "15"
    pm_page.wait_for_function("() => /^1[45]:\\d\\d$/.test(document.querySelector('.countdown').textContent)")
    pm_page.select_option("#id_business_driver_kind", "revenue")
    pm_page.fill("#id_expected_impact", "+0.4 pt checkout conversion")
    pm_page.select_option("#id_sc-0-kind", "business")
    pm_page.fill("#id_sc-0-metric", "Checkout conversion")
    pm_page.fill("#id_sc-0-target", "+0.4 pt")
    pm_page.select_option("#id_sc-1-kind", "technical")
    pm_page.fill("#id_sc-1-metric", "p95 latency")
    pm_page.fill("#id_sc-1-target", "< 400 ms")
    with pm_page.expect_navigation():
        pm_page.click("#phase-form button[type=submit]:not([name=next_phase])")
    assert pm_page.locator(".gaps li").count() == 1  # only the architecture options are missing

    # The tech lead, in another browser, sees the same session and phase 1 as saved, then moves on.
    tl_page.goto(f"{base}/session/")
    assert tl_page.input_value("#id_expected_impact") == "+0.4 pt checkout conversion"
    pm_start = pm_page.locator(".countdown").get_attribute("data-countdown-start")
    assert tl_page.locator(".countdown").get_attribute("data-countdown-start") == pm_start
    tl_page.click(".next-phase button")
    tl_page.wait_for_url(re.compile(r".*/session/\?phase=solution$"))
    assert tl_page.locator(".countdown").get_attribute("data-countdown-minutes") == "30"
    tl_page.fill("#id_user_journey", "A returning buyer pays with one tap.")
    tl_page.fill("#id_opt-0-title", "Token proxy in front of the legacy vault")
    tl_page.fill("#id_opt-0-tradeoffs", "Fast; keeps the old vault")
    tl_page.check("#id_opt-0-chosen")
    tl_page.fill("#id_opt-1-title", "New vault service")
    tl_page.fill("#id_opt-1-tradeoffs", "Clean; three months")
    tl_page.fill("#id_solution", "A token proxy behind a feature flag")
    with tl_page.expect_navigation():
        tl_page.click("#phase-form button[type=submit]:not([name=next_phase])")
    tl_page.screenshot(path=f"{SHOTS}/e2e_session_{lang}.png", full_page=True)

    # The PM's screen follows the session's phase (htmx poll) and ends it: aligned in one session.
    pm_page.wait_for_function(
        "() => document.querySelector('.timer-phase').dataset.phase === 'solution_design'", timeout=15_000
    )
    pm_page.reload()
    assert pm_page.locator(".gaps li").count() == 0
    assert pm_page.is_checked(f"input[name=attendees][value='{tech_lead.pk}']")
    pm_page.check("input[name=outcome][value=aligned]")
    pm_page.click(f"form[action='/features/{feature.key}/session/end/'] button:not([value=cancel])")
    pm_page.wait_for_url(re.compile(rf".*/features/{re.escape(feature.key)}/#sessions$"))
    assert pm_page.locator(".banner-good").count() == 1
    spec = Spec.objects.get(feature=feature)
    assert spec.aligned_at is not None
    assert spec.sessions.count() == 1

    # After alignment the tech lead changes the solution: a rework revision, with its diff in the history.
    # The tech lead's session screen follows: it shows the spec aligned (and stops following).
    tl_page.wait_for_function("() => !document.getElementById('spec-session')", timeout=3_000)
    tl_page.wait_for_load_state()
    tl_page.goto(f"{base}/spec/?phase=solution")
    assert tl_page.locator(".revision-kind").count() == 1
    tl_page.fill("#id_solution", "A token proxy behind a feature flag, for 10 % of buyers first")
    tl_page.click("form.spec-form button[name=then][value=stay]")
    tl_page.wait_for_url(re.compile(rf".*/features/{re.escape(feature.key)}/#spec$"))
    revision = SpecRevision.objects.exclude(kind="framing").get(spec=spec)
    assert revision.kind == "rework"
    assert revision.by == tech_lead

    pm_page.goto(f"{base}/spec/history/")
    entry = pm_page.locator("li.revision").first
    assert entry.locator("ins.diff-new").inner_text().startswith(", for 10")
    assert entry.locator(".pill").first.inner_text() == ("Rework" if lang == "en" else "Reprise")
    pm_page.screenshot(path=f"{SHOTS}/e2e_history_{lang}.png", full_page=True)
    assert pm_page.csp_errors == []
    assert tl_page.csp_errors == []


def test_glossary_term_shows_business_wording_on_focus(
    live_server: Any, new_page: Any, org: Any, team: Any, pm: Any
) -> None:
    from collab.features.glossary import glossary_seed_defaults

    glossary_seed_defaults(org)
    feature = services.feature_create(org=org, team=team, title="Pay down the debt", by=pm)
    Spec.objects.filter(feature=feature).update(solution="Less technical debt in billing")
    os.makedirs(SHOTS, exist_ok=True)
    page = new_page(viewport=(1366, 768))
    browser_login(page, live_server, pm)
    page.goto(f"{live_server.url}/features/{feature.key}/spec/business/")
    term = page.locator("abbr.glossary", has_text="technical debt")
    term.focus()
    content = term.evaluate("el => getComputedStyle(el, '::after').content")
    assert "Development inefficiencies" in content
    page.screenshot(path=f"{SHOTS}/e2e_business_focus.png")
