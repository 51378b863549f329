"""Product Ops runs a week from the hub: triages a feedback item into a feature, plans its launch,
and the team's DRIVE sync shows the upcoming launch with its readiness in the Delivery section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from productops.models import FeedbackItem, Launch
from tests.conftest import browser_login
from tests.factories import (
    FeatureFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.productops.factories import FeedbackItemFactory
from tests.rituals.factories import drive_sync

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    org = OrganisationFactory(name="Acme")
    team = TeamFactory(org=org, name="Checkout", slug="checkout")
    ops = MembershipFactory(org=org, role="product_ops", user=UserFactory(name="Olga Ops"))
    pm = MembershipFactory(org=org, role="pm", user=UserFactory(name="Paula PM"))
    TeamMemberFactory(team=team, membership=pm, role="pm")
    feature = FeatureFactory(team=team, org=org, key="CHK-7", title="Faster exports", status="aligned")
    item = FeedbackItemFactory(logged_by=ops, text="Exporting our orders takes minutes", account="Globex")
    return {"org": org, "team": team, "ops": ops, "pm": pm, "feature": feature, "item": item}


def test_triaged_feedback_becomes_a_launch_the_sync_shows_with_its_readiness(new_page, live_server, world):
    page = new_page()
    browser_login(page, live_server, world["ops"])
    item, feature = world["item"], world["feature"]

    # Triage: the untriaged item is linked to the feature it asks for.
    page.goto(f"{live_server.url}/feedback/")
    row = page.locator(f"#feedback-{item.pk}")
    row.locator("select[name=feature]").select_option(str(feature.pk))
    row.locator("button", has_text="Link").click()
    page.wait_for_selector(".message, #feedback-items, .empty")
    item.refresh_from_db()
    assert (item.status, item.feature_id) == (FeedbackItem.Status.LINKED, feature.pk)
    page.goto(f"{live_server.url}/feedback/features/{feature.key}/")
    assert page.locator("#suggested-reach").inner_text().strip() == "1"

    # Launch plan: in five days, every checklist item but one ticked.
    page.goto(f"{live_server.url}/launches/new/?feature={feature.key}")
    launch_on = timezone.localdate() + dt.timedelta(days=5)
    page.fill("#id_launch_on", launch_on.isoformat())
    page.select_option("#id_tier", "tier1")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#readiness")
    launch = Launch.objects.get(feature=feature)
    boxes = page.locator("input[name=done]")
    for index in range(boxes.count() - 1):
        boxes.nth(index).check()
    page.click("button:has-text('Save the checklist')")
    page.wait_for_selector(".message-success")
    assert page.locator("#readiness [data-readiness]").get_attribute("data-readiness") == "at_risk"

    # The team's DRIVE sync: the Delivery section lists the launch with its readiness.
    sync = drive_sync(world["org"], world["team"], world["pm"])
    page.goto(f"{live_server.url}/rituals/syncs/{sync.pk}/")
    delivery = page.locator("article.section-card", has_text="Delivery status")
    launch_item = delivery.locator(".sync-item", has_text=f"{feature.key} · {feature.title}")
    launch_item.wait_for()
    assert launch_on.isoformat() in launch_item.inner_text()
    assert "Launch readiness: at risk" in launch_item.inner_text()
    assert launch_item.locator(".pill", has_text="Launch").is_visible()
    link = launch_item.locator(f"a[href='/launches/{launch.pk}/']")
    assert link.is_visible()
    assert page.csp_errors == []
