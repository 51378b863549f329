from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collab.features import okrs
from collab.models import KeyResult, Objective
from tests.factories import FeatureFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(org: Any, team: Any) -> Objective:
    return okrs.objective_create(org=org, title="Grow activation", quarter="2026-Q1", teams=[team])


def test_objective_and_key_results_get_keys(org: Any, objective: Objective) -> None:
    kr1 = okrs.key_result_create(
        objective=objective,
        title="Activation rate",
        kind="business",
        unit="%",
        baseline=30,
        target=40,
        current=33,
    )
    kr2 = okrs.key_result_create(
        objective=objective,
        title="p95 latency",
        kind="technical",
        unit="ms",
        baseline=900,
        target=400,
        current=650,
    )
    second = okrs.objective_create(org=org, title="Retain", quarter="2026-Q2")
    assert (objective.key, second.key) == ("O1", "O2")
    assert (kr1.key, kr2.key) == ("KR1", "KR2")
    assert kr1.progress == pytest.approx(0.3)
    assert kr2.progress == pytest.approx(0.5)  # a target below the baseline still reads as progress


def test_objective_quarter_validated(org: Any) -> None:
    with pytest.raises(ValidationError):
        okrs.objective_create(org=org, title="X", quarter="2026-Q5")


def test_objective_refuses_another_orgs_team(org: Any) -> None:
    with pytest.raises(ValidationError):
        okrs.objective_create(org=org, title="X", quarter="2026-Q1", teams=[TeamFactory()])


def test_key_result_update_moves_progress(objective: Objective) -> None:
    kr = okrs.key_result_create(
        objective=objective, title="Activation", kind="business", baseline=30, target=40
    )
    assert kr.progress is None
    okrs.key_result_update(key_result=kr, current=38)
    kr.refresh_from_db()
    assert kr.progress == pytest.approx(0.8)


def test_list_shows_objectives_by_quarter_with_progress(
    client_for: Any, pm: Any, org: Any, objective: Objective, team: Any
) -> None:
    kr = okrs.key_result_create(
        objective=objective, title="Activation rate", kind="business", baseline=30, target=40, current=35
    )
    FeatureFactory(team=team).key_results.add(kr)
    okrs.objective_create(org=org, title="Later objective", quarter="2026-Q3")
    response = client_for(pm).get(reverse("collab:okr_list"), {"quarter": "2026-Q1"})
    body = response.content.decode()
    assert "Grow activation" in body
    assert "Later objective" not in body
    assert "50 %" in body
    assert team.name in body


def test_okr_list_queries_are_fixed(
    client_for: Any, pm: Any, org: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(pm)
    for n in range(6):
        objective = okrs.objective_create(org=org, title=f"O {n}", quarter="2026-Q1")
        okrs.key_result_create(objective=objective, title="KR", kind="technical", target=1)
    with django_assert_max_num_queries(12):
        client.get(reverse("collab:okr_list"))


def test_pm_creates_objective_and_key_result_in_the_ui(client_for: Any, pm: Any, team: Any, org: Any) -> None:
    client = client_for(pm)
    response = client.post(
        reverse("collab:objective_create"), {"title": "Grow", "quarter": "2026-Q2", "teams": [team.pk]}
    )
    objective = Objective.objects.get(org=org)
    assert response.status_code == 302
    response = client.post(
        reverse("collab:key_result_create", args=[objective.key]),
        {"title": "Error rate", "kind": "technical", "unit": "%", "baseline": "2", "target": "0.5"},
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get(org=org)
    client.post(
        reverse("collab:key_result_edit", args=[kr.key]),
        {
            "title": "Error rate",
            "kind": "technical",
            "unit": "%",
            "baseline": "2",
            "target": "0.5",
            "current": "1.25",
        },
    )
    kr.refresh_from_db()
    assert kr.current == 1.25


def test_key_result_form_errors(client_for: Any, pm: Any, objective: Objective) -> None:
    response = client_for(pm).post(
        reverse("collab:key_result_create", args=[objective.key]), {"title": "", "kind": "business"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_viewer_and_engineer_read_only(
    client_for: Any, viewer: Any, make_member: Any, objective: Objective
) -> None:
    for member in (viewer, make_member("engineer")):
        client = client_for(member)
        assert client.get(reverse("collab:okr_list")).status_code == 200
        assert client.get(reverse("collab:objective_create")).status_code == 403
        assert client.post(reverse("collab:objective_delete", args=[objective.key])).status_code == 403
    assert Objective.objects.filter(pk=objective.pk).exists()


def test_cto_edits_okrs(client_for: Any, make_member: Any) -> None:
    assert client_for(make_member("cto")).get(reverse("collab:objective_create")).status_code == 200


@pytest.mark.parametrize(
    ("name", "methods"),
    [
        ("collab:objective_edit", ("get", "post")),
        ("collab:objective_delete", ("post",)),
        ("collab:key_result_create", ("post",)),
    ],
)
def test_other_organisation_objective_is_404(
    assert_404_for_outsider: Any, objective: Objective, name: str, methods: tuple
) -> None:
    assert_404_for_outsider(reverse(name, args=[objective.key]), methods=methods)


@pytest.mark.parametrize(
    ("name", "methods"),
    [("collab:key_result_edit", ("get", "post")), ("collab:key_result_delete", ("post",))],
)
def test_other_organisation_key_result_is_404(
    assert_404_for_outsider: Any, objective: Objective, name: str, methods: tuple
) -> None:
    kr = okrs.key_result_create(objective=objective, title="KR", kind="business", target=1)
    assert_404_for_outsider(reverse(name, args=[kr.key]), methods=methods)


def test_outsider_list_does_not_show_our_objectives(other_org_client: Any, objective: Objective) -> None:
    assert "Grow activation" not in other_org_client.get(reverse("collab:okr_list")).content.decode()
