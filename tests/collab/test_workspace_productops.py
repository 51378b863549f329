"""The workspace format's Product Ops sections: feedback, launches, experiments."""

from __future__ import annotations

import copy

import pytest

from collab.models import AcceptanceReview, Organisation
from productops.models import Experiment, FeedbackItem, Launch, PostLaunchReview
from tests.collab.test_workspace_export import full_document
from workspace.exporter import export_workspace
from workspace.importer import WorkspaceImportError, check_workspace, import_workspace
from workspace.roundtrip import differences

pytestmark = pytest.mark.django_db


def test_sections_load_with_their_links() -> None:
    org = import_workspace(full_document("po-load"))
    first, second, third = FeedbackItem.objects.filter(org=org).order_by("id")
    assert (first.status, first.duplicate_of, first.feature.key) == ("merged", second, "PAY-1")
    assert (second.via, second.logged_by) == ("api", None)
    assert third.dismiss_reason == "Out of scope"
    launch = Launch.objects.get(org=org, feature__key="PAY-1")
    assert sorted(m.user.email for m in launch.owners.all()) == ["pm@every.test", "tl@every.test"]
    review = PostLaunchReview.objects.get(launch=launch)
    assert review.acceptance_review == AcceptanceReview.objects.get(
        feature=launch.feature, outcome="accepted"
    )
    experiment = Experiment.objects.get(org=org)
    assert (experiment.verdict, experiment.revisions.count()) == ("won", 1)


def test_a_document_without_the_sections_still_loads_and_exports_without_them() -> None:
    doc = full_document("po-none")
    for name in ("feedback", "launch_template", "launches", "experiment_template", "experiments"):
        del doc[name]
    exported = export_workspace(import_workspace(copy.deepcopy(doc)))
    assert differences(doc, exported) == []


@pytest.mark.parametrize(
    ("edit", "where", "message"),
    [
        (lambda d: d["feedback"][1].update(feature="NOPE"), "feedback[1].feature", 'unknown feature "NOPE"'),
        (
            lambda d: d["feedback"][0].update(duplicate_of="FB-9"),
            "feedback[0].duplicate_of",
            "unknown feedback",
        ),
        (lambda d: d["feedback"][0].update(duplicate_of="FB-1"), "feedback[0].duplicate_of", "itself"),
        (lambda d: d["feedback"][2].update(dismiss_reason=None), "feedback[2]", "dismissed"),
        (lambda d: d["feedback"][1].update(duplicate_of="FB-3"), "feedback[1].duplicate_of", "only a merged"),
        (lambda d: d["feedback"][0].update(date="2026-02-30"), "feedback[0].date", "date"),
        (
            lambda d: d["feedback"][0].update(logged_by="who@every.test"),
            "feedback[0].logged_by",
            "unknown person",
        ),
        (
            lambda d: d["launches"][1].update(feature="PAY-1"),
            "launches[1].feature",
            "already has a launch plan",
        ),
        (
            lambda d: d["launches"][0]["owners"].append("pm@every.test"),
            "launches[0].owners[2]",
            "duplicate owner",
        ),
        (
            lambda d: d["launches"][0]["review"].update(acceptance_review_at="2026-04-20T11:00:00+02:00"),
            "launches[0].review.acceptance_review_at",
            "no acceptance review",
        ),
        (lambda d: d["launches"][0].update(tier="huge"), "launches[0].tier", ""),
        (lambda d: d["experiments"][0].update(status="running"), "experiments[0].verdict", "analysed"),
        (lambda d: d["experiments"][0].update(mde=3), "experiments[0].mde", ""),
        (
            lambda d: d["experiments"][0]["variants"][1].update(name="control"),
            "experiments[0].variants",
            "distinct",
        ),
        (lambda d: d["experiments"][0].update(daily_traffic=10**30), "experiments[0].daily_traffic", ""),
        (lambda d: d["experiments"][0].update(hypothesis="a\x00b"), "experiments[0].hypothesis", "NUL"),
    ],
)
def test_errors_name_their_json_path_and_nothing_is_written(edit, where, message) -> None:
    doc = full_document("po-bad")
    edit(doc)
    errors = check_workspace(doc)
    assert any(e.path == where and message in e.message for e in errors), errors
    with pytest.raises(WorkspaceImportError):
        import_workspace(doc)
    assert not Organisation.objects.filter(slug="po-bad").exists()
    assert not FeedbackItem.objects.exists()
