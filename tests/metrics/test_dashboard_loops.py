"""Issue 13, dashboards: what a card says when its window is empty but its trend is not, the CSV
export of what the screen shows, open escalations and their age, targets per team."""

from __future__ import annotations

import pytest
from django.urls import reverse

from collab.models import AuditEvent
from metrics import services
from metrics.models import MetricSnapshot
from tests.factories import MembershipFactory, OrganisationFactory, TeamFactory, UserFactory
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


# --- open escalations and their age --------------------------------------------------------------


def _escalate(org, team, key, *, days, level=2, decided_after_hours=None):
    from datetime import timedelta

    from django.utils import timezone

    from rituals.models import Conflict, Escalation

    opened = timezone.now() - timedelta(days=days, hours=1)
    conflict = Conflict.objects.create(
        org=org, team=team, key=f"C-{key}", title=f"About {key}", category="scope", opened_at=opened
    )
    return Escalation.objects.create(
        org=org,
        key=key,
        level=level,
        title=f"Decide {key}",
        opened_at=opened,
        conflict=conflict,
        decided_at=opened + timedelta(hours=decided_after_hours) if decided_after_hours is not None else None,
        decision="Go" if decided_after_hours is not None else "",
    )


def test_the_escalations_page_shows_the_ones_waiting_and_the_oldest(cto, example_org):
    from rituals.models import Escalation

    Escalation.objects.filter(org=example_org, decided_at__isnull=True).delete()
    first, second = example_org.teams.order_by("slug")[:2]
    old = _escalate(example_org, first, "E-90", days=12, level=2)
    _escalate(example_org, second, "E-91", days=3, level=1)
    _escalate(example_org, first, "E-92", days=20, decided_after_hours=0)  # decided: not waiting
    other = _escalate(OrganisationFactory(), TeamFactory(), "E-93", days=40)  # another organisation

    body = cto.get(reverse("metrics:escalations") + f"?to={LAST_WEEK}").content.decode()
    panel = body[body.index('class="card open-escalations"') :]
    panel = panel[: panel.index("</section>")]
    assert "the oldest, E-90, has waited 12 days" in panel
    assert panel.index("E-90") < panel.index("E-91")  # the oldest first
    assert "3 days" in panel
    assert "Level 2 · VP Product + CTO" in panel
    assert first.name in panel
    assert reverse("rituals:escalation_detail", args=[old.pk]) in panel
    assert "E-92" not in panel
    assert other.key not in panel
    assert "Median time to decision (decided escalations)" in body

    # Filtered to a team: only its own.
    body = cto.get(reverse("metrics:escalations") + f"?team={second.slug}&to={LAST_WEEK}").content.decode()
    assert "the oldest, E-91, has waited 3 days" in body
    assert "E-90" not in body

    # The page is cached, but a new escalation shows at once (not at the next recompute).
    _escalate(example_org, first, "E-94", days=30)
    body = cto.get(reverse("metrics:escalations") + f"?to={LAST_WEEK}").content.decode()
    assert "the oldest, E-94, has waited 30 days" in body


def test_no_escalation_waiting_says_so_in_french(cto, example_org):
    from rituals.models import Escalation

    Escalation.objects.filter(org=example_org, decided_at__isnull=True).delete()
    cto.post(reverse("set_language"), {"language": "fr"})
    body = cto.get(reverse("metrics:escalations") + f"?to={LAST_WEEK}").content.decode()
    assert "Aucune escalade n'attend de décision." in body
    _escalate(example_org, example_org.teams.first(), "E-95", days=1)
    body = cto.get(reverse("metrics:escalations") + f"?to={LAST_WEEK}").content.decode()
    assert "la plus ancienne, E-95, attend depuis 1 jour" in body


# --- CSV: what the screen shows, and the records behind a number ---------------------------------


def _csv(response):
    import csv
    import io

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_holds_what_the_dora_page_shows(cto, example_org):
    page = cto.get(reverse("metrics:dora") + f"?window=13w&to={LAST_WEEK}").content.decode()
    assert "dashboard=dora" in page  # the page links its own export
    rows = _csv(cto.get(reverse("metrics:export_csv") + f"?window=13w&to={LAST_WEEK}&dashboard=dora"))
    header, rows = rows[0], rows[1:]
    assert header == [
        "Team", "Metric", "From", "To", "Value", "Raw value", "Unit", "Target", "Status", "Records counted"
    ]  # fmt: skip
    teams = [t.name for t in example_org.teams.order_by("name", "slug")]
    assert [r[0] for r in rows] == [name for name in [*teams, "Organisation"] for _ in range(4)]
    assert {r[1] for r in rows} == {
        "Deployment frequency", "Lead time for changes", "Change failure rate", "Time to restore service"
    }  # fmt: skip
    first = services.shift_week(LAST_WEEK, -12)
    assert {(r[2], r[3]) for r in rows} == {(first, LAST_WEEK)}
    org_lead = next(r for r in rows if r[0] == "Organisation" and r[1] == "Lead time for changes")
    snapshot = MetricSnapshot.objects.get(
        org=example_org, team=None, metric="lead_time_for_changes", window_kind="13w", window_end=LAST_WEEK
    )
    assert float(org_lead[5]) == pytest.approx(snapshot.value)
    assert org_lead[4] in page  # formatted as on screen ("78 h")
    assert org_lead[7].replace("\xa0", " ") == "< 24 h"
    assert org_lead[8] in {"On target", "Close to target", "Off target"}
    assert int(org_lead[9]) == snapshot.cohort
    assert "{" not in "".join(",".join(r) for r in rows)  # no JSON column


def test_the_export_of_a_team_in_french(cto, example_org):
    team = example_org.teams.order_by("slug").first()
    cto.post(reverse("set_language"), {"language": "fr"})
    rows = _csv(cto.get(reverse("metrics:export_csv") + f"?team={team.slug}&window=4w&to={LAST_WEEK}"))
    assert rows[0][:5] == ["Équipe", "Métrique", "Du", "Au", "Valeur"]
    assert {r[0] for r in rows[1:]} == {team.name, "Organisation"}
    assert len(rows) == 1 + 2 * 14  # every metric of the overview


@pytest.mark.parametrize("query", ["?team=nope", "?window=%00&to=9999-W99", "?dashboard=%ED%A0%80"])
def test_the_export_of_bad_filters_is_no_500(cto, query):
    assert cto.get(reverse("metrics:export_csv") + query).status_code in {200, 400, 404}


def test_the_export_of_another_organisations_team_is_not_found(example_org, assert_404_for_outsider):
    slug = example_org.teams.first().slug
    assert_404_for_outsider(reverse("metrics:export_csv") + f"?team={slug}")
    assert_404_for_outsider(reverse("metrics:drilldown_csv", args=["velocity"]) + f"?team={slug}")


def test_the_records_csv_holds_every_record_listed_not_one_page(cto, example_org, monkeypatch):
    from metrics import drilldown

    monkeypatch.setattr(drilldown, "PER_PAGE", 5)
    monkeypatch.setattr(drilldown, "CSV_BATCH", 7)  # the CSV reads in batches too

    url = reverse("metrics:drilldown", args=["lead_time_for_changes"]) + f"?window=13w&to={LAST_WEEK}"
    page = cto.get(url).content.decode()
    listing = cto.get(url).context["listing"]
    assert listing.total > drilldown.PER_PAGE  # more than one page
    link = reverse("metrics:drilldown_csv", args=["lead_time_for_changes"])
    assert link in page
    rows = _csv(cto.get(link + f"?window=13w&to={LAST_WEEK}"))
    assert rows[0] == [label for label, _numeric in listing.columns]
    assert len(rows) - 1 == listing.total
    assert rows[1] == [cell.text for cell in listing.rows[0]]


def test_the_records_csv_of_an_unknown_metric_is_not_found(cto):
    assert cto.get(reverse("metrics:drilldown_csv", args=["nope"])).status_code == 404


# --- targets per team -----------------------------------------------------------------------------


def test_a_manager_sets_a_teams_own_target_and_its_page_and_row_use_it(
    example_org, cto, django_capture_on_commit_callbacks
):
    first, second = example_org.teams.order_by("slug")[:2]
    example_org.targets = {"speaking_share_min": 0.3, "rework_rate": 0.2}
    example_org.save(update_fields=["targets"])
    url = reverse("metrics:targets") + f"?team={first.slug}"
    page = cto.get(url).content.decode()
    assert 'placeholder="20"' in page  # a blank field keeps the organisation's 20 %
    with django_capture_on_commit_callbacks(execute=True):
        response = cto.post(url, {"time_to_restore": "48", "rework_rate": "20"})
    assert response.status_code == 302
    example_org.refresh_from_db()
    assert example_org.targets == {
        "speaking_share_min": 0.3,
        "rework_rate": 0.2,
        "teams": {first.slug: {"time_to_restore": 48.0}},  # the same as the organisation's: not stored
    }
    assert 'value="48"' in cto.get(url).content.decode()
    event = AuditEvent.objects.filter(org=example_org, action="targets_changed").get()
    assert event.details == {"metrics": ["time_to_restore"], "team": first.slug}

    team_page = cto.get(reverse("metrics:team", args=[first.slug]) + f"?window=13w&to={LAST_WEEK}")
    card = team_page.content.decode()
    card = card[card.index('id="metric-time_to_restore"') :]
    assert "Target: <strong>&lt; 48\u00a0h</strong>" in card[: card.index("</article>")]
    other = cto.get(reverse("metrics:team", args=[second.slug]) + f"?window=13w&to={LAST_WEEK}")
    card = other.content.decode()
    card = card[card.index('id="metric-time_to_restore"') :]
    assert "Target: <strong>&lt; 1\u00a0h</strong>" in card[: card.index("</article>")]

    # The team table: the team's light against its own target, the others' against the organisation's.
    rows = {
        row.team.slug if row.team else None: row
        # The dora page loads its table after first paint; its link shows the page with it in place.
        for row in cto.get(reverse("metrics:team_table") + f"?page=dora&window=13w&to={LAST_WEEK}").context[
            "team_rows"
        ]
    }
    index = list(cto.get(reverse("metrics:dora")).context["table_metrics"]).index(
        ("time_to_restore", "Time to restore service")
    )
    value = MetricSnapshot.objects.get(
        org=example_org, team=first, metric="time_to_restore", window_kind="13w", window_end=LAST_WEEK
    ).value
    assert value < 48  # the example's 20 h
    assert rows[first.slug].cells[index].light == "good"
    assert rows[None].cells[index].light != "good"  # the organisation's target is still 1 h

    # Blank again: back to the organisation's target, and the "teams" key goes.
    cto.post(url, {"time_to_restore": "", "rework_rate": ""})
    example_org.refresh_from_db()
    assert example_org.targets == {"speaking_share_min": 0.3, "rework_rate": 0.2}


def test_the_organisation_form_keeps_the_teams_targets(example_org, cto):
    slug = example_org.teams.first().slug
    example_org.targets = {"teams": {slug: {"team_pulse": 3.5}}}
    example_org.save(update_fields=["targets"])
    cto.post(reverse("metrics:targets"), {"rework_rate": "10"})
    example_org.refresh_from_db()
    assert example_org.targets == {"teams": {slug: {"team_pulse": 3.5}}, "rework_rate": 0.1}


def test_team_targets_are_for_managers_of_this_organisation(example_org, client_for, client):
    slug = example_org.teams.first().slug
    pm = client_for(MembershipFactory(org=example_org, role="pm", user=UserFactory()))
    assert pm.get(reverse("metrics:targets") + f"?team={slug}").status_code == 403
    elsewhere = client_for(MembershipFactory(org=OrganisationFactory(), role="cto", user=UserFactory()))
    url = reverse("metrics:targets") + f"?team={slug}"
    assert elsewhere.get(url).status_code == 404  # another organisation's manager
    assert elsewhere.post(url, {"team_pulse": "2"}).status_code == 404
    example_org.refresh_from_db()
    assert not example_org.targets


@pytest.mark.parametrize("team", ["nope", "%00", "%ED%A0%80"])
def test_an_unknown_team_on_the_targets_page_is_no_500(cto, team):
    assert cto.get(reverse("metrics:targets") + f"?team={team}").status_code in {400, 404}


def test_bad_team_targets_get_field_errors(example_org, cto):
    slug = example_org.teams.first().slug
    response = cto.post(reverse("metrics:targets") + f"?team={slug}", {"team_pulse": "9"})
    assert response.status_code == 200
    assert "less than or equal to 5" in " ".join(response.context["form"].errors["team_pulse"])
    example_org.refresh_from_db()
    assert not example_org.targets


def test_the_workspace_round_trips_team_targets():
    import copy

    from tests.collab.test_workspace_export import example_document
    from workspace.exporter import export_workspace
    from workspace.importer import import_workspace
    from workspace.validation import validate_workspace

    doc = example_document()
    slug = doc["teams"][0]["slug"]
    doc["targets"] = (doc.get("targets") or {}) | {
        "teams": {slug: {"time_to_restore": 48, "predictability": 0.6}}
    }
    assert validate_workspace(doc) == []
    org = import_workspace(copy.deepcopy(doc))
    assert org.targets["teams"] == {slug: {"time_to_restore": 48, "predictability": 0.6}}
    assert export_workspace(org)["targets"]["teams"] == doc["targets"]["teams"]

    bad = copy.deepcopy(doc)
    bad["targets"]["teams"] = {"ghosts": {"time_to_restore": 2}, slug: {"colour": 1}}
    messages = [str(error) for error in validate_workspace(bad)]
    assert any("unknown team" in m and "ghosts" in m for m in messages), messages
    assert any("unknown metric" in m and "colour" in m for m in messages), messages
