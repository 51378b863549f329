from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab.models import Spec
from tests.factories import FeatureFactory, OrganisationFactory, TeamFactory
from tests.rituals.workspace_leadership import add_leadership
from workspace.exporter import export_workspace
from workspace.importer import import_workspace
from workspace.roundtrip import differences, normalise
from workspace.validation import validate_workspace

pytestmark = pytest.mark.django_db

EXAMPLE = Path("/work/shared/example-workspace.json")


def example_document() -> dict[str, Any]:
    candidates = [Path(__file__).resolve().parents[2] / "docs" / "example-workspace.json", EXAMPLE]
    for candidate in candidates:
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    pytest.fail("example-workspace.json not found")


def full_document(slug: str = "every-field") -> dict[str, Any]:
    """A small document that uses every optional field of the format at least once."""
    return add_leadership(_full_document(slug))


def _full_document(slug: str) -> dict[str, Any]:
    return {
        "format": "collab-workspace/1",
        "organisation": {
            "slug": slug,
            "name": "Every Field Ltd",
            "time_zone": "America/New_York",
            "language": "fr",
        },
        "targets": {"rework_rate": 0.1, "predictability": 0.8, "deployment_frequency": 5, "team_pulse": 4},
        "people": [
            {"email": "pm@every.test", "name": "Paula Martin", "role": "pm"},
            {"email": "tl@every.test", "name": "Théo Lambert", "role": "tech_lead"},
            {"email": "cto@every.test", "name": "Chloé Tran", "role": "cto"},
            {"email": "cpo@every.test", "name": "Camille Pons", "role": "cpo"},
            {"email": "eng@every.test", "name": "Eli Ng", "role": "engineer"},
            {"email": "viewer@every.test", "name": "Vic Ewer", "role": "viewer"},
        ],
        "teams": [
            {
                "slug": "payments",
                "name": "Payments",
                "topology": "stream_aligned",
                "members": [
                    {"email": "pm@every.test", "role": "pm"},
                    {"email": "tl@every.test", "role": "tech_lead"},
                    {"email": "eng@every.test", "role": "engineer"},
                ],
            },
            {"slug": "core-platform", "name": "Core platform", "topology": "platform", "members": []},
        ],
        "objectives": [
            {
                "key": "O-1",
                "title": "Make paying effortless",
                "quarter": "2026-Q2",
                "teams": ["payments", "core-platform"],
                "key_results": [
                    {
                        "key": "KR-1",
                        "title": "Checkout conversion",
                        "kind": "business",
                        "unit": "%",
                        "baseline": 61.5,
                        "target": 68,
                        "current": 63.25,
                    },
                    {"key": "KR-2", "title": "Card vault migrated", "kind": "technical", "target": 1},
                ],
            },
            {
                "key": "O-2",
                "title": "Nothing shared yet",
                "quarter": "2026-Q3",
                "teams": [],
                "key_results": [],
            },
        ],
        "features": [
            {
                "key": "PAY-1",
                "team": "payments",
                "title": "One-click card update",
                "description": "Let customers replace an expired card from the dunning e-mail.",
                "kind": "product",
                "status": "accepted",
                "effort_points": 5,
                "rice": {"reach": 4200, "impact": 2, "confidence": 0.8, "effort": 1.5},
                "key_results": ["KR-1"],
                "planned_week": "2026-W15",
                "delivered_at": "2026-04-09T16:20:31.500001-04:00",
                "external": {
                    "provider": "jira",
                    "key": "PAY-101",
                    "url": "https://acme.atlassian.net/browse/PAY-101",
                },
                "spec": {
                    "business_driver": {
                        "kind": "churn",
                        "description": "Involuntary churn from expired cards",
                        "expected_impact": "-1.5 pt monthly churn",
                    },
                    "technical_constraints": [
                        {"kind": "security", "description": "PCI scope must not grow"},
                        {"kind": "legacy", "description": "Billing v1 still owns the card table"},
                    ],
                    "success_criteria": [
                        {"kind": "business", "metric": "cards updated from the e-mail", "target": ">= 40%"},
                        {"kind": "technical", "metric": "p95 of the update call", "target": "< 300 ms"},
                    ],
                    "user_journey": "E-mail → pre-filled form → confirmation.",
                    "business_value": "Keeps 300 subscriptions a month.",
                    "options": [
                        {
                            "title": "Hosted fields",
                            "tradeoffs": "No PCI growth, less control of the UI",
                            "chosen": True,
                        },
                        {"title": "Own form", "tradeoffs": "Full control, PCI audit", "chosen": False},
                    ],
                    "solution": "Hosted fields in a signed, single-use link.",
                    "invest": {
                        "independent": True,
                        "negotiable": True,
                        "valuable": True,
                        "estimable": True,
                        "small": False,
                        "testable": True,
                    },
                },
                "alignment_sessions": [
                    {
                        "held_at": "2026-03-02T10:00:00+01:00",
                        "phase": "context_setting",
                        "outcome": "continue",
                        "attendees": ["pm@every.test", "tl@every.test"],
                        "duration_minutes": 15,
                    },
                    {
                        "held_at": "2026-03-04T14:30Z",
                        "phase": "solution_design",
                        "outcome": "aligned",
                        "attendees": ["tl@every.test", "pm@every.test", "eng@every.test"],
                    },
                ],
                "revisions": [
                    {
                        "at": "2026-03-10T09:15:00+01:00",
                        "by": "pm@every.test",
                        "kind": "rework",
                        "fields": ["success_criteria", "solution"],
                        "reason": "Legal asked for a second factor",
                    },
                    {
                        "at": "2026-03-11T09:15:00+01:00",
                        "by": "tl@every.test",
                        "kind": "clarification",
                        "fields": ["user_journey"],
                    },
                ],
                "acceptance_reviews": [
                    {
                        "at": "2026-04-10T11:00:00+02:00",
                        "by": "pm@every.test",
                        "outcome": "rejected",
                        "reason": "Link expires too early",
                    },
                    {"at": "2026-04-14T11:00:00+02:00", "by": "cpo@every.test", "outcome": "accepted"},
                ],
            },
            {
                "key": "PAY-2",
                "team": "payments",
                "title": "Retire the billing v1 card table",
                "kind": "tech_debt",
                "status": "framing",
                "effort_points": 2.5,
                "key_results": ["KR-2", "KR-1"],
                "spec": {
                    "business_driver": {
                        "kind": "other",
                        "description": "Every card change touches two systems",
                    },
                    "technical_constraints": [],
                    "success_criteria": [],
                    "options": [],
                },
                "alignment_sessions": [],
                "revisions": [],
                "acceptance_reviews": [],
            },
            {
                "key": "CORE-1",
                "team": "core-platform",
                "title": "Shared rate limiter",
                "kind": "platform",
                "status": "dropped",
                "key_results": [],
                "planned_week": "2026-W20",
                "alignment_sessions": [
                    {
                        "held_at": "2026-05-04T09:00:00-04:00",
                        "phase": "context_setting",
                        "outcome": "continue",
                        "attendees": [],
                        "duration_minutes": 30,
                    },
                ],
                "revisions": [],
                "acceptance_reviews": [],
            },
        ],
        "syncs": [
            {
                "key": "S-1",
                "team": "payments",
                "ritual": "drive",
                "facilitator": "pm@every.test",
                "scheduled_at": "2026-04-07T10:00:00+02:00",
                "started_at": "2026-04-07T10:02:00+02:00",
                "ended_at": "2026-04-07T10:51:00+02:00",
                "sections": [
                    {
                        "code": "delivery",
                        "title": "Delivery status",
                        "planned_minutes": 10,
                        "started_at": "2026-04-07T10:02:00+02:00",
                        "ended_at": "2026-04-07T10:14:00+02:00",
                    },
                    {
                        "code": "roadmap",
                        "planned_minutes": 15,
                        "started_at": "2026-04-07T08:14:00Z",
                        "ended_at": "2026-04-07T08:30:00Z",
                    },
                    {"code": "issues", "planned_minutes": 10},
                    {"code": "velocity", "planned_minutes": 5},
                    {"code": "escalation", "planned_minutes": 5},
                ],
                "items": [
                    {
                        "section": "delivery",
                        "title": "Card update shipped",
                        "notes": "Behind a flag for 10 %",
                        "feature": "PAY-1",
                    },
                    {"section": "issues", "title": "Vault latency"},
                ],
                "decisions": [
                    {"section": "roadmap", "text": "Retire billing v1 before Q3", "feature": "PAY-2"},
                    {"section": "issues", "text": "Keep the hosted fields"},
                ],
                "action_items": [
                    {
                        "title": "Ask legal about the second factor",
                        "owner": "pm@every.test",
                        "due": "2026-04-10",
                        "done_at": "2026-04-09T17:00:00+02:00",
                    },
                    {"title": "Load-test the vault", "owner": "tl@every.test"},
                ],
            },
            {
                "key": "S-2",
                "ritual": "cto_cpo",
                "facilitator": "cpo@every.test",
                "scheduled_at": "2026-04-08T17:00:00+02:00",
                "started_at": "2026-04-08T17:00:00+02:00",
                "sections": [
                    {
                        "code": "priorities",
                        "title": "Priorities",
                        "planned_minutes": 20,
                        "started_at": "2026-04-08T17:00:00+02:00",
                        "ended_at": "2026-04-08T17:20:00+02:00",
                    },
                    {
                        "code": "capacity",
                        "title": "Capacity",
                        "planned_minutes": 25,
                        "started_at": "2026-04-08T17:20:00+02:00",
                    },
                ],
                "items": [],
                "decisions": [],
                "action_items": [],
            },
            {
                "key": "S-3",
                "team": "core-platform",
                "ritual": "roadmap_review",
                "facilitator": "cto@every.test",
                "scheduled_at": "2026-06-01T15:00:00+02:00",
                "sections": [{"code": "review", "planned_minutes": 45}],
                "items": [],
                "decisions": [],
                "action_items": [],
            },
        ],
        "conflicts": [
            {
                "key": "C-1",
                "team": "payments",
                "title": "Second factor or not",
                "category": "scope",
                "opened_at": "2026-03-09T10:00:00+01:00",
                "resolved_at": "2026-03-09T11:00:00+01:00",
                "sessions": [{"held_at": "2026-03-09T10:05:00+01:00"}],
                "pivot": {
                    "facts": "Legal requires strong authentication for card changes.",
                    "business_needs": "Keep the one-click feel.",
                    "technical_constraints": "The hosted fields support 3-D Secure only.",
                    "options": [
                        {"title": "3-D Secure", "impact": "+2 days", "chosen": True},
                        {"title": "SMS code", "impact": "+1 week", "chosen": False},
                    ],
                    "success_criteria": "Completion rate stays above 40 %.",
                },
                "resolution": "3-D Secure on the hosted fields.",
            },
            {
                "key": "C-2",
                "team": "core-platform",
                "title": "Who owns the rate limiter",
                "category": "architecture",
                "opened_at": "2026-05-05T10:00:00+02:00",
                "sessions": [],
            },
            {
                "key": "C-3",
                "team": "payments",
                "title": "Budget for the vault",
                "category": "budget",
                "opened_at": "2026-05-06T10:00:00+02:00",
                "sessions": [
                    {"held_at": "2026-05-07T10:00:00+02:00"},
                    {"held_at": "2026-05-12T10:00:00+02:00"},
                ],
                "pivot": {"options": [{"title": "Wait for Q3", "impact": "vault slips", "chosen": False}]},
            },
        ],
        "escalations": [
            {
                "key": "E-1",
                "level": 3,
                "title": "Rate limiter ownership",
                "opened_at": "2026-05-06T09:00:00+02:00",
                "decided_at": "2026-05-08T09:00:00+02:00",
                "decision": "Core platform owns it",
                "conflict": "C-2",
            },
            {
                "key": "E-2",
                "level": 2,
                "title": "Capacity for Q3",
                "opened_at": "2026-04-08T17:40:00+02:00",
                "sync": "S-2",
            },
            {
                "key": "E-3",
                "level": 1,
                "title": "Flag rollout pace",
                "opened_at": "2026-04-07T10:50:00+02:00",
            },
        ],
        "obstacles": [
            {
                "key": "OB-1",
                "team": "payments",
                "kind": "platform_dependency",
                "title": "Vault API not ready",
                "opened_at": "2026-03-20T09:00:00+01:00",
                "resolved_at": "2026-04-02T09:00:00+02:00",
                "owner": "tl@every.test",
            },
            {
                "key": "OB-2",
                "team": "core-platform",
                "kind": "missing_capability",
                "title": "Nobody knows Envoy",
                "opened_at": "2026-05-01T09:00:00+02:00",
            },
        ],
        "deployments": [
            {
                "key": "D-1",
                "team": "payments",
                "environment": "production",
                "result": "success",
                "finished_at": "2026-04-09T16:20:31.500001-04:00",
                "commits": [
                    {
                        "sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
                        "authored_at": "2026-04-08T11:02:03.123456+02:00",
                    },
                    {"sha": "abc1234", "authored_at": "2026-04-09T08:00Z"},
                ],
                "features": ["PAY-1"],
            },
            {
                "key": "D-2",
                "team": "payments",
                "environment": "staging",
                "result": "failure",
                "finished_at": "2026-04-08T12:00:00+02:00",
                "commits": [],
                "features": [],
            },
        ],
        "incidents": [
            {
                "key": "I-1",
                "team": "payments",
                "title": "Card form blank on Safari",
                "started_at": "2026-04-09T18:00:00-04:00",
                "resolved_at": "2026-04-09T19:10:00-04:00",
                "deployment": "D-1",
            },
            {
                "key": "I-2",
                "team": "payments",
                "title": "Vault timeouts",
                "started_at": "2026-04-20T09:00:00+02:00",
            },
        ],
        "pull_requests": [
            {
                "team": "payments",
                "repository": "acme/payments",
                "number": 42,
                "title": "Card form (PAY-1)",
                "url": "https://github.com/acme/payments/pull/42",
                "opened_at": "2026-04-07T10:00:00+02:00",
                "merged_at": "2026-04-09T09:00:00+02:00",
                "first_commit_at": "2026-04-06T17:30:00+02:00",
                "merge_commit_sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
                "deployment": "D-1",
            },
        ],
        "pulses": [
            {"team": "payments", "week": "2026-W15", "score": 4},
            {"team": "payments", "week": "2026-W15", "score": 5},
            {"team": "core-platform", "week": "2026-W19", "score": 3},
        ],
        "glossary": [
            {
                "term": "Refactoring",
                "business_term": "Modernisation pour accélérer le développement",
                "language": "fr",
                "explanation": "Réécrire sans changer le comportement.",
            },
            {
                "term": "Refactoring",
                "business_term": "Modernisation for faster development",
                "language": "en",
            },
        ],
        **copy.deepcopy(PRODUCTOPS),
    }


# The Product Ops sections: feedback (merged, dismissed, linked), launches and experiments.
PRODUCTOPS: dict[str, Any] = {
    "feedback": [
        {
            "key": "FB-1",
            "text": "Paying by card takes too long.\nThree screens.",
            "source": "support",
            "account": "Acme",
            "segment": "Enterprise",
            "date": "2026-04-01",
            "logged_by": "pm@every.test",
            "via": "hand",
            "team": "payments",
            "status": "merged",
            "feature": "PAY-1",
            "duplicate_of": "FB-2",
        },
        {
            "key": "FB-2",
            "text": "Card payment is slow",
            "source": "sales",
            "date": "2026-04-02",
            "via": "api",
            "status": "linked",
            "feature": "PAY-1",
        },
        {
            "key": "FB-3",
            "text": "Not for us",
            "source": "in_app",
            "date": "2026-04-03",
            "via": "form",
            "status": "dismissed",
            "dismiss_reason": "Out of scope",
        },
    ],
    "launch_template": {"checklist": ["Support briefed", "Rollback plan written and tested"]},
    "launches": [
        {
            "feature": "PAY-1",
            "date": "2026-04-09",
            "tier": "tier1",
            "owners": ["pm@every.test", "tl@every.test"],
            "checklist": [
                {"item": "Support briefed", "done": True},
                {"item": "Rollback plan written and tested", "done": False},
            ],
            "notes": "Behind the card-form flag",
            "created_by": "pm@every.test",
            "review": {
                "measurements": [
                    {
                        "kind": "business",
                        "metric": "Card conversion",
                        "target": "+2 points",
                        "measured": "+2.4 points",
                        "met": True,
                    }
                ],
                "updated_at": "2026-04-13T10:00:00+02:00",
                "updated_by": "pm@every.test",
                "acceptance_review_at": "2026-04-14T11:00:00+02:00",
            },
        },
        {
            "feature": "PAY-2",
            "date": "2026-06-01",
            "tier": "tier3",
            "owners": [],
            "checklist": [],
            "created_by": "cpo@every.test",
        },
    ],
    "experiment_template": {
        "checklist": ["Tracking checked"],
        "guardrail_metrics": ["Error rate"],
        "alpha": 0.05,
        "power": 0.8,
    },
    "experiments": [
        {
            "title": "One-page card form",
            "feature": "PAY-1",
            "hypothesis": "One page lifts card conversion",
            "primary_metric": "card payment completed",
            "guardrail_metrics": ["Error rate"],
            "variants": [{"name": "control", "share": 50}, {"name": "one-page", "share": 50}],
            "baseline_rate": 0.1,
            "mde": 0.02,
            "daily_traffic": 1000,
            "sample_size_per_variant": 3835,
            "expected_days": 8,
            "alpha": 0.05,
            "power": 0.8,
            "min_lift": 0,
            "checklist": [{"item": "Tracking checked", "done": True}],
            "status": "analysed",
            "verdict": "won",
            "results": [
                {"name": "control", "users": 4000, "conversions": 400},
                {"name": "one-page", "users": 4000, "conversions": 500},
            ],
            "guardrails_breached": ["Error rate"],
            "analysis": {"srm_p_value": 1.0},
            "stop_reason": "Enough data",
            "created_by": "pm@every.test",
            "started_at": "2026-04-01T09:00:00+02:00",
            "ended_at": "2026-04-09T09:00:00+02:00",
            "results_at": "2026-04-09T09:00:00+02:00",
            "revisions": [
                {
                    "at": "2026-04-02T09:00:00+02:00",
                    "by": "pm@every.test",
                    "changes": {"daily_traffic": {"old": 900, "new": 1000}},
                }
            ],
        }
    ],
}


def test_full_document_is_valid() -> None:
    assert validate_workspace(full_document()) == []


def test_example_round_trip() -> None:
    doc = example_document()
    exported = export_workspace(import_workspace(copy.deepcopy(doc)))
    assert differences(doc, exported) == []
    assert normalise(exported) == normalise(doc)


def test_every_field_round_trip() -> None:
    doc = full_document()
    exported = export_workspace(import_workspace(copy.deepcopy(doc)))
    assert differences(doc, exported) == []
    assert validate_workspace(exported) == []


def test_export_keys_follow_the_format_order() -> None:
    exported = export_workspace(import_workspace(full_document()))
    assert list(exported) == [
        "format",
        "organisation",
        "targets",
        "people",
        "teams",
        "objectives",
        "features",
        "syncs",
        "conflicts",
        "escalations",
        "obstacles",
        "deployments",
        "incidents",
        "pull_requests",
        "pulses",
        "glossary",
        "decision_reviews",
        "tech_wins",
        "user_interviews",
        "feedback",
        "launch_template",
        "launches",
        "experiment_template",
        "experiments",
    ]
    assert list(exported["features"][0]) == [
        "key",
        "team",
        "title",
        "description",
        "kind",
        "status",
        "effort_points",
        "rice",
        "key_results",
        "planned_week",
        "delivered_at",
        "external",
        "spec",
        "alignment_sessions",
        "revisions",
        "acceptance_reviews",
    ]
    assert list(exported["features"][0]["spec"]) == [
        "business_driver",
        "technical_constraints",
        "success_criteria",
        "user_journey",
        "business_value",
        "options",
        "solution",
        "invest",
    ]
    assert list(exported["features"][0]["spec"]["options"][0]) == ["title", "tradeoffs", "chosen"]
    assert list(exported["conflicts"][0]) == [
        "key",
        "team",
        "title",
        "category",
        "opened_at",
        "resolved_at",
        "sessions",
        "pivot",
        "resolution",
    ]


def test_export_writes_timestamps_in_the_organisation_time_zone() -> None:
    doc = example_document()
    exported = export_workspace(import_workspace(doc))
    first = exported["deployments"][0]
    assert doc["deployments"][0]["commits"][0]["authored_at"] == "2026-05-29T12:43:45.252883+00:00"
    assert first["commits"][0]["authored_at"] == "2026-05-29T14:43:45.252883+02:00"
    assert first["finished_at"] == "2026-06-02T11:40:00+02:00"
    full = export_workspace(import_workspace(full_document()))
    assert full["features"][0]["delivered_at"] == "2026-04-09T16:20:31.500001-04:00"
    assert full["features"][0]["alignment_sessions"][1]["held_at"] == "2026-03-04T09:30:00-05:00"


def test_export_keeps_the_example_number_types() -> None:
    exported = export_workspace(import_workspace(example_document()))
    for feature in exported["features"]:
        assert isinstance(feature["effort_points"], int)
        assert isinstance(feature["rice"]["reach"], int)
        assert isinstance(feature["rice"]["confidence"], float)
    kr = exported["objectives"][0]["key_results"][0]
    assert [type(kr[name]) for name in ("baseline", "target", "current")] == [int, int, int]
    full = export_workspace(import_workspace(full_document()))
    assert full["features"][1]["effort_points"] == 2.5
    assert full["objectives"][0]["key_results"][0]["current"] == 63.25


def test_export_leaves_out_empty_optional_fields() -> None:
    exported = export_workspace(import_workspace(full_document()))
    bare_feature = exported["features"][2]
    assert "spec" not in bare_feature
    assert "description" not in bare_feature
    assert "rice" not in bare_feature
    assert "team" not in exported["syncs"][1]
    assert "pivot" not in exported["conflicts"][1]
    assert "resolution" not in exported["conflicts"][1]
    assert exported["objectives"][0]["key_results"][1] == {
        "key": "KR-2",
        "title": "Card vault migrated",
        "kind": "technical",
        "target": 1,
    }


def _doubled(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every feature, sync, conflict, deployment and incident twice (new keys)."""
    doc = copy.deepcopy(doc)
    doc["organisation"]["slug"] += "-x2"
    for name in ("features", "syncs", "conflicts", "deployments", "incidents", "obstacles"):
        copies = copy.deepcopy(doc[name])
        for item in copies:
            item["key"] += "-copy"
            if isinstance(item.get("external"), dict):
                item["external"]["key"] += "-copy"  # one tracker issue is one feature
        doc[name] += copies
    return doc


def test_export_runs_a_fixed_number_of_queries() -> None:
    small, large = import_workspace(full_document()), import_workspace(_doubled(full_document()))
    with CaptureQueriesContext(connection) as first:
        export_workspace(small)
    with CaptureQueriesContext(connection) as second:
        exported = export_workspace(large)
    assert len(first) == len(second)
    assert len(exported["features"]) == 6


def test_export_of_a_spec_started_in_the_app_is_still_a_valid_document() -> None:
    org = OrganisationFactory(slug="started")
    feature = FeatureFactory(team=TeamFactory(org=org), org=org)
    Spec.objects.create(feature=feature, options=[{"title": "Queue", "chosen": True}])
    exported = export_workspace(org)
    assert exported["features"][0]["spec"]["options"] == [
        {"title": "Queue", "tradeoffs": "—", "chosen": True}
    ]
    assert validate_workspace(exported) == []


def _field_paths(
    node: dict[str, Any], defs: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every field the JSON Schema defines, as paths ("features", "*", "spec", "invest")."""
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    paths = []
    for name, child in node.get("properties", {}).items():
        paths.append((*prefix, name))
        paths += _field_paths(child, defs, (*prefix, name))
    if isinstance(node.get("items"), dict):
        paths += _field_paths(node["items"], defs, (*prefix, "*"))
    return paths


def _values(node: Any, path: tuple[str, ...]) -> list[Any]:
    if not path:
        return [node]
    head, rest = path[0], path[1:]
    if head == "*":
        return [v for item in node for v in _values(item, rest)] if isinstance(node, list) else []
    return _values(node[head], rest) if isinstance(node, dict) and head in node else []


def test_the_full_document_uses_every_field_of_the_format() -> None:
    from workspace.validation import schema

    doc = full_document()
    defined = _field_paths(schema(), schema()["$defs"])
    unused = [".".join(path) for path in defined if not any(v is not None for v in _values(doc, path))]
    unused_targets = [path for path in unused if path.startswith("targets.")]
    assert [path for path in unused if path not in unused_targets] == []
    assert len(unused_targets) < 14  # targets: a few metrics are enough to show the overrides
