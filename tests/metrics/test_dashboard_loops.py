"""Issue 13, dashboards: what a card says when its window is empty but its trend is not, the CSV
export of what the screen shows, open escalations and their age, targets per team."""

from __future__ import annotations

import pytest
from django.urls import reverse

from metrics import services
from metrics.models import MetricSnapshot
from tests.factories import MembershipFactory, UserFactory
from tests.metrics.example_org import LAST_WEEK, import_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def example_org():
    org = import_example()
    services.org_metrics_refresh(org_id=org.pk)
    return org


@pytest.fixture
def cto(example_org, client_for):
    return client_for(MembershipFactory(org=example_org, role="cto", user=UserFactory()))


def _empty_the_window(org, metric: str, window: str = "4w") -> None:
    """The organisation's window ending LAST_WEEK has no value; earlier windows keep theirs."""
    latest = MetricSnapshot.objects.filter(
        org=org, team=None, metric=metric, window_kind=window, window_end=LAST_WEEK
    )
    assert latest.exists(), "the example has a window ending LAST_WEEK"
    assert (
        MetricSnapshot.objects.filter(
            org=org, team=None, metric=metric, window_kind=window, value__isnull=False
        )
        .exclude(window_end=LAST_WEEK)
        .exists()
    ), "and earlier windows with a value"
    latest.update(value=None, cohort=0, numerator=None, denominator=None)


@pytest.mark.parametrize("url", ["metrics:overview", "metrics:dora"])
def test_an_empty_window_above_a_trend_says_what_is_true(cto, example_org, url):
    _empty_the_window(example_org, "time_to_restore")
    body = cto.get(reverse(url) + f"?window=4w&to={LAST_WEEK}").content.decode()
    card = body[body.index('id="metric-time_to_restore"') :]
    card = card[: card.index("</article>")]
    assert "No incident resolved in this window" in card
    assert "earlier windows" in card
    assert "No data yet" not in card
    assert 'data-figure="fig-time_to_restore"' in card  # the trend is drawn below


def test_an_empty_window_in_french(cto, example_org):
    _empty_the_window(example_org, "time_to_restore")
    cto.post(reverse("set_language"), {"language": "fr"})
    body = cto.get(reverse("metrics:dora") + f"?window=4w&to={LAST_WEEK}", HTTP_ACCEPT_LANGUAGE="fr").content
    assert "Aucun incident résolu sur cette période".encode() in body
