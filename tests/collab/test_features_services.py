from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collab.features import services
from collab.features.permissions import editable_team_ids, may_create_features, may_edit_feature
from collab.features.selectors import feature_drop_event
from collab.models import AcceptanceReview, Feature
from collab.weeks import quarter_weeks, week_quarter
from tests.factories import FeatureFactory, MembershipFactory, SpecFactory, TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def _feature(team: Any, **kwargs: Any) -> Feature:
    feature = FeatureFactory(team=team, **kwargs)
    SpecFactory(feature=feature)
    return feature


# --- Permission rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_role", "team_role", "allowed"),
    [
        ("pm", "pm", True),
        ("tech_lead", "tech_lead", True),
        ("engineer", "pm", True),  # the team role decides
        ("pm", None, False),  # a PM of another team reads only
        ("tech_lead", "engineer", False),
        ("engineer", "engineer", False),
        ("designer", None, False),
        ("engineering_manager", "engineering_manager", False),
        ("cto", None, False),
        ("vp_product", None, True),
        ("cpo", None, True),
        ("ceo", None, True),
        ("product_ops", None, True),
        ("viewer", "pm", False),  # viewers only read, whatever their team role
    ],
)
def test_who_edits_a_teams_features(
    org: Any, team: Any, org_role: str, team_role: str | None, allowed: bool
) -> None:
    membership = MembershipFactory(org=org, role=org_role)
    if team_role:
        TeamMemberFactory(team=team, membership=membership, role=team_role)
    assert may_edit_feature(membership, team) is allowed
    assert may_edit_feature(membership, team.pk) is allowed


def test_inactive_member_edits_nothing(pm: Any, team: Any) -> None:
    pm.is_active = False
    assert not may_edit_feature(pm, team)
    assert not may_create_features(pm)


def test_pm_of_another_team_does_not_edit(make_member: Any, team: Any, org: Any) -> None:
    other = TeamFactory(org=org)
    pm_elsewhere = make_member("pm", team=other)
    assert not may_edit_feature(pm_elsewhere, team)
    assert editable_team_ids(pm_elsewhere) == frozenset({other.pk})


def test_leadership_edits_every_team(make_member: Any) -> None:
    assert editable_team_ids(make_member("cpo")) is None


def test_permission_reads_team_roles_once(pm: Any, team: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        for _ in range(5):
            may_edit_feature(pm, team)


# --- Create and update -----------------------------------------------------------------------------


def test_create_numbers_on_the_prefix_the_team_uses(org: Any, team: Any, pm: Any) -> None:
    FeatureFactory(team=team, key="CHK-141")
    FeatureFactory(team=team, key="CHK-142")
    FeatureFactory(team=team, key="F-3")  # an older key in another pattern does not win
    FeatureFactory(team=TeamFactory(org=org), key="CHK-150")  # numbers are the organisation's
    FeatureFactory(key="CHK-500")  # another organisation's numbering is its own
    feature = services.feature_create(org=org, team=team, title="Checkout", by=pm)
    assert feature.key == "CHK-151"
    assert feature.status == "idea"
    assert feature.spec.version == 1
    assert services.feature_create(org=org, team=team, title="Next", by=pm).key == "CHK-152"


def test_create_keeps_the_zero_padding_of_the_prefix(org: Any, team: Any) -> None:
    FeatureFactory(team=team, key="PAY-0099")
    assert services.feature_create(org=org, team=team, title="X").key == "PAY-0100"


def test_first_feature_of_a_team_takes_its_slug_as_prefix(org: Any) -> None:
    team = TeamFactory(org=org, slug="check-out2", name="Checkout")
    assert services.feature_create(org=org, team=team, title="X").key == "CHECKOUT2-1"
    assert services.feature_create(org=org, team=team, title="Y").key == "CHECKOUT2-2"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rice_impact", 7),
        ("rice_reach", 99_999_999_999_999),
        ("rice_reach", -1),
        ("rice_confidence", 1.5),
        ("rice_effort", 100_000),
        ("rice_effort", 0),
    ],
)
def test_create_and_update_refuse_rice_off_the_scale(org: Any, team: Any, field: str, value: float) -> None:
    rice = {"rice_reach": 1000, "rice_impact": 2, "rice_confidence": 0.5, "rice_effort": 4} | {field: value}
    with pytest.raises(ValidationError) as exc:
        services.feature_create(org=org, team=team, title="X", **rice)
    assert list(exc.value.message_dict) == [field]
    feature = services.feature_create(
        org=org, team=team, title="Y", rice_reach=10, rice_impact=3, rice_confidence=1, rice_effort=1000
    )
    with pytest.raises(ValidationError) as exc:
        services.feature_update(feature=feature, **{field: value})
    assert list(exc.value.message_dict) == [field]
    feature.refresh_from_db()
    assert feature.rice_score == pytest.approx(0.03)


def test_drop_needs_a_reason_and_records_it(org: Any, team: Any, pm: Any) -> None:
    feature = _feature(team, status="in_progress")
    with pytest.raises(ValidationError) as exc:
        services.feature_drop(feature=feature, by=pm, reason="  ")
    assert "reason" in exc.value.message_dict
    feature.refresh_from_db()
    assert feature.status == "in_progress"
    services.feature_drop(feature=feature, by=pm, reason="The partner left")
    feature.refresh_from_db()
    assert feature.status == "dropped"
    event = feature_drop_event(feature=feature)
    assert event is not None
    assert (event.actor, event.details["reason"]) == (pm, "The partner left")


def test_create_refuses_duplicate_key(org: Any, team: Any) -> None:
    FeatureFactory(team=team, key="F-7")
    with pytest.raises(ValidationError) as exc:
        services.feature_create(org=org, team=team, title="X", key="F-7")
    assert "key" in exc.value.message_dict


def test_create_refuses_team_of_another_org(org: Any) -> None:
    with pytest.raises(ValidationError):
        services.feature_create(org=org, team=TeamFactory(), title="X")


def test_rice_score_kept_in_step(org: Any, team: Any) -> None:
    feature = services.feature_create(
        org=org, team=team, title="X", rice_reach=2000, rice_impact=2, rice_confidence=0.8, rice_effort=4
    )
    assert feature.rice_score == pytest.approx(800)
    services.feature_update(feature=feature, rice_effort=8)
    feature.refresh_from_db()
    assert feature.rice_score == pytest.approx(400)
    services.feature_update(feature=feature, rice_reach=None)
    feature.refresh_from_db()
    assert feature.rice_score is None


def test_dependency_cycle_refused(org: Any, team: Any) -> None:
    a, b, c = (_feature(team) for _ in range(3))
    services.feature_update(feature=a, depends_on=[b])
    services.feature_update(feature=b, depends_on=[c])
    with pytest.raises(ValidationError) as exc:
        services.feature_update(feature=c, depends_on=[a])
    assert "cycle" in str(exc.value)


def test_dependency_on_other_org_refused(team: Any) -> None:
    with pytest.raises(ValidationError):
        services.feature_update(feature=_feature(team), depends_on=[FeatureFactory()])


# --- Lifecycle ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "ok"),
    [
        ("idea", "framing", True),
        ("idea", "in_progress", False),
        ("framing", "aligned", False),  # only through a session
        ("framing", "dropped", True),
        ("aligned", "in_progress", True),
        ("in_progress", "delivered", True),
        ("in_progress", "accepted", False),  # only through a review
        ("delivered", "accepted", False),
        ("delivered", "in_progress", True),
        ("accepted", "in_progress", False),
        ("dropped", "idea", True),
        ("dropped", "delivered", False),
    ],
)
def test_transitions(team: Any, start: str, to: str, ok: bool) -> None:
    feature = _feature(team, status=start)
    if ok:
        services.feature_transition(feature=feature, to=to)
        feature.refresh_from_db()
        assert feature.status == to
    else:
        with pytest.raises(ValidationError):
            services.feature_transition(feature=feature, to=to)
        feature.refresh_from_db()
        assert feature.status == start


def test_aligned_refusal_explains_the_way(team: Any) -> None:
    with pytest.raises(ValidationError, match="spec session"):
        services.feature_transition(feature=_feature(team, status="framing"), to="aligned")


def test_delivered_sets_and_reopen_clears_delivered_at(team: Any) -> None:
    feature = _feature(team, status="in_progress")
    when = timezone.now() - timedelta(days=2)
    services.feature_transition(feature=feature, to="delivered", at=when)
    feature.refresh_from_db()
    assert feature.delivered_at == when
    services.feature_transition(feature=feature, to="in_progress")
    feature.refresh_from_db()
    assert feature.delivered_at is None


def test_delivery_in_the_future_refused(team: Any) -> None:
    with pytest.raises(ValidationError):
        services.feature_transition(
            feature=_feature(team, status="in_progress"),
            to="delivered",
            at=timezone.now() + timedelta(days=1),
        )


# --- Acceptance review ----------------------------------------------------------------------------

MET = [
    {"kind": "business", "metric": "conversion", "target": "+2%", "met": True},
    {"kind": "technical", "metric": "p95 latency", "target": "< 400 ms", "met": True},
]


def test_review_accepted_moves_to_accepted(team: Any, pm: Any) -> None:
    feature = _feature(team, status="delivered", delivered_at=timezone.now())
    review = services.review_record(feature=feature, by=pm, outcome="accepted", criteria_results=MET)
    feature.refresh_from_db()
    assert feature.status == "accepted"
    assert feature.delivered_at is not None
    assert [r["met"] for r in review.criteria_results] == [True, True]


def test_review_rejected_needs_reason_and_goes_back_to_in_progress(team: Any, pm: Any) -> None:
    feature = _feature(team, status="delivered", delivered_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.review_record(feature=feature, by=pm, outcome="rejected", criteria_results=MET)
    assert "reason" in exc.value.message_dict
    services.review_record(
        feature=feature, by=pm, outcome="rejected", criteria_results=MET, reason="Too slow"
    )
    feature.refresh_from_db()
    assert feature.status == "in_progress"
    assert feature.delivered_at is None
    assert AcceptanceReview.objects.get(feature=feature).reason == "Too slow"


def test_review_cannot_accept_with_unmet_criterion(team: Any, pm: Any) -> None:
    feature = _feature(team, status="delivered")
    results = [MET[0], {**MET[1], "met": False}]
    with pytest.raises(ValidationError, match="p95 latency"):
        services.review_record(feature=feature, by=pm, outcome="accepted", criteria_results=results)
    assert not AcceptanceReview.objects.exists()


def test_review_only_for_delivered(team: Any, pm: Any) -> None:
    with pytest.raises(ValidationError):
        services.review_record(
            feature=_feature(team, status="in_progress"), by=pm, outcome="accepted", criteria_results=MET
        )


# --- Weeks and quarters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "quarter"),
    [
        ("2026-W01", "2026-Q1"),
        ("2026-W13", "2026-Q1"),
        ("2026-W14", "2026-Q2"),
        ("2020-W53", "2020-Q4"),
        ("2025-W01", "2025-Q1"),
        ("nope", None),
    ],
)
def test_week_quarter(week: str, quarter: str | None) -> None:
    assert week_quarter(week) == quarter


def test_every_week_of_a_year_in_one_quarter() -> None:
    weeks = [w for q in range(1, 5) for w in quarter_weeks(f"2026-Q{q}")]
    assert len(weeks) == len(set(weeks)) == 53  # 2026 starts on a Thursday
    assert weeks[0] == "2026-W01"


def test_delivery_enqueues_the_teams_metric_refresh(
    team: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache

    from metrics.services import debounce_seconds

    feature = _feature(team, status="in_progress")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.feature_transition(feature=feature, to="delivered")
    assert callbacks
    assert cache.get(f"metrics:debounce:team:{team.pk}") == 1
    assert debounce_seconds() > 0
