from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.test.utils import CaptureQueriesContext

from collab.models import (
    AcceptanceReview,
    AlignmentSession,
    Feature,
    GlossaryTerm,
    KeyResult,
    Membership,
    Objective,
    Organisation,
    SessionAttendance,
    Spec,
    SpecRevision,
    Team,
    TeamMember,
    User,
)
from delivery.models import Commit, Deployment, Incident
from metrics import services as metrics_services
from rituals.models import (
    ActionItem,
    Conflict,
    ConflictSession,
    Decision,
    Escalation,
    Obstacle,
    Pulse,
    Sync,
    SyncItem,
    SyncSection,
)
from tests.collab.test_workspace_export import _doubled, example_document, full_document
from tests.factories import OrganisationFactory, UserFactory
from workspace import importer
from workspace.importer import WorkspaceImportError, check_workspace, import_workspace
from workspace.validation import load_workspace_json

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    """Rows in every table of the three apps (and the users), M2M link tables included."""
    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in {"collab", "rituals", "metrics"}
    ]
    return {m._meta.db_table: m._default_manager.count() for m in models}


def test_import_of_the_example_loads_every_list() -> None:
    doc = example_document()
    org = import_workspace(copy.deepcopy(doc))
    features = doc["features"]
    assert (org.slug, org.name, org.time_zone, org.language) == ("org-11", "Org 11", "Europe/Paris", "en")
    assert Membership.objects.filter(org=org).count() == 15
    assert Team.objects.filter(org=org).count() == 2
    assert TeamMember.objects.filter(team__org=org).count() == 10
    assert Objective.objects.filter(org=org).count() == 1
    assert KeyResult.objects.filter(org=org).count() == 2
    assert Feature.objects.filter(org=org).count() == 27
    assert Spec.objects.filter(feature__org=org).exclude(business_driver_kind="").count() == 24
    assert AlignmentSession.objects.filter(spec__feature__org=org).count() == 45
    assert SessionAttendance.objects.filter(session__spec__feature__org=org).count() == sum(
        len(s["attendees"]) for f in features for s in f["alignment_sessions"]
    )
    assert SpecRevision.objects.filter(spec__feature__org=org).count() == 13
    assert AcceptanceReview.objects.filter(feature__org=org).count() == 17
    assert Sync.objects.filter(org=org).count() == 48
    assert SyncSection.objects.filter(sync__org=org).count() == sum(len(s["sections"]) for s in doc["syncs"])
    assert SyncItem.objects.filter(sync__org=org).count() == 47
    assert Decision.objects.filter(sync__org=org).count() == 47
    assert ActionItem.objects.filter(sync__org=org).count() == 47
    assert Conflict.objects.filter(org=org).count() == 10
    assert ConflictSession.objects.filter(conflict__org=org).count() == sum(
        len(c["sessions"]) for c in doc["conflicts"]
    )
    assert Escalation.objects.filter(org=org).count() == 5
    assert Obstacle.objects.filter(org=org).count() == 2
    assert Deployment.objects.filter(org=org).count() == 38
    assert Commit.objects.filter(deployment__org=org).count() == 63
    assert Incident.objects.filter(org=org).count() == 8
    assert Pulse.objects.filter(org=org).count() == 47
    assert GlossaryTerm.objects.filter(org=org).count() == 2


def test_import_maps_the_details() -> None:
    org = import_workspace(full_document())
    assert org.targets == {
        "rework_rate": 0.1,
        "predictability": 0.8,
        "deployment_frequency": 5,
        "team_pulse": 4,
    }
    feature = Feature.objects.get(org=org, key="PAY-1")
    assert feature.rice_score == pytest.approx(4200 * 2 * 0.8 / 1.5)
    assert [kr.key for kr in feature.key_results.all()] == ["KR-1"]
    spec = feature.spec
    assert (spec.business_driver_kind, spec.expected_impact) == ("churn", "-1.5 pt monthly churn")
    assert spec.invest["small"] is False
    assert spec.aligned_session is not None
    assert spec.aligned_session.phase == "solution_design"
    assert spec.aligned_at == spec.aligned_session.held_at
    assert [m.user.email for m in spec.aligned_session.attendees.order_by("sessionattendance__id")] == [
        "tl@every.test",
        "pm@every.test",
        "eng@every.test",
    ]
    rework = spec.revisions.get(kind="rework")
    assert (rework.by.user.email, rework.fields, rework.reason) == (
        "pm@every.test",
        ["success_criteria", "solution"],
        "Legal asked for a second factor",
    )
    assert Spec.objects.get(feature__key="CORE-1", feature__org=org).business_driver_kind == ""
    drive, weekly, review = Sync.objects.filter(org=org).exclude(ritual="decision_review").order_by("id")
    assert (drive.status, weekly.status, review.status) == ("closed", "live", "scheduled")
    assert weekly.team is None
    assert weekly.current_section.code == "capacity"
    assert list(drive.sections.values_list("code", "position")) == [
        ("delivery", 0),
        ("roadmap", 1),
        ("issues", 2),
        ("velocity", 3),
        ("escalation", 4),
    ]
    item = drive.items.get(title="Card update shipped")
    assert (item.section.code, item.feature.key, item.notes) == (
        "delivery",
        "PAY-1",
        "Behind a flag for 10 %",
    )
    done = drive.action_items.get(title__startswith="Ask legal")
    assert done.owner.user.email == "pm@every.test"
    assert str(done.due) == "2026-04-10"
    assert done.done_at is not None
    conflict = Conflict.objects.get(org=org, key="C-1")
    assert conflict.options[0] == {"title": "3-D Secure", "impact": "+2 days", "chosen": True}
    assert conflict.facts.startswith("Legal")
    assert Escalation.objects.get(org=org, key="E-1").conflict == Conflict.objects.get(org=org, key="C-2")
    assert Escalation.objects.get(org=org, key="E-2").sync == weekly
    assert Incident.objects.get(org=org, key="I-1").deployment.key == "D-1"
    assert Incident.objects.get(org=org, key="I-2").deployment is None
    assert Deployment.objects.get(org=org, key="D-1").source == "import"


def test_people_already_known_are_invited_not_enrolled() -> None:
    known = UserFactory(email="tl@every.test", name="Théo L. (already here)")
    doc = full_document()
    doc["people"].append({"email": "New.Person@Every.test", "name": "New Person", "role": "designer"})
    users_before = User.objects.count()
    org = import_workspace(doc)
    # Five newcomers, plus the stand-in that holds the known person's records until they accept.
    assert User.objects.count() == users_before + 7
    known.refresh_from_db()
    assert known.name == "Théo L. (already here)"
    assert not Membership.objects.filter(org=org, user=known).exists()
    assert org.invitations.get(email="tl@every.test").role == "tech_lead"
    stand_in = Membership.objects.get(org=org, user__name="Théo Lambert")
    assert (stand_in.role, stand_in.is_active) == ("tech_lead", False)
    newcomer = User.objects.get(email="new.person@every.test")
    assert newcomer.name == "New Person"
    assert not newcomer.has_usable_password()


def test_import_sends_no_model_signal() -> None:
    received: list[Any] = []

    def record(sender: Any, **kwargs: Any) -> None:
        received.append(sender)

    for signal in (pre_save, post_save, m2m_changed):
        signal.connect(record, weak=False)
    try:
        import_workspace(full_document())
    finally:
        for signal in (pre_save, post_save, m2m_changed):
            signal.disconnect(record)
    assert received == []


def test_import_runs_a_fixed_number_of_queries() -> None:
    with CaptureQueriesContext(connection) as small:
        import_workspace(full_document())
    with CaptureQueriesContext(connection) as large:
        # Other people too, so that both imports create their accounts.
        import_workspace(
            json.loads(json.dumps(_doubled(full_document("twice"))).replace("@every.test", "@twice.test"))
        )
    assert len(small) == len(large)


def test_metrics_are_refreshed_once_after_commit(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(metrics_services, "org_metrics_refresh_later", lambda **kwargs: calls.append(kwargs))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        org = import_workspace(full_document())
    assert calls == []
    for callback in callbacks:
        callback()
    assert calls == [{"org_id": org.id}]


def test_a_failing_metrics_refresh_does_not_undo_the_import(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("broker down")

    monkeypatch.setattr(metrics_services, "org_metrics_refresh_later", broken)
    with django_capture_on_commit_callbacks(execute=True):
        org = import_workspace(full_document())
    assert Organisation.objects.filter(pk=org.pk).exists()


# --- broken documents: refused whole, every error named, nothing written ---------------------

Mutation = Callable[[dict[str, Any]], Any]

BROKEN: list[tuple[str, Mutation, str, str]] = [
    ("format", lambda d: d.update(format="collab-workspace/2"), "format", 'must be "collab-workspace/1"'),
    ("required", lambda d: d.pop("people"), "people", "is required"),
    (
        "unknown field",
        lambda d: d["features"][0].update(colour="red"),
        "features[0]",
        'unknown field "colour"',
    ),
    ("unknown metric", lambda d: d["targets"].update(speed=1), "targets", 'unknown metric "speed"'),
    (
        "type",
        lambda d: d["features"][0].update(effort_points="five"),
        "features[0].effort_points",
        "must be a number",
    ),
    ("enum", lambda d: d["features"][0].update(kind="epic"), "features[0].kind", "must be one of"),
    ("slug", lambda d: d["teams"][1].update(slug="Core Platform"), "teams[1].slug", "must be a slug"),
    ("email", lambda d: d["people"][5].update(email="not-an-email"), "people[5].email", "must be an email"),
    (
        "sha",
        lambda d: d["deployments"][0]["commits"][0].update(sha="xyz"),
        "deployments[0].commits[0].sha",
        "must match",
    ),
    (
        "timestamp shape",
        lambda d: d["features"][0].update(delivered_at="2026-04-09 16:20"),
        "features[0].delivered_at",
        "must be an ISO 8601 timestamp",
    ),
    (
        "timestamp calendar",
        lambda d: d["features"][0].update(delivered_at="2026-02-30T10:00:00+01:00"),
        "features[0].delivered_at",
        "invalid timestamp",
    ),
    (
        "date",
        lambda d: d["syncs"][0]["action_items"][1].update(due="2026-13-01"),
        "syncs[0].action_items[1].due",
        "invalid date",
    ),
    ("maximum", lambda d: d["pulses"][0].update(score=6), "pulses[0].score", "must be at most 5"),
    (
        "minimum",
        lambda d: d["syncs"][0]["sections"][0].update(planned_minutes=0),
        "syncs[0].sections[0].planned_minutes",
        "must be at least 1",
    ),
    (
        "level",
        lambda d: d["escalations"][0].update(level=4),
        "escalations[0].level",
        "must be one of: 1, 2, 3",
    ),
    ("empty", lambda d: d["features"][0].update(title=""), "features[0].title", "must not be empty"),
    (
        "repeat",
        lambda d: d["features"][0].update(key_results=["KR-1", "KR-1"]),
        "features[0].key_results",
        'must not repeat "KR-1"',
    ),
    (
        "duplicate key",
        lambda d: d["features"][2].update(key="PAY-1"),
        "features[2].key",
        'duplicate key "PAY-1"',
    ),
    (
        "duplicate person",
        lambda d: d["people"].append(dict(d["people"][0])),
        "people[6].email",
        'duplicate email "pm@every.test"',
    ),
    (
        "duplicate member",
        lambda d: d["teams"][0]["members"][1].update(email="pm@every.test"),
        "teams[0].members[1].email",
        'duplicate member "pm@every.test"',
    ),
    (
        "duplicate glossary",
        lambda d: d["glossary"][1].update(language="fr"),
        "glossary[1].term",
        'duplicate term "Refactoring" for language "fr"',
    ),
    ("unknown team", lambda d: d["features"][0].update(team="x"), "features[0].team", 'unknown team "x"'),
    (
        "objective team",
        lambda d: d["objectives"][0].update(teams=["ghosts"]),
        "objectives[0].teams[0]",
        'unknown team "ghosts"',
    ),
    (
        "facilitator",
        lambda d: d["syncs"][0].update(facilitator="ghost@every.test"),
        "syncs[0].facilitator",
        'unknown person "ghost@every.test"',
    ),
    (
        "attendee",
        lambda d: d["features"][0]["alignment_sessions"][0].update(attendees=["ghost@every.test"]),
        "features[0].alignment_sessions[0].attendees[0]",
        "unknown person",
    ),
    (
        "revision by",
        lambda d: d["features"][0]["revisions"][0].update(by="ghost@every.test"),
        "features[0].revisions[0].by",
        "unknown person",
    ),
    (
        "owner",
        lambda d: d["obstacles"][0].update(owner="ghost@every.test"),
        "obstacles[0].owner",
        "unknown person",
    ),
    (
        "key result",
        lambda d: d["features"][0].update(key_results=["KR-9"]),
        "features[0].key_results[0]",
        'unknown key result "KR-9"',
    ),
    (
        "section",
        lambda d: d["syncs"][0]["items"][0].update(section="demo"),
        "syncs[0].items[0].section",
        'unknown section "demo"',
    ),
    (
        "decision feature",
        lambda d: d["syncs"][0]["decisions"][0].update(feature="NOPE-1"),
        "syncs[0].decisions[0].feature",
        'unknown feature "NOPE-1"',
    ),
    (
        "deployment feature",
        lambda d: d["deployments"][0].update(features=["NOPE"]),
        "deployments[0].features[0]",
        'unknown feature "NOPE"',
    ),
    (
        "conflict",
        lambda d: d["escalations"][0].update(conflict="C-9"),
        "escalations[0].conflict",
        'unknown conflict "C-9"',
    ),
    ("sync", lambda d: d["escalations"][1].update(sync="S-9"), "escalations[1].sync", 'unknown sync "S-9"'),
    (
        "deployment",
        lambda d: d["incidents"][0].update(deployment="D-9"),
        "incidents[0].deployment",
        'unknown deployment "D-9"',
    ),
    (
        "time order",
        lambda d: d["incidents"][0].update(resolved_at="2026-04-09T17:00:00-04:00"),
        "incidents[0].resolved_at",
        "must not be before started_at",
    ),
    (
        "two chosen",
        lambda d: d["features"][0]["spec"]["options"][1].update(chosen=True),
        "features[0].spec.options[1].chosen",
        "at most one option may be chosen",
    ),
    (
        "resolved without session",
        lambda d: d["conflicts"][0].update(sessions=[]),
        "conflicts[0].sessions",
        "a resolved conflict must have at least one session",
    ),
    (
        "week",
        lambda d: d["features"][0].update(planned_week="2027-W53"),
        "features[0].planned_week",
        'invalid ISO week "2027-W53"',
    ),
    (
        "time zone",
        lambda d: d["organisation"].update(time_zone="Mars/Olympus"),
        "organisation.time_zone",
        'unknown time zone "Mars/Olympus"',
    ),
    (
        "spec driver",
        lambda d: d["features"][0]["spec"].pop("business_driver"),
        "features[0].spec.business_driver",
        "is required",
    ),
    # What only the database would refuse:
    (
        "too long",
        lambda d: d["features"][0].update(title="x" * 301),
        "features[0].title",
        "must be at most 300 characters long",
    ),
    (
        "section code too long",
        lambda d: d["syncs"][2]["sections"][0].update(code="r" * 33),
        "syncs[2].sections[0].code",
        "must be at most 32 characters long",
    ),
    (
        "NUL",
        lambda d: d["features"][0].update(description="a\x00b"),
        "features[0].description",
        "must not contain the NUL character",
    ),
    (
        "rejected without reason",
        lambda d: d["features"][0]["acceptance_reviews"][0].pop("reason"),
        "features[0].acceptance_reviews[0].reason",
        "is required when the outcome is rejected",
    ),
    (
        "same address",
        lambda d: d["people"].append({"email": "PM@every.test", "name": "Twin", "role": "pm"}),
        "people[6].email",
        '"PM@every.test" is the same address as "pm@every.test"',
    ),
    (
        "out of range",
        lambda d: d["features"][0].update(delivered_at="0001-01-01T03:00:00+00:00"),
        "features[0].delivered_at",
        "is out of the supported range",
    ),
    (
        "duration",
        lambda d: d["features"][0]["alignment_sessions"][0].update(duration_minutes=2**40),
        "features[0].alignment_sessions[0].duration_minutes",
        "must be at most 2147483647",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "where", "message"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_broken_document_is_refused_whole(mutate: Mutation, where: str, message: str) -> None:
    OrganisationFactory(slug="someone-else")
    doc = full_document()
    mutate(doc)
    before = row_counts()
    with pytest.raises(WorkspaceImportError) as refused:
        import_workspace(doc)
    errors = [(error.path, error.message) for error in refused.value.errors]
    assert any(path == where and message in text for path, text in errors), errors
    assert row_counts() == before


def test_existing_slug_is_refused_and_nothing_is_loaded() -> None:
    import_workspace(full_document())
    before = row_counts()
    with pytest.raises(WorkspaceImportError) as refused:
        import_workspace(full_document())
    assert [str(e) for e in refused.value.errors] == [
        'organisation.slug: organisation "every-field" already exists'
    ]
    assert row_counts() == before


def test_infinite_number_is_refused() -> None:
    text = json.dumps(full_document()).replace('"effort_points": 5,', '"effort_points": 1e999,')
    doc, errors = load_workspace_json(text)
    assert errors == []
    assert doc is not None
    with pytest.raises(WorkspaceImportError) as refused:
        import_workspace(doc)
    assert "features[0].effort_points: must be a finite number" in [str(e) for e in refused.value.errors]


def test_every_error_is_reported_at_once() -> None:
    import_workspace(full_document("taken"))
    doc = full_document("taken")
    doc["features"][0]["team"] = "x"
    doc["pulses"][1]["score"] = 0
    doc["glossary"][0]["term"] = "t" * 121
    errors = [str(e) for e in check_workspace(doc)]
    assert errors == [
        'organisation.slug: organisation "taken" already exists',
        'features[0].team: unknown team "x"',
        "pulses[1].score: must be at least 1",
        "glossary[0].term: must be at most 120 characters long",
    ]


def test_root_must_be_an_object() -> None:
    with pytest.raises(WorkspaceImportError) as refused:
        import_workspace([])
    assert [str(e) for e in refused.value.errors] == ["$: must be an object"]


def test_a_database_failure_half_way_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # If a check were missed, the database refuses the row late in the load: everything before it
    # (users, teams, features, specs) must be rolled back with it.
    monkeypatch.setattr(importer, "database_errors", lambda doc: [])
    doc = full_document()
    doc["features"][0]["acceptance_reviews"][0].pop("reason")
    before = row_counts()
    with pytest.raises(IntegrityError):
        import_workspace(doc)
    assert row_counts() == before


def test_slug_taken_between_check_and_load_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    OrganisationFactory(slug="every-field")
    monkeypatch.setattr(importer, "database_errors", lambda doc: [])
    before = row_counts()
    with pytest.raises(WorkspaceImportError) as refused:
        import_workspace(full_document())
    assert [str(e) for e in refused.value.errors] == [
        'organisation.slug: organisation "every-field" already exists'
    ]
    assert row_counts() == before
