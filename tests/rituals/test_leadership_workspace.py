from __future__ import annotations

import copy
from typing import Any

import pytest

from rituals.leadership import selectors
from rituals.leadership.models import ReviewDecision, ReviewRecord, SpeakingTurn, TechWin, UserInterview
from tests.collab.test_workspace_export import full_document
from workspace.exporter import export_workspace
from workspace.importer import import_workspace
from workspace.roundtrip import differences
from workspace.validation import validate_workspace

pytestmark = pytest.mark.django_db


def test_leadership_lists_round_trip_with_the_targets() -> None:
    doc = full_document("leaders")
    doc["targets"] |= {"speaking_share_min": 0.45, "interview_engineer_share": 0.6}
    org = import_workspace(copy.deepcopy(doc))
    assert (selectors.speaking_target(org), selectors.interview_target(org)) == (0.45, 0.6)
    decision = ReviewDecision.objects.get(sync__org=org, section__code="decision-1")
    assert decision.source_decision is not None
    assert decision.source_decision.text == "Retire billing v1 before Q3"
    assert ReviewDecision.objects.get(sync__org=org, section__code="decision-2").escalation.key == "E-1"
    assert SpeakingTurn.objects.filter(sync__org=org).count() == 2
    assert ReviewRecord.objects.get(org=org).tech_seconds == 240.5
    assert TechWin.objects.get(org=org).deployment.key == "D-1"
    assert UserInterview.objects.get(org=org).with_engineer
    exported = export_workspace(org)
    assert differences(doc, exported) == []
    assert validate_workspace(exported) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["decision_reviews"][0].update(sync="S-1"), "decision_reviews[0].sync"),
        (
            lambda d: d["decision_reviews"][0]["turns"][0].update(section="nope"),
            "decision_reviews[0].turns[0].section",
        ),
        (lambda d: d["decision_reviews"][0]["decisions"][0].update(source_decision=7), "source_decision"),
        (lambda d: d["decision_reviews"][0]["decisions"][1].update(source_key="E-404"), "source_key"),
        (lambda d: d["tech_wins"][0].update(feature="PAY-1"), "tech_wins[0].feature"),
        (lambda d: d["tech_wins"][0].update(period_end="2026-01-01"), "tech_wins[0].period_end"),
        (lambda d: d["tech_wins"][0].update(before=1e30), "tech_wins[0].before"),
        (
            lambda d: d["user_interviews"][0]["attendees"][0].update(person="who@every.test"),
            "attendees[0].person",
        ),
        (lambda d: d["user_interviews"][0].update(features=["NOPE-1"]), "user_interviews[0].features[0]"),
        (lambda d: d["targets"].update(speaking_share_min=0.9), "targets.speaking_share_min"),
    ],
)
def test_bad_leadership_references_are_refused_with_their_path(change: Any, where: str) -> None:
    doc = full_document("bad-leaders")
    change(doc)
    errors = validate_workspace(doc)
    assert any(where in error.path for error in errors), errors


def test_two_decisions_in_one_section_or_two_running_turns_are_refused() -> None:
    doc = full_document("twice")
    review = doc["decision_reviews"][0]
    review["decisions"][1]["section"] = "decision-1"
    review["turns"][0].pop("ended_at")
    review["turns"][1].pop("ended_at")
    paths = [error.path for error in validate_workspace(doc)]
    assert "decision_reviews[0].decisions[1].section" in paths
    assert "decision_reviews[0].turns[1].ended_at" in paths
