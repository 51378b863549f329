from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collab.features.diff import changes_diff, word_diff
from collab.features.selectors import spec_is_reworked
from collab.features.spec_forms import SpecEditor
from collab.features.specfields import propose_kind
from collab.features.specs import SpecConflict, spec_revise, spec_session_record
from collab.models import Spec, SpecRevision
from tests.collab.test_specs import OPTIONS, editor_post
from tests.factories import FeatureFactory, SpecFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def aligned_spec(team: Any, pm: Any) -> Spec:
    spec = SpecFactory(
        feature=FeatureFactory(team=team, status="framing"),
        options=OPTIONS,
        user_journey="The buyer pays in three steps",
        solution="Strangler behind a flag",
    )
    spec_session_record(
        spec=spec,
        by=pm,
        held_at=timezone.now() - timedelta(hours=1),
        phase="solution_design",
        outcome="aligned",
        attendees=[pm],
    )
    spec.refresh_from_db()
    return spec


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        (["business_driver_kind"], "rework"),
        (["expected_impact"], "rework"),
        (["business_driver_description"], "clarification"),
        (["technical_constraints"], "rework"),
        (["success_criteria"], "rework"),
        (["user_journey"], "rework"),
        (["business_value"], "clarification"),
        (["options"], "rework"),
        (["solution"], "rework"),
        (["invest"], "clarification"),
        (["business_value", "invest", "business_driver_description"], "clarification"),
        (["business_value", "solution"], "rework"),
        (["something_imported"], "rework"),
    ],
)
def test_kind_proposed_from_fields(fields: list[str], kind: str) -> None:
    assert propose_kind(fields) == kind


def test_revision_records_who_when_fields_and_changes(aligned_spec: Spec, tech_lead: Any) -> None:
    revision = spec_revise(
        spec=aligned_spec,
        fields={"solution": "Strangler behind two flags", "business_value": ""},
        by=tech_lead,
        expected_version=aligned_spec.version,
    )
    assert revision.by == tech_lead
    assert revision.kind == revision.proposed_kind == "rework"
    assert revision.fields == ["solution"]  # business_value was already empty: not a change
    assert revision.changes == {
        "solution": {"old": "Strangler behind a flag", "new": "Strangler behind two flags"}
    }
    assert revision.version == aligned_spec.version == 2
    assert spec_is_reworked(spec=aligned_spec)


def test_clarification_does_not_count_as_rework(aligned_spec: Spec, pm: Any) -> None:
    revision = spec_revise(spec=aligned_spec, fields={"business_value": "Fewer abandoned carts"}, by=pm)
    assert revision.kind == "clarification"
    assert not spec_is_reworked(spec=aligned_spec)


def test_override_needs_a_reason(aligned_spec: Spec, pm: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        spec_revise(
            spec=aligned_spec,
            fields={"user_journey": "The buyer pays in 3 steps"},
            by=pm,
            kind="clarification",
        )
    assert "reason" in exc.value.message_dict
    assert not SpecRevision.objects.exists()
    revision = spec_revise(
        spec=aligned_spec,
        fields={"user_journey": "The buyer pays in 3 steps"},
        by=pm,
        kind="clarification",
        reason="Typo: digits instead of words",
    )
    assert (revision.kind, revision.proposed_kind) == ("clarification", "rework")
    assert revision.reason == "Typo: digits instead of words"


def test_choosing_the_proposed_kind_needs_no_reason(aligned_spec: Spec, pm: Any) -> None:
    revision = spec_revise(spec=aligned_spec, fields={"solution": "Other"}, by=pm, kind="rework")
    assert revision.kind == "rework"


def test_nothing_changed_records_nothing(aligned_spec: Spec, pm: Any) -> None:
    assert spec_revise(spec=aligned_spec, fields={"solution": "Strangler behind a flag "}, by=pm) is None
    assert not SpecRevision.objects.exists()


def test_revise_refused_before_alignment(team: Any, pm: Any) -> None:
    with pytest.raises(ValidationError):
        spec_revise(spec=SpecFactory(feature=FeatureFactory(team=team)), fields={"solution": "x"}, by=pm)


def test_stale_revision_refused_with_the_other_revision(aligned_spec: Spec, pm: Any, tech_lead: Any) -> None:
    stale = Spec.objects.get(pk=aligned_spec.pk)
    spec_revise(spec=aligned_spec, fields={"solution": "Theirs"}, by=tech_lead, expected_version=1)
    with pytest.raises(SpecConflict) as exc:
        spec_revise(spec=stale, fields={"solution": "Mine"}, by=pm, expected_version=1)
    assert [r.by for r in exc.value.revisions] == [tech_lead]
    assert SpecRevision.objects.count() == 1
    assert Spec.objects.get(pk=aligned_spec.pk).solution == "Theirs"


def test_word_diff_marks_removed_and_added_words() -> None:
    html = word_diff("Strangler behind a flag", "Strangler behind two flags <b>")
    assert html == (
        'Strangler behind <del class="diff-old">a flag</del><ins class="diff-new">two flags &lt;b&gt;</ins>'
    )


def test_list_field_diff_is_readable() -> None:
    [diff] = changes_diff(
        {
            "success_criteria": {
                "old": [{"kind": "business", "metric": "conversion", "target": "+2%"}],
                "new": [{"kind": "business", "metric": "conversion", "target": "+3%"}],
            }
        }
    )
    assert diff.label == "Success criteria"
    assert "conversion → " in diff.new_text
    assert '<del class="diff-old">2</del><ins class="diff-new">3</ins>' in diff.html


def test_edit_after_alignment_becomes_revision_with_history(
    client_for: Any, tech_lead: Any, aligned_spec: Spec
) -> None:
    client = client_for(tech_lead)
    data = editor_post(SpecEditor("solution", aligned_spec), solution="Strangler behind two flags")
    response = client.post(reverse("collab:spec_edit", args=[aligned_spec.feature.key]), data)
    assert response.status_code == 302
    revision = SpecRevision.objects.get()
    assert revision.kind == "rework"
    assert revision.by == tech_lead
    body = client.get(reverse("collab:spec_history", args=[aligned_spec.feature.key])).content.decode()
    assert '<del class="diff-old">a flag</del>' in body
    assert '<ins class="diff-new">two flags</ins>' in body
    assert "Co-created solution" in body


def test_override_without_reason_is_a_form_error(client_for: Any, pm: Any, aligned_spec: Spec) -> None:
    data = editor_post(SpecEditor("solution", aligned_spec), solution="Other", kind="clarification")
    response = client_for(pm).post(reverse("collab:spec_edit", args=[aligned_spec.feature.key]), data)
    assert response.status_code == 200
    assert "say why it is a clarification" in response.content.decode()
    assert not SpecRevision.objects.exists()


def test_history_shows_override_and_imported_revisions(client_for: Any, pm: Any, aligned_spec: Spec) -> None:
    SpecRevision.objects.create(
        spec=aligned_spec, at=timezone.now(), by=pm, kind="rework", fields=["solution"]
    )
    spec_revise(
        spec=aligned_spec, fields={"user_journey": "x"}, by=pm, kind="clarification", reason="Wording"
    )
    body = (
        client_for(pm).get(reverse("collab:spec_history", args=[aligned_spec.feature.key])).content.decode()
    )
    assert "Fields changed: solution" in body
    assert "Proposed as Rework, recorded as Clarification" in body
