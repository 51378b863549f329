from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.examples import EXAMPLE_WORKSPACE
from workspace.validation import (
    SCHEMA_PATH,
    WorkspaceError,
    load_workspace_json,
    schema,
    validate_workspace,
)


@pytest.fixture(scope="module")
def example_text() -> str:
    return EXAMPLE_WORKSPACE.read_text(encoding="utf-8")


@pytest.fixture
def example(example_text: str) -> dict[str, Any]:
    return json.loads(example_text)


DELETE = object()


class CopyOf:
    def __init__(self, path: str, **overrides: object) -> None:
        self.path, self.overrides = path, overrides


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)]


def _get(doc: Any, path: str) -> Any:
    for step in _steps(path):
        doc = doc[step]
    return doc


def _apply(doc: dict[str, Any], changes: dict[str, object]) -> dict[str, Any]:
    for path, value in changes.items():
        *parents, last = _steps(path)
        node: Any = doc
        for step in parents:
            node = node[step]
        if isinstance(value, CopyOf):
            value = {**copy.deepcopy(_get(doc, value.path)), **value.overrides}
        if value is DELETE:
            del node[last]
        elif isinstance(node, list) and last == len(node):
            node.append(value)
        else:
            node[last] = value
    return doc


def _messages(doc: object) -> list[str]:
    return [str(error) for error in validate_workspace(doc)]


# --- the schema and the example -------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema()["$id"]
    assert schema()["title"]
    assert SCHEMA_PATH.is_file()


def test_every_object_in_the_schema_rejects_unknown_fields():
    def objects(node: object) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if "properties" in node:
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    assert all(node.get("additionalProperties") is False for node in objects(schema()))


def test_example_validates_without_errors(example):
    assert validate_workspace(example) == []


def test_example_passes_the_bare_schema_too(example):
    assert list(Draft202012Validator(schema()).iter_errors(example)) == []


def test_error_str_names_path_and_message():
    error = WorkspaceError("features[3].team", 'unknown team "x"')
    assert str(error) == 'features[3].team: unknown team "x"'
    with pytest.raises(AttributeError):
        error.path = "features[4].team"


# --- schema errors --------------------------------------------------------------------------------

SCHEMA_CASES = [
    pytest.param({"colour": "red"}, ['$: unknown field "colour"'], id="unknown-top-level-field"),
    pytest.param(
        {"format": "collab-workspace/2"}, ['format: must be "collab-workspace/1"'], id="wrong-format"
    ),
    pytest.param({"format": DELETE}, ["format: is required"], id="missing-format"),
    pytest.param({"people": DELETE}, ["people: is required"], id="missing-list"),
    pytest.param({"people": {}}, ["people: must be a list"], id="list-of-wrong-type"),
    pytest.param({"features[2].title": DELETE}, ["features[2].title: is required"], id="missing-title"),
    pytest.param({"features[3].colour": "red"}, ['features[3]: unknown field "colour"'], id="unknown-field"),
    pytest.param(
        {"features[0].spec.options[0].colour": "red"},
        ['features[0].spec.options[0]: unknown field "colour"'],
        id="unknown-nested-field",
    ),
    pytest.param(
        {"features[2].kind": "feature"},
        ["features[2].kind: must be one of: product, tech_debt, platform, bug"],
        id="enum",
    ),
    pytest.param(
        {"features[2].kind": 5},
        ["features[2].kind: must be one of: product, tech_debt, platform, bug"],
        id="enum-of-wrong-type-reported-once",
    ),
    pytest.param(
        {"people[0].role": "boss"},
        [
            "people[0].role: must be one of: pm, tech_lead, engineering_manager, engineer, designer, product_ops, "
            "vp_product, cpo, cto, ceo, viewer"
        ],
        id="role",
    ),
    pytest.param(
        {"teams[0].topology": "matrix"},
        ["teams[0].topology: must be one of: stream_aligned, platform, enabling, complicated_subsystem"],
        id="topology",
    ),
    pytest.param(
        {"features[2].delivered_at": "2026-03-01T10:00:00"},
        ["features[2].delivered_at: must be an ISO 8601 timestamp with an offset"],
        id="timestamp-without-offset",
    ),
    pytest.param(
        {"features[2].delivered_at": 1767225600},
        ["features[2].delivered_at: must be an ISO 8601 timestamp with an offset"],
        id="timestamp-as-number",
    ),
    pytest.param(
        {"features[2].delivered_at": "2026-02-30T10:00:00Z"},
        ['features[2].delivered_at: invalid timestamp "2026-02-30T10:00:00Z"'],
        id="timestamp-not-on-the-calendar",
    ),
    pytest.param({"features[2].delivered_at": None}, [], id="optional-timestamp-null"),
    pytest.param({"features[2].delivered_at": "2026-03-01T10:00Z"}, [], id="timestamp-without-seconds"),
    pytest.param(
        {"syncs[0].action_items[0].due": "13/01/2026"},
        ["syncs[0].action_items[0].due: must be a date (YYYY-MM-DD)"],
        id="date",
    ),
    pytest.param(
        {"syncs[0].action_items[0].due": "2026-02-30"},
        ['syncs[0].action_items[0].due: invalid date "2026-02-30"'],
        id="date-not-on-the-calendar",
    ),
    pytest.param(
        {"features[2].planned_week": "2026-W54"},
        ["features[2].planned_week: must be an ISO week (YYYY-Www)"],
        id="week",
    ),
    pytest.param(
        {"pulses[0].week": "2025-W53"},
        ['pulses[0].week: invalid ISO week "2025-W53"'],
        id="week-not-in-that-year",
    ),
    pytest.param({"pulses[0].week": "2026-W53"}, [], id="week-53-of-a-long-year"),
    pytest.param(
        {"objectives[0].quarter": "2026-Q5"},
        ["objectives[0].quarter: must be a quarter (YYYY-Qn)"],
        id="quarter",
    ),
    pytest.param({"people[0].email": "vp"}, ["people[0].email: must be an email address"], id="email"),
    pytest.param(
        {"organisation.slug": "Org 11"},
        ["organisation.slug: must be a slug (lower-case letters and digits, separated by single hyphens)"],
        id="slug",
    ),
    pytest.param({"pulses[0].score": 6}, ["pulses[0].score: must be at most 5"], id="pulse-too-high"),
    pytest.param({"pulses[0].score": 0}, ["pulses[0].score: must be at least 1"], id="pulse-too-low"),
    pytest.param({"pulses[0].score": 3.5}, ["pulses[0].score: must be an integer"], id="pulse-not-integer"),
    pytest.param({"escalations[0].level": 4}, ["escalations[0].level: must be one of: 1, 2, 3"], id="level"),
    pytest.param(
        {"escalations[0].level": "2"}, ["escalations[0].level: must be one of: 1, 2, 3"], id="level-str"
    ),
    pytest.param(
        {"features[0].effort_points": -1}, ["features[0].effort_points: must be at least 0"], id="effort"
    ),
    pytest.param({"features[0].effort_points": 2.5}, [], id="effort-may-be-fractional"),
    pytest.param(
        {"features[0].rice.effort": 0}, ["features[0].rice.effort: must be greater than 0"], id="rice"
    ),
    pytest.param(
        {"features[0].rice.reach": "many"}, ["features[0].rice.reach: must be a number"], id="rice-reach"
    ),
    pytest.param({"features[0].rice": None}, [], id="rice-null"),
    pytest.param(
        {"syncs[0].sections[0].planned_minutes": 0},
        ["syncs[0].sections[0].planned_minutes: must be at least 1"],
        id="planned-minutes-low",
    ),
    pytest.param(
        {"syncs[0].sections[0].planned_minutes": 121},
        ["syncs[0].sections[0].planned_minutes: must be at most 120"],
        id="planned-minutes-high",
    ),
    pytest.param({"targets": {"velocity": 12, "rework_rate": 0.1}}, [], id="targets"),
    pytest.param({"targets": None}, [], id="targets-null"),
    pytest.param(
        {"targets": {"velocityy": 12}}, ['targets: unknown metric "velocityy"'], id="target-unknown"
    ),
    pytest.param(
        {"targets": {"team_pulse": "4"}}, ["targets.team_pulse: must be a number"], id="target-type"
    ),
    pytest.param({"features[0].title": ""}, ["features[0].title: must not be empty"], id="empty-title"),
    pytest.param(
        {"features[0].spec.options[0].chosen": "yes"},
        ["features[0].spec.options[0].chosen: must be true or false"],
        id="boolean",
    ),
    pytest.param(
        {"syncs[0].team": 7},
        ["syncs[0].team: must be a slug (lower-case letters and digits, separated by single hyphens)"],
        id="nullable-slug-of-wrong-type",
    ),
    pytest.param({"syncs[0].team": None}, [], id="organisation-wide-sync"),
    pytest.param(
        {"deployments[0].commits[0].sha": "not-a-sha"},
        ["deployments[0].commits[0].sha: must match the pattern ^[0-9a-fA-F]{7,64}$"],
        id="sha",
    ),
    pytest.param(
        {"features[0].alignment_sessions[0].attendees[2]": "team-1-pm-0@org.test"},
        ['features[0].alignment_sessions[0].attendees: must not repeat "team-1-pm-0@org.test"'],
        id="attendee-twice",
    ),
    pytest.param({"people[0]": 7}, ["people[0]: must be an object"], id="record-of-wrong-type"),
    pytest.param(
        {"features[0].spec.invest": {"independent": True}},
        [
            f"features[0].spec.invest.{name}: is required"
            for name in ("negotiable", "valuable", "estimable", "small", "testable")
        ],
        id="invest-incomplete",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), SCHEMA_CASES)
def test_schema_error(example, changes, expected):
    assert _messages(_apply(example, changes)) == expected


# --- semantic errors ------------------------------------------------------------------------------

SEMANTIC_CASES = [
    pytest.param(
        {"organisation.time_zone": "Mars/Olympus"},
        ['organisation.time_zone: unknown time zone "Mars/Olympus"'],
        id="time-zone",
    ),
    pytest.param({"organisation.time_zone": "America/New_York"}, [], id="other-time-zone"),
    # unique keys
    pytest.param(
        {"features[27]": CopyOf("features[2]")}, ['features[27].key: duplicate key "F-3"'], id="dup-feature"
    ),
    pytest.param(
        {"objectives[0].key_results[2]": CopyOf("objectives[0].key_results[0]")},
        ['objectives[0].key_results[2].key: duplicate key "KR1"'],
        id="dup-key-result",
    ),
    pytest.param(
        {"objectives[1]": CopyOf("objectives[0]", key="O2")},
        [
            'objectives[1].key_results[0].key: duplicate key "KR1"',
            'objectives[1].key_results[1].key: duplicate key "KR2"',
        ],
        id="dup-key-result-across-objectives",
    ),
    pytest.param(
        {"objectives[1]": CopyOf("objectives[0]")},
        [
            'objectives[1].key: duplicate key "O1"',
            'objectives[1].key_results[0].key: duplicate key "KR1"',
            'objectives[1].key_results[1].key: duplicate key "KR2"',
        ],
        id="dup-objective",
    ),
    pytest.param(
        {"syncs[48]": CopyOf("syncs[0]")}, ['syncs[48].key: duplicate key "S-team-1-0"'], id="dup-sync"
    ),
    pytest.param(
        {"conflicts[10]": CopyOf("conflicts[0]")},
        ['conflicts[10].key: duplicate key "C-1"'],
        id="dup-conflict",
    ),
    pytest.param(
        {"escalations[5]": CopyOf("escalations[0]")},
        ['escalations[5].key: duplicate key "E-1"'],
        id="dup-esc",
    ),
    pytest.param(
        {"obstacles[2]": CopyOf("obstacles[0]")},
        ['obstacles[2].key: duplicate key "OB-1"'],
        id="dup-obstacle",
    ),
    pytest.param(
        {"deployments[38]": CopyOf("deployments[0]")},
        ['deployments[38].key: duplicate key "D-1"'],
        id="dup-dep",
    ),
    pytest.param(
        {"incidents[8]": CopyOf("incidents[0]")}, ['incidents[8].key: duplicate key "I-1"'], id="dup-incident"
    ),
    pytest.param(
        {"people[15]": CopyOf("people[0]")},
        ['people[15].email: duplicate email "vp@org.test"'],
        id="dup-person",
    ),
    pytest.param({"teams[2]": CopyOf("teams[0]")}, ['teams[2].slug: duplicate slug "team-1"'], id="dup-team"),
    pytest.param(
        {"teams[0].members[5]": CopyOf("teams[0].members[0]", role="engineer")},
        ['teams[0].members[5].email: duplicate member "team-1-pm-0@org.test"'],
        id="dup-member",
    ),
    pytest.param(
        {"glossary[2]": CopyOf("glossary[0]", business_term="Renovation")},
        ['glossary[2].term: duplicate term "Refactoring" for language "en"'],
        id="dup-glossary-term",
    ),
    pytest.param(
        {"glossary[2]": CopyOf("glossary[0]", language="fr", term="Legacy")}, [], id="glossary-other-term"
    ),
    pytest.param({"pulses[47]": CopyOf("pulses[0]")}, [], id="dup-pulse-allowed"),
    # references to people
    pytest.param(
        {"teams[0].members[0].email": "ghost@org.test"},
        ['teams[0].members[0].email: unknown person "ghost@org.test"'],
        id="member-not-a-person",
    ),
    pytest.param(
        {"features[0].alignment_sessions[0].attendees[1]": "ghost@org.test"},
        ['features[0].alignment_sessions[0].attendees[1]: unknown person "ghost@org.test"'],
        id="attendee",
    ),
    pytest.param(
        {"features[2].revisions[0].by": "ghost@org.test"},
        ['features[2].revisions[0].by: unknown person "ghost@org.test"'],
        id="revision-by",
    ),
    pytest.param(
        {"features[1].acceptance_reviews[0].by": "ghost@org.test"},
        ['features[1].acceptance_reviews[0].by: unknown person "ghost@org.test"'],
        id="review-by",
    ),
    pytest.param(
        {"syncs[0].facilitator": "ghost@org.test"},
        ['syncs[0].facilitator: unknown person "ghost@org.test"'],
        id="facilitator",
    ),
    pytest.param(
        {"syncs[0].action_items[0].owner": "ghost@org.test"},
        ['syncs[0].action_items[0].owner: unknown person "ghost@org.test"'],
        id="action-owner",
    ),
    pytest.param(
        {"obstacles[0].owner": "ghost@org.test"},
        ['obstacles[0].owner: unknown person "ghost@org.test"'],
        id="obstacle-owner",
    ),
    pytest.param({"obstacles[0].owner": None}, [], id="obstacle-without-owner"),
    # references to teams
    pytest.param({"features[3].team": "x"}, ['features[3].team: unknown team "x"'], id="feature-team"),
    pytest.param({"syncs[1].team": "x"}, ['syncs[1].team: unknown team "x"'], id="sync-team"),
    pytest.param({"conflicts[1].team": "x"}, ['conflicts[1].team: unknown team "x"'], id="conflict-team"),
    pytest.param({"obstacles[1].team": "x"}, ['obstacles[1].team: unknown team "x"'], id="obstacle-team"),
    pytest.param(
        {"deployments[1].team": "x"}, ['deployments[1].team: unknown team "x"'], id="deployment-team"
    ),
    pytest.param({"incidents[1].team": "x"}, ['incidents[1].team: unknown team "x"'], id="incident-team"),
    pytest.param({"pulses[1].team": "x"}, ['pulses[1].team: unknown team "x"'], id="pulse-team"),
    pytest.param(
        {"objectives[0].teams[1]": "x"}, ['objectives[0].teams[1]: unknown team "x"'], id="objective-team"
    ),
    # references to keys
    pytest.param(
        {"deployments[0].features[1]": "F-99"},
        ['deployments[0].features[1]: unknown feature "F-99"'],
        id="deployment-feature",
    ),
    pytest.param(
        {"syncs[0].items[0].feature": "F-99"},
        ['syncs[0].items[0].feature: unknown feature "F-99"'],
        id="item-feature",
    ),
    pytest.param({"syncs[0].items[0].feature": "F-1"}, [], id="item-feature-known"),
    pytest.param(
        {"syncs[0].decisions[0].feature": "F-99"},
        ['syncs[0].decisions[0].feature: unknown feature "F-99"'],
        id="decision-feature",
    ),
    pytest.param(
        {"features[0].key_results[1]": "KR9"},
        ['features[0].key_results[1]: unknown key result "KR9"'],
        id="feature-key-result",
    ),
    pytest.param(
        {"escalations[0].conflict": "C-99"},
        ['escalations[0].conflict: unknown conflict "C-99"'],
        id="esc-conflict",
    ),
    pytest.param(
        {"escalations[3].sync": "S-99"}, ['escalations[3].sync: unknown sync "S-99"'], id="esc-sync"
    ),
    pytest.param(
        {"incidents[1].deployment": "D-99"},
        ['incidents[1].deployment: unknown deployment "D-99"'],
        id="incident-deployment",
    ),
    # sections of a sync
    pytest.param(
        {"syncs[0].items[0].section": "budget"},
        ['syncs[0].items[0].section: unknown section "budget"'],
        id="item-section",
    ),
    pytest.param(
        {"syncs[0].decisions[0].section": "velocity "},
        ['syncs[0].decisions[0].section: unknown section "velocity "'],
        id="decision-section",
    ),
    pytest.param(
        {"syncs[0].sections[4].code": "delivery"},
        ['syncs[0].sections[4].code: duplicate section code "delivery"'],
        id="dup-section-code",
    ),
    pytest.param(
        {"syncs[0].sections[1].code": "wrap-up"},
        ['syncs[0].decisions[0].section: unknown section "roadmap"'],
        id="section-of-a-decision-renamed",
    ),
    # conflicts and choices
    pytest.param(
        {"conflicts[0].sessions": []},
        ["conflicts[0].sessions: a resolved conflict must have at least one session"],
        id="resolved-without-session",
    ),
    pytest.param(
        {"conflicts[0].sessions": [], "conflicts[0].resolved_at": None}, [], id="open-without-session"
    ),
    pytest.param(
        {"features[0].spec.options[1].chosen": True},
        ["features[0].spec.options[1].chosen: at most one option may be chosen (options[0] is too)"],
        id="two-options-chosen",
    ),
    pytest.param({"features[0].spec.options[0].chosen": False}, [], id="no-option-chosen"),
    pytest.param(
        {"conflicts[0].pivot.options[1].chosen": True},
        ["conflicts[0].pivot.options[1].chosen: at most one option may be chosen (options[0] is too)"],
        id="two-pivot-options-chosen",
    ),
    # time order
    pytest.param(
        {"conflicts[0].resolved_at": "2026-06-13T09:00:00+00:00"},
        ["conflicts[0].resolved_at: must not be before opened_at"],
        id="conflict-resolved-before-opened",
    ),
    pytest.param(
        {"conflicts[0].resolved_at": "2026-06-13T09:45:00Z"},
        [],
        id="conflict-resolved-at-opening-other-offset",
    ),
    pytest.param(
        {"escalations[0].decided_at": "2026-06-13T16:44:00+02:00"},
        ["escalations[0].decided_at: must not be before opened_at"],
        id="escalation-decided-before-opened",
    ),
    pytest.param(
        {"syncs[0].ended_at": "2026-01-06T08:59:00+00:00"},
        ["syncs[0].ended_at: must not be before started_at"],
        id="sync-ended-before-started",
    ),
    pytest.param(
        {"syncs[0].sections[0].ended_at": "2026-01-06T09:59:00+01:00"},
        ["syncs[0].sections[0].ended_at: must not be before started_at"],
        id="section-ended-before-started",
    ),
    pytest.param(
        {"obstacles[0].resolved_at": "2026-02-18T09:00:00+01:00"},
        ["obstacles[0].resolved_at: must not be before opened_at"],
        id="obstacle-resolved-before-opened",
    ),
    pytest.param(
        {"incidents[0].resolved_at": "2026-07-05T16:00:00Z"},
        ["incidents[0].resolved_at: must not be before started_at"],
        id="incident-resolved-before-started",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), SEMANTIC_CASES)
def test_semantic_error(example, changes, expected):
    assert _messages(_apply(example, changes)) == expected


# --- several errors, and errors that must not cascade ----------------------------------------------


def test_all_errors_are_reported_in_document_order(example):
    _apply(
        example,
        {
            "incidents[1].deployment": "D-99",
            "colour": "red",
            "features[3].team": "x",
            "organisation.time_zone": "Nowhere/Town",
            "features[2].title": DELETE,
            "features[2].kind": "feature",
            "escalations[0].level": 4,
            "format": "collab-workspace/0",
        },
    )
    assert _messages(example) == [
        'format: must be "collab-workspace/1"',
        'organisation.time_zone: unknown time zone "Nowhere/Town"',
        "features[2].kind: must be one of: product, tech_debt, platform, bug",
        "features[2].title: is required",
        'features[3].team: unknown team "x"',
        "escalations[0].level: must be one of: 1, 2, 3",
        'incidents[1].deployment: unknown deployment "D-99"',
        '$: unknown field "colour"',
    ]


def test_the_same_mistake_in_many_places_is_reported_in_each(example):
    _apply(example, {"features[0].team": "x", "features[1].team": "x"})
    assert _messages(example) == ['features[0].team: unknown team "x"', 'features[1].team: unknown team "x"']


def test_a_slug_the_schema_rejects_does_not_make_every_reference_unknown(example):
    _apply(example, {"teams[0].slug": "Team 1"})
    assert _messages(example) == [
        "teams[0].slug: must be a slug (lower-case letters and digits, separated by single hyphens)"
    ]


def test_a_missing_list_does_not_make_every_reference_unknown(example):
    del example["people"]
    assert _messages(example) == ["people: is required"]


def test_a_person_without_email_does_not_make_references_unknown(example):
    del example["people"][0]["email"]
    assert _messages(example) == ["people[0].email: is required"]


def test_a_value_the_schema_rejects_gets_no_second_message(example):
    _apply(example, {"features[3].team": "X Y"})
    assert _messages(example) == [
        "features[3].team: must be a slug (lower-case letters and digits, separated by single hyphens)"
    ]


def test_errors_are_not_repeated(example):
    example["features"][0]["spec"]["options"][1]["chosen"] = True
    example["features"][0]["spec"]["options"].append({"title": "C", "tradeoffs": "slow", "chosen": True})
    messages = _messages(example)
    assert messages == [
        "features[0].spec.options[1].chosen: at most one option may be chosen (options[0] is too)",
        "features[0].spec.options[2].chosen: at most one option may be chosen (options[0] is too)",
    ]
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize("doc", [[], None, "collab-workspace/1", 3])
def test_a_root_that_is_not_an_object(doc):
    assert _messages(doc) == ["$: must be an object"]


def test_an_empty_object_names_every_required_field():
    assert _messages({}) == [
        f"{name}: is required"
        for name in (
            "format",
            "organisation",
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
            "pulses",
            "glossary",
        )
    ]


def test_a_minimal_document_is_valid():
    doc = {
        "format": "collab-workspace/1",
        "organisation": {"slug": "acme", "name": "Acme", "time_zone": "UTC", "language": "fr"},
        **{
            name: []
            for name in (
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
                "pulses",
                "glossary",
            )
        },
    }
    assert validate_workspace(doc) == []


# --- reading JSON text ----------------------------------------------------------------------------


def test_load_reads_the_example(example_text, example):
    assert load_workspace_json(example_text) == (example, [])
    assert load_workspace_json(example_text.encode()) == (example, [])


def test_load_accepts_a_byte_order_mark():
    assert load_workspace_json(b"\xef\xbb\xbf{}") == ({}, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"format": "collab-workspace/1",\n  "people": [}',
            "$: invalid JSON at line 2, column 14: Expecting value",
        ),
        ('{"a": 1\n "b": 2}', "$: invalid JSON at line 2, column 2: Expecting ',' delimiter"),
        ("", "$: invalid JSON at line 1, column 1: Expecting value"),
        ('{"a": 1} {"b": 2}', "$: invalid JSON at line 1, column 10: Extra data"),
        ('{"x": "NaN",\n "effort": NaN}', "$: invalid JSON at line 2, column 12: NaN is not allowed"),
        ('{"effort": -Infinity}', "$: invalid JSON at line 1, column 12: -Infinity is not allowed"),
        (b'{"name": "\xff"}', "$: is not UTF-8 text (invalid byte at offset 10)"),
        ("[]", "$: must be an object"),
        ('"collab-workspace/1"', "$: must be an object"),
    ],
)
def test_load_reports_text_that_is_not_a_json_object(text, expected):
    doc, errors = load_workspace_json(text)
    assert doc is None
    assert [str(error) for error in errors] == [expected]
