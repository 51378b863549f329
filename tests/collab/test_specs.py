from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collab.features import live_session
from collab.features.spec_forms import SpecEditor
from collab.features.specs import (
    SpecConflict,
    spec_align,
    spec_alignment_gaps,
    spec_session_record,
    spec_update,
)
from collab.models import AlignmentSession, Spec
from tests.factories import FeatureFactory, MembershipFactory, SpecFactory

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"title": "Strangler", "tradeoffs": "slow, safe", "chosen": True},
    {"title": "Rewrite", "tradeoffs": "fast, risky", "chosen": False},
]


@pytest.fixture
def spec(team: Any) -> Spec:
    return SpecFactory(feature=FeatureFactory(team=team, status="framing"))


def record_session(
    spec: Spec,
    by: Any,
    *,
    phase: str = "context_setting",
    outcome: str = "continue",
    attendees: list[Any] | None = None,
    **extra: Any,
) -> AlignmentSession:
    """A session held now, attended by `by` unless told otherwise."""
    return spec_session_record(
        spec=spec,
        by=by,
        held_at=timezone.now(),
        phase=phase,
        outcome=outcome,
        attendees=[by] if attendees is None else attendees,
        **extra,
    )


def editor_post(editor: SpecEditor, **overrides: Any) -> dict[str, Any]:
    """What a browser submits for this editor, unchanged, plus overrides (by input name)."""
    data: dict[str, Any] = {"phase": editor.phase}
    forms = [editor.meta, editor.form]
    for formset in editor.formsets.values():
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Alignment gaps and sessions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "options", "expected"),
    [
        (
            [],
            OPTIONS,
            ["Add at least one business success criterion", "Add at least one technical success criterion"],
        ),
        (
            [{"kind": "business", "metric": "conversion", "target": "+2%"}],
            OPTIONS,
            ["Add at least one technical success criterion"],
        ),
        (
            [
                {"kind": "business", "metric": "conversion", "target": ""},
                {"kind": "technical", "metric": "p95", "target": "400ms"},
            ],
            OPTIONS,
            ["Give a target to the business success criterion “conversion”"],
        ),
        (None, [], ["Describe two or three architecture options"]),
        (None, [{**OPTIONS[0], "chosen": False}, OPTIONS[1]], ["Mark one architecture option as chosen."]),
        (
            None,
            [OPTIONS[0], {**OPTIONS[1], "chosen": True}],
            ["Only one option can be chosen: 2 are marked."],
        ),
        (None, OPTIONS, []),
    ],
)
def test_alignment_gaps_say_what_is_missing(
    spec: Spec, criteria: Any, options: Any, expected: list[str]
) -> None:
    if criteria is not None:
        spec.success_criteria = criteria
    spec.options = options
    gaps = spec_alignment_gaps(spec)
    assert len(gaps) == len(expected)
    for gap, text in zip(gaps, expected, strict=True):
        assert gap.startswith(text)


def test_session_aligned_aligns_spec_and_feature(spec: Spec, pm: Any, tech_lead: Any) -> None:
    spec.options = OPTIONS
    spec.save()
    first = record_session(spec, pm, attendees=[pm, tech_lead], duration_minutes=15)
    second = record_session(
        spec, pm, phase="solution_design", outcome="aligned", attendees=[pm, tech_lead], duration_minutes=30
    )
    spec.refresh_from_db()
    spec.feature.refresh_from_db()
    assert spec.aligned_session == second
    assert spec.aligned_at == second.held_at
    assert spec.feature.status == "aligned"
    assert set(first.attendees.all()) == {pm, tech_lead}


def test_session_aligned_refused_records_nothing(spec: Spec, pm: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        record_session(spec, pm, phase="solution_design", outcome="aligned")
    assert "Describe two or three architecture options" in str(exc.value)
    assert not AlignmentSession.objects.exists()
    spec.refresh_from_db()
    assert spec.aligned_at is None


def test_first_session_moves_idea_to_framing(team: Any, pm: Any) -> None:
    spec = SpecFactory(feature=FeatureFactory(team=team, status="idea"))
    record_session(spec, pm)
    spec.feature.refresh_from_db()
    assert spec.feature.status == "framing"


def test_session_needs_attendees_of_the_org(spec: Spec, pm: Any) -> None:
    with pytest.raises(ValidationError):
        record_session(spec, pm, attendees=[])
    with pytest.raises(ValidationError):
        record_session(spec, pm, attendees=[MembershipFactory()])


def test_no_session_after_alignment(spec: Spec, pm: Any) -> None:
    spec.options = OPTIONS
    spec.save()
    record_session(spec, pm, phase="solution_design", outcome="aligned")
    with pytest.raises(ValidationError, match="already aligned"):
        record_session(spec, pm, phase="solution_design")


def test_spec_align_needs_an_aligned_session_of_this_spec(spec: Spec, pm: Any) -> None:
    session = AlignmentSession.objects.create(
        spec=spec, held_at=timezone.now(), phase="context_setting", outcome="continue"
    )
    with pytest.raises(ValidationError):
        spec_align(spec=spec, session=session, by=pm)


# --- Edits before alignment and concurrency ----------------------------------------------------------


def test_update_bumps_version_and_records_a_framing_version(spec: Spec, pm: Any, tech_lead: Any) -> None:
    spec_update(spec=spec, fields={"user_journey": "Pay in one tap"}, by=pm, expected_version=1)
    spec.refresh_from_db()
    assert spec.version == 2
    assert spec.user_journey == "Pay in one tap"
    assert spec.updated_by == pm
    (framing,) = spec.revisions.all()
    assert (framing.kind, framing.by, framing.version) == ("framing", pm, 2)
    assert framing.changes == {"user_journey": {"old": "", "new": "Pay in one tap"}}
    # Saving as you type: the same person's next saves within minutes extend that version…
    spec_update(spec=spec, fields={"user_journey": "Pay in one tap, twice"}, by=pm)
    spec_update(spec=spec, fields={"solution": "A token"}, by=pm)
    (framing,) = spec.revisions.all()
    assert framing.version == 4
    assert framing.changes["user_journey"] == {"old": "", "new": "Pay in one tap, twice"}
    assert framing.fields == ["user_journey", "solution"]
    # …another person's save is a version of its own; none of them counts as rework.
    spec_update(spec=spec, fields={"solution": "A token proxy"}, by=tech_lead)
    assert [r.by for r in spec.revisions.order_by("id")] == [pm, tech_lead]
    assert not spec.revisions.filter(kind="rework").exists()


def test_framing_versions_are_not_exported(spec: Spec, pm: Any) -> None:
    from workspace.exporter import export_workspace

    spec_update(spec=spec, fields={"user_journey": "Pay in one tap"}, by=pm)
    document = export_workspace(spec.feature.org)
    (feature,) = [f for f in document["features"] if f["key"] == spec.feature.key]
    assert feature.get("revisions", []) == []


def test_stale_save_refused_and_nothing_overwritten(spec: Spec, pm: Any, tech_lead: Any) -> None:
    base = {"user_journey": "", "solution": ""}
    mine, theirs = Spec.objects.get(pk=spec.pk), Spec.objects.get(pk=spec.pk)
    spec_update(spec=theirs, fields={"solution": "Strangler with a flag"}, by=tech_lead, expected_version=1)
    with pytest.raises(SpecConflict) as exc:
        spec_update(spec=mine, fields={"solution": "Rewrite"}, by=pm, expected_version=1, base=base)
    conflict = exc.value
    assert conflict.by == tech_lead
    assert conflict.changes == {"solution": {"old": "", "new": "Strangler with a flag"}}
    spec.refresh_from_db()
    assert spec.solution == "Strangler with a flag"
    assert spec.version == 2


def test_identical_save_on_stale_version_writes_nothing(spec: Spec, pm: Any, tech_lead: Any) -> None:
    spec_update(spec=spec, fields={"solution": "A"}, by=tech_lead, expected_version=1)
    spec_update(spec=Spec.objects.get(pk=spec.pk), fields={"solution": "A"}, by=pm, expected_version=1)
    spec.refresh_from_db()
    assert spec.version == 2


def test_two_chosen_options_refused(spec: Spec, pm: Any) -> None:
    with pytest.raises(ValidationError):
        spec_update(
            spec=spec, fields={"options": [{**o, "chosen": True} for o in OPTIONS]}, by=pm, expected_version=1
        )


# --- Views ------------------------------------------------------------------------------------------


def test_phase_editor_saves_lists_from_plain_rows(client_for: Any, pm: Any, spec: Spec) -> None:
    editor = SpecEditor("context", spec)
    data = editor_post(
        editor,
        **{
            "sc-2-kind": "technical",
            "sc-2-metric": "error rate",
            "sc-2-target": "< 0.1%",
            "tc-0-DELETE": "on",
            "business_driver_kind": "churn",
        },
    )
    response = client_for(pm).post(reverse("collab:spec_edit", args=[spec.feature.key]), data)
    spec.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert spec.business_driver_kind == "churn"
    assert spec.technical_constraints == []
    assert {"kind": "technical", "metric": "error rate", "target": "< 0.1%"} in spec.success_criteria
    assert len(spec.success_criteria) == 3


def test_half_filled_row_is_a_field_error(client_for: Any, pm: Any, spec: Spec) -> None:
    data = editor_post(SpecEditor("context", spec), **{"sc-2-target": "+5%"})
    response = client_for(pm).post(reverse("collab:spec_edit", args=[spec.feature.key]), data)
    assert response.status_code == 200
    assert "Fill this in, or clear the row." in response.content.decode()


def test_stale_form_shows_the_other_persons_change(
    client_for: Any, pm: Any, tech_lead: Any, spec: Spec
) -> None:
    editor = SpecEditor("solution", spec)
    spec_update(
        spec=Spec.objects.get(pk=spec.pk),
        fields={"business_value": "Fewer abandoned carts"},
        by=tech_lead,
        expected_version=1,
    )
    data = editor_post(editor, solution="My solution")
    response = client_for(pm).post(reverse("collab:spec_edit", args=[spec.feature.key]), data)
    body = response.content.decode()
    spec.refresh_from_db()
    assert response.status_code == 200
    assert "Not saved: someone changed this spec" in body
    assert str(tech_lead.user) in body
    assert '<ins class="diff-new">Fewer abandoned carts</ins>' in body or "diff-new" in body
    assert spec.solution == ""  # nothing written
    assert "My solution" in body  # yours kept in the form
    assert 'name="version" value="2"' in body
    # Saving the merged form now keeps both changes.
    fresh_base = re.search(r'name="base" value="([^"]+)"', body)[1]
    data.update({"version": "2", "base": fresh_base, "business_value": "Fewer abandoned carts"})
    response = client_for(pm).post(reverse("collab:spec_edit", args=[spec.feature.key]), data)
    spec.refresh_from_db()
    assert response.status_code == 302
    assert (spec.business_value, spec.solution) == ("Fewer abandoned carts", "My solution")


def test_engineer_cannot_edit_spec(client_for: Any, make_member: Any, team: Any, spec: Spec) -> None:
    engineer = make_member("engineer", team=team)
    assert client_for(engineer).get(reverse("collab:spec_edit", args=[spec.feature.key])).status_code == 403


def test_guided_session_start_phase_end(client_for: Any, pm: Any, tech_lead: Any, spec: Spec) -> None:
    client = client_for(pm)
    key = spec.feature.key
    client.post(reverse("collab:spec_session_start", args=[key]))
    live = live_session.live_session_get(spec=spec)
    assert live is not None
    assert live.phase == "context_setting"
    assert live.phase_minutes == 15
    page = client.get(reverse("collab:spec_session", args=[key])).content.decode()
    shown = re.search(r'data-countdown-start="([^"]+)"', page)[1]
    assert abs((datetime.fromisoformat(shown) - live.phase_started_at).total_seconds()) < 1
    assert 'data-countdown-minutes="15"' in page
    assert "Session 1" in page
    client.post(reverse("collab:spec_session_phase", args=[key]), {"phase": "solution"})
    assert live_session.live_session_get(spec=spec).phase_minutes == 30
    response = client.post(
        reverse("collab:spec_session_end", args=[key]),
        {"attendees": [pm.pk, tech_lead.pk], "outcome": "aligned"},
    )
    # The factory's spec has no option yet: the form says exactly that.
    assert response.status_code == 400
    assert "Describe two or three architecture options and mark the chosen one." in response.content.decode()
    Spec.objects.filter(pk=spec.pk).update(options=OPTIONS)
    response = client.post(
        reverse("collab:spec_session_end", args=[key]),
        {"attendees": [pm.pk, tech_lead.pk], "outcome": "aligned"},
    )
    spec.refresh_from_db()
    assert response.status_code == 302
    assert spec.aligned_session.phase == "solution_design"
    assert spec.aligned_session.duration_minutes >= 1
    assert live_session.live_session_get(spec=spec) is None


def test_session_status_partial_for_htmx(client_for: Any, pm: Any, spec: Spec) -> None:
    client = client_for(pm)
    client.post(reverse("collab:spec_session_start", args=[spec.feature.key]))
    body = client.get(
        reverse("collab:spec_session", args=[spec.feature.key]),
        {"part": "status"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert body.lstrip().startswith('<div id="session-status"')
    assert "data-countdown-start" in body


def test_session_record_held_elsewhere(client_for: Any, pm: Any, tech_lead: Any, spec: Spec) -> None:
    response = client_for(pm).post(
        reverse("collab:spec_session_record", args=[spec.feature.key]),
        {
            "held_at": "2026-01-12T10:00",
            "phase": "context_setting",
            "duration_minutes": "20",
            "attendees": [pm.pk, tech_lead.pk],
            "outcome": "continue",
        },
    )
    assert response.status_code == 302
    session = spec.sessions.get()
    assert session.duration_minutes == 20
    assert timezone.localtime(session.held_at).hour == 10


def test_feature_page_counts_sessions_against_target(client_for: Any, pm: Any, spec: Spec) -> None:
    for _ in range(3):
        record_session(spec, pm)
    body = client_for(pm).get(reverse("collab:feature_detail", args=[spec.feature.key])).content.decode()
    assert "3 / target ≤ 2" in body
