"""Validation of the workspace document (format ``collab-workspace/1``).

Two layers, every error collected: the JSON Schema shipped in ``collab/schemas/`` (shapes, enums,
patterns), then the rules a schema cannot express (unique keys, references that must resolve,
time order, one chosen option). Pure Python and jsonschema, no Django, so the import command, the
API and the tests share it.

Errors name their place with the document's own shape: ``features[3].spec.options[1].chosen``,
``organisation.time_zone``, ``$`` for the root.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from workspace.leadership_checks import check_leadership
from workspace.productops_validation import check_productops

__all__ = ["SCHEMA_PATH", "WorkspaceError", "load_workspace_json", "schema", "validate_workspace"]

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "collab-workspace-1.schema.json"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class WorkspaceError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema, loaded once. Shared: do not mutate it."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_workspace(doc: object) -> list[WorkspaceError]:
    """Every error in ``doc`` (a parsed document), in document order; an empty list when valid."""
    collector = _Collector(doc)
    for error in _validator().iter_errors(doc):
        _translate(error, collector)
    schema_locs = {loc for loc, _, _ in collector.entries}
    if isinstance(doc, dict):
        semantic = _Collector(doc)
        _SemanticChecks(doc, semantic, rejected=schema_locs).run()
        # A value the schema already rejected needs no second, derived complaint.
        for loc, sort_loc, message in semantic.entries:
            if loc not in schema_locs:
                collector.entries.append((loc, sort_loc, message))
    return collector.errors()


def load_workspace_json(text: str | bytes) -> tuple[dict[str, Any] | None, list[WorkspaceError]]:
    """Parse a document. Returns ``(doc, [])``, or ``(None, [error])`` when the text is not JSON or
    its root is not an object. It does not validate: pass the document to ``validate_workspace``."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [WorkspaceError("$", f"is not UTF-8 text (invalid byte at offset {exc.start})")]
    text = text.removeprefix("\ufeff")
    duplicates: dict[int, list[str]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            twice: list[str] = []
            for key, _value in pairs:
                if key in seen and key not in twice:
                    twice.append(key)
                seen.add(key)
            duplicates[id(obj)] = twice
        return obj

    try:
        doc = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        return None, [
            WorkspaceError("$", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        ]
    except _ConstantError as exc:
        line, column = _position_of_constant(text, exc.constant)
        message = f"invalid JSON at line {line}, column {column}: {exc.constant} is not allowed"
        return None, [WorkspaceError("$", message)]
    except RecursionError:
        return None, [WorkspaceError("$", "invalid JSON: nested too deeply")]
    if not isinstance(doc, dict):
        return None, [WorkspaceError("$", "must be an object")]
    if duplicates or _MAYBE_SURROGATE.search(text):
        errors = _text_errors(doc, duplicates)
        if errors:
            return None, errors
    return doc, []


# A JSON escape of a UTF-16 surrogate, or a surrogate itself: the document may hold a lone one.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escaped(text: str) -> str:
    """``text`` with every lone surrogate written as its JSON escape, so it can be shown."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _text_errors(doc: dict[str, Any], duplicates: dict[int, list[str]]) -> list[WorkspaceError]:
    """Keys given twice in one object, and strings holding a lone surrogate (not Unicode text: the
    database and every page would refuse it), in document order. Iterative: as deep as the parser."""
    errors: list[WorkspaceError] = []
    stack: list[tuple[object, Loc]] = [(doc, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            for key in duplicates.get(id(node), []):
                shown = (*loc, _escaped(key)) if _SURROGATE.search(key) else (*loc, key)
                errors.append(WorkspaceError(_format_path(shown), "is given more than once in the object"))
            children: list[tuple[object, Loc]] = []
            for key, value in node.items():
                if _SURROGATE.search(key):
                    errors.append(
                        WorkspaceError(
                            _format_path(loc),
                            f'has a key with a lone surrogate ("{_escaped(key)}"), which is not Unicode text',
                        )
                    )
                    continue
                children.append((value, (*loc, key)))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(value, (*loc, index)) for index, value in enumerate(node)]))
        elif isinstance(node, str) and (match := _SURROGATE.search(node)):
            surrogate = _escaped(match.group())
            errors.append(
                WorkspaceError(
                    _format_path(loc), f"contains a lone surrogate ({surrogate}), which is not Unicode text"
                )
            )
    return errors


# --- JSON parsing helpers -------------------------------------------------------------------------


class _ConstantError(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _reject_constant(constant: str) -> float:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise _ConstantError(constant)


def _position_of_constant(text: str, constant: str) -> tuple[int, int]:
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith(constant, index):
            line = text.count("\n", 0, index) + 1
            return line, index - (text.rfind("\n", 0, index) + 1) + 1
    return 1, 1


# --- error collection -----------------------------------------------------------------------------


def _quote(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _format_path(loc: Loc) -> str:
    if not loc:
        return "$"
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _NAME.match(part):
            parts.append(f".{part}" if parts else part)
        else:
            parts.append(f"[{_quote(part)}]")
    return "".join(parts)


class _Collector:
    """Errors as (loc, sort_loc, message): ``loc`` is shown, ``sort_loc`` places the error in document
    order (for an unknown or missing field it is the field itself, while ``loc`` is its object)."""

    def __init__(self, doc: object) -> None:
        self.doc = doc
        self.entries: list[tuple[Loc, Loc, str]] = []

    def add(self, loc: Loc, message: str, *, field: str | None = None) -> None:
        self.entries.append((loc, loc if field is None else (*loc, field), message))

    def errors(self) -> list[WorkspaceError]:
        keyed = sorted(self.entries, key=lambda entry: self._order(entry[1]))  # stable: ties keep order
        seen: set[tuple[str, str]] = set()
        result: list[WorkspaceError] = []
        for loc, _, message in keyed:
            pair = (_format_path(loc), message)
            if pair not in seen:
                seen.add(pair)
                result.append(WorkspaceError(*pair))
        return result

    def _order(self, loc: Loc) -> tuple[tuple[int, int | str], ...]:
        order: list[tuple[int, int | str]] = []
        node: object = self.doc
        for part in loc:
            if isinstance(node, dict) and part in node:
                order.append((0, list(node).index(part)))
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                order.append((0, part))
                node = node[part]
            else:  # a missing field: after the fields that are there, in the order they were found
                order.append((1, 0))
                node = None
        return tuple(order)


# --- layer 1: the JSON Schema ---------------------------------------------------------------------

_FORMAT_CHECKER = FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time")
def _is_real_timestamp(value: object) -> bool:
    # Only the calendar is checked here: a string of the wrong shape is the pattern's to report.
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return True
    return _parse_timestamp(value) is not None


@_FORMAT_CHECKER.checks("date")
def _is_real_date(value: object) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

_FORMAT_MESSAGES = {"date-time": "invalid timestamp {value}", "date": "invalid date {value}"}

# Readable messages for the schema's patterns, keyed by the $defs entry that holds the pattern.
_PATTERN_MESSAGES = {
    "timestamp": "must be an ISO 8601 timestamp with an offset",
    "optional_timestamp": "must be an ISO 8601 timestamp with an offset",
    "optional_date": "must be a date (YYYY-MM-DD)",
    "week": "must be an ISO week (YYYY-Www)",
    "optional_week": "must be an ISO week (YYYY-Www)",
    "quarter": "must be a quarter (YYYY-Qn)",
    "email": "must be an email address",
    "optional_email": "must be an email address",
    "slug": "must be a slug (lower-case letters and digits, separated by single hyphens)",
    "optional_slug": "must be a slug (lower-case letters and digits, separated by single hyphens)",
}

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=_FORMAT_CHECKER)


@functools.cache
def _pattern_messages() -> dict[str, str]:
    defs = schema()["$defs"]
    return {defs[name]["pattern"]: message for name, message in _PATTERN_MESSAGES.items() if name in defs}


def _pattern_message(pattern: str) -> str:
    return _pattern_messages().get(pattern, f"must match the pattern {pattern}")


def _parts(error: ValidationError) -> tuple[str, Any, Any, dict[str, Any]]:
    """The keyword that failed, its value in the schema, the instance, and the subschema."""
    subschema = error.schema if isinstance(error.schema, dict) else {}
    return str(error.validator), error.validator_value, error.instance, dict(subschema)


def _type_message(expected: Any, subschema: dict[str, Any]) -> str:
    pattern = subschema.get("pattern")
    if isinstance(pattern, str) and pattern in _pattern_messages():
        # For a timestamp given as a number, say what a timestamp looks like rather than "a string".
        return _pattern_message(pattern)
    names = [expected] if isinstance(expected, str) else list(expected)
    return "must be " + " or ".join(_TYPE_NAMES.get(name, name) for name in names)


def _enum_value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _translate(error: ValidationError, out: _Collector) -> None:
    loc: Loc = tuple(error.absolute_path)
    keyword, expected, instance, subschema = _parts(error)
    if keyword == "required":
        for name in expected:
            if isinstance(instance, dict) and name not in instance:
                out.add((*loc, name), "is required")
    elif keyword == "additionalProperties":
        known = subschema.get("properties", {})
        label = "metric" if loc == ("targets",) or loc[:2] == ("targets", "teams") else "field"
        for name in instance:
            if name not in known:
                out.add(loc, f"unknown {label} {_quote(name)}", field=name)
    elif keyword in ("anyOf", "oneOf") and error.context:
        # The schema avoids combinators; should one appear, report its most relevant branch only.
        best = best_match(error.context)
        if best is not None:
            _translate(best, out)
    else:
        out.add(loc, _message(keyword, expected, instance, subschema))


_BOUND_MESSAGES = {
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
}


def _message(keyword: str, expected: Any, instance: Any, subschema: dict[str, Any]) -> str:
    if keyword == "type":
        return _type_message(expected, subschema)
    if keyword == "enum":
        return "must be one of: " + ", ".join(_enum_value(value) for value in expected)
    if keyword == "const":
        return f"must be {_quote(expected)}"
    if keyword == "pattern":
        return _pattern_message(expected)
    if keyword == "format":
        return _FORMAT_MESSAGES.get(expected, "invalid {value}").format(value=_quote(instance))
    if keyword in _BOUND_MESSAGES:
        return _BOUND_MESSAGES[keyword].format(expected)
    if keyword == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters long"
    if keyword == "uniqueItems":
        return f"must not repeat {_quote(_first_repeat(instance))}"
    if keyword in ("anyOf", "oneOf"):
        return "does not match any allowed shape"
    return f"is not valid ({keyword})"


def _first_repeat(items: Iterable[object]) -> object:
    seen: list[object] = []
    for item in items:
        if item in seen:
            return item
        seen.append(item)
    return None


# --- layer 2: rules the schema cannot express -------------------------------------------------------


def _parse_timestamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _is_real_week(value: str) -> bool:
    match = _WEEK.match(value)
    if not match:
        return True  # the pattern reports it
    try:
        dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return False
    return True


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _is_time_zone(name: str) -> bool:
    zones = _known_time_zones()
    if zones:
        return name in zones
    try:  # no zone list to read (no tzdata): fall back on loading it
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _records(container: object, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of ``container[name]``, with their index; nothing when it is not a list."""
    value = container.get(name) if isinstance(container, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _strings(container: dict[str, Any], name: str) -> Iterator[tuple[int, str]]:
    value = container.get(name)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item


# A set of the keys a list defines, or None when the list could not be read in full or holds a key
# the schema rejected: a reference checked against it would be reported unknown for no good reason,
# and every reference to a mistyped slug would repeat the one mistake.
Index = frozenset[str] | None


class _SemanticChecks:
    def __init__(self, doc: dict[str, Any], out: _Collector, *, rejected: set[Loc]) -> None:
        self.doc = doc
        self.out = out
        # Where the schema already failed: a key found there does not make a trustworthy index.
        self.rejected = rejected

    def run(self) -> None:
        self.check_organisation()
        self.people = self.unique("people", "email", "email")
        self.teams = self.unique("teams", "slug", "slug")
        self.key_results = self.unique_key_results()
        self.unique("objectives")
        self.features = self.unique("features")
        self.syncs = self.unique("syncs")
        self.conflicts = self.unique("conflicts")
        self.unique("escalations")
        self.unique("obstacles")
        self.deployments = self.unique("deployments")
        self.unique("incidents")
        self.unique_glossary()
        self.check_teams()
        self.check_objectives()
        self.check_features()
        self.check_syncs()
        self.check_conflicts()
        self.check_escalations()
        self.check_obstacles()
        self.check_deployments()
        self.check_incidents()
        self.check_pull_requests()
        self.check_pulses()
        check_leadership(self)
        check_productops(self)

    # -- helpers

    def unique(self, list_name: str, field: str = "key", label: str = "key") -> Index:
        value = self.doc.get(list_name)
        if not isinstance(value, list):
            return None
        return self.unique_in((((list_name, index), item) for index, item in enumerate(value)), field, label)

    def unique_in(
        self, records: Iterable[tuple[Loc, object]], field: str = "key", label: str = "key"
    ) -> Index:
        seen: set[str] = set()
        complete = True
        for loc, record in records:
            key = record.get(field) if isinstance(record, dict) else None
            if not isinstance(key, str) or (*loc, field) in self.rejected:
                complete = False
            elif key in seen:
                self.out.add((*loc, field), f"duplicate {label} {_quote(key)}")
            else:
                seen.add(key)
        return frozenset(seen) if complete else None

    def ref(self, loc: Loc, value: object, index: Index, label: str) -> None:
        if index is not None and isinstance(value, str) and value not in index:
            self.out.add(loc, f"unknown {label} {_quote(value)}")

    def ref_field(self, loc: Loc, record: dict[str, Any], field: str, index: Index, label: str) -> None:
        self.ref((*loc, field), record.get(field), index, label)

    def ref_list(self, loc: Loc, record: dict[str, Any], field: str, index: Index, label: str) -> None:
        for position, value in _strings(record, field):
            self.ref((*loc, field, position), value, index, label)

    def not_before(self, loc: Loc, record: dict[str, Any], end: str, start: str) -> None:
        started, ended = _parse_timestamp(record.get(start)), _parse_timestamp(record.get(end))
        if started is not None and ended is not None and ended < started:
            self.out.add((*loc, end), f"must not be before {start}")

    def one_chosen(self, loc: Loc, options: object) -> None:
        if not isinstance(options, list):
            return
        first: int | None = None
        for index, option in enumerate(options):
            if isinstance(option, dict) and option.get("chosen") is True:
                if first is None:
                    first = index
                else:
                    self.out.add(
                        (*loc, index, "chosen"), f"at most one option may be chosen (options[{first}] is too)"
                    )

    def person(self, loc: Loc, record: dict[str, Any], field: str) -> None:
        self.ref_field(loc, record, field, self.people, "person")

    def team(self, loc: Loc, record: dict[str, Any], field: str = "team") -> None:
        self.ref_field(loc, record, field, self.teams, "team")

    # -- the checks, list by list

    def check_organisation(self) -> None:
        organisation = self.doc.get("organisation")
        zone = organisation.get("time_zone") if isinstance(organisation, dict) else None
        if isinstance(zone, str) and zone and not _is_time_zone(zone):
            self.out.add(("organisation", "time_zone"), f"unknown time zone {_quote(zone)}")

    def unique_key_results(self) -> Index:
        objectives = self.doc.get("objectives")
        if not isinstance(objectives, list):
            return None
        records: list[tuple[Loc, object]] = []
        for index, objective in enumerate(objectives):
            results = objective.get("key_results") if isinstance(objective, dict) else None
            if not isinstance(results, list):
                return None
            records += [
                (("objectives", index, "key_results", position), kr) for position, kr in enumerate(results)
            ]
        return self.unique_in(records)

    def unique_glossary(self) -> None:
        seen: set[tuple[str, str]] = set()
        for index, entry in _records(self.doc, "glossary"):
            term, language = entry.get("term"), entry.get("language")
            if isinstance(term, str) and isinstance(language, str):
                if (term, language) in seen:
                    message = f"duplicate term {_quote(term)} for language {_quote(language)}"
                    self.out.add(("glossary", index, "term"), message)
                seen.add((term, language))

    def check_teams(self) -> None:
        for index, team in _records(self.doc, "teams"):
            members = list(_records(team, "members"))
            self.unique_in(
                ((("teams", index, "members", position), member) for position, member in members),
                field="email",
                label="member",
            )
            for position, member in members:
                self.person(("teams", index, "members", position), member, "email")
        targets = self.doc.get("targets")
        own = targets.get("teams") if isinstance(targets, dict) else None
        if isinstance(own, dict) and self.teams is not None:
            for slug in own:
                if slug not in self.teams:
                    self.out.add(("targets", "teams"), f"unknown team {_quote(slug)}", field=slug)

    def check_objectives(self) -> None:
        for index, objective in _records(self.doc, "objectives"):
            self.ref_list(("objectives", index), objective, "teams", self.teams, "team")

    def check_features(self) -> None:
        trackers: set[tuple[str, str]] = set()
        for index, feature in _records(self.doc, "features"):
            loc: Loc = ("features", index)
            self.team(loc, feature)
            external = feature.get("external")
            if isinstance(external, dict):
                ident = (external.get("provider"), external.get("key"))
                if all(isinstance(part, str) for part in ident):
                    if ident in trackers:
                        self.out.add(
                            (*loc, "external", "key"),
                            f"another feature mirrors {_quote(f'{ident[0]} {ident[1]}')}",
                        )
                    trackers.add(ident)  # type: ignore[arg-type]
            self.ref_list(loc, feature, "key_results", self.key_results, "key result")
            week = feature.get("planned_week")
            if isinstance(week, str) and not _is_real_week(week):
                self.out.add((*loc, "planned_week"), f"invalid ISO week {_quote(week)}")
            spec = feature.get("spec")
            if isinstance(spec, dict):
                self.one_chosen((*loc, "spec", "options"), spec.get("options"))
            for position, session in _records(feature, "alignment_sessions"):
                self.ref_list(
                    (*loc, "alignment_sessions", position), session, "attendees", self.people, "person"
                )
            for position, revision in _records(feature, "revisions"):
                self.person((*loc, "revisions", position), revision, "by")
            for position, review in _records(feature, "acceptance_reviews"):
                self.person((*loc, "acceptance_reviews", position), review, "by")

    def check_syncs(self) -> None:
        for index, sync in _records(self.doc, "syncs"):
            loc: Loc = ("syncs", index)
            self.team(loc, sync)
            self.person(loc, sync, "facilitator")
            self.not_before(loc, sync, "ended_at", "started_at")
            sections = list(_records(sync, "sections"))
            codes = self.unique_in(
                (((*loc, "sections", position), section) for position, section in sections),
                field="code",
                label="section code",
            )
            if isinstance(sync.get("sections"), list) and len(sections) < len(sync["sections"]):
                codes = None
            for position, section in sections:
                self.not_before((*loc, "sections", position), section, "ended_at", "started_at")
            for list_name in ("items", "decisions"):
                for position, entry in _records(sync, list_name):
                    self.ref_field((*loc, list_name, position), entry, "section", codes, "section")
                    self.ref_field((*loc, list_name, position), entry, "feature", self.features, "feature")
            for position, action in _records(sync, "action_items"):
                self.person((*loc, "action_items", position), action, "owner")

    def check_conflicts(self) -> None:
        for index, conflict in _records(self.doc, "conflicts"):
            loc: Loc = ("conflicts", index)
            self.team(loc, conflict)
            self.not_before(loc, conflict, "resolved_at", "opened_at")
            sessions = conflict.get("sessions")
            if conflict.get("resolved_at") is not None and sessions == []:
                self.out.add((*loc, "sessions"), "a resolved conflict must have at least one session")
            pivot = conflict.get("pivot")
            if isinstance(pivot, dict):
                self.one_chosen((*loc, "pivot", "options"), pivot.get("options"))

    def check_escalations(self) -> None:
        for index, escalation in _records(self.doc, "escalations"):
            loc: Loc = ("escalations", index)
            self.not_before(loc, escalation, "decided_at", "opened_at")
            self.ref_field(loc, escalation, "conflict", self.conflicts, "conflict")
            self.ref_field(loc, escalation, "sync", self.syncs, "sync")

    def check_obstacles(self) -> None:
        for index, obstacle in _records(self.doc, "obstacles"):
            loc: Loc = ("obstacles", index)
            self.team(loc, obstacle)
            self.not_before(loc, obstacle, "resolved_at", "opened_at")
            self.person(loc, obstacle, "owner")

    def check_deployments(self) -> None:
        for index, deployment in _records(self.doc, "deployments"):
            self.team(("deployments", index), deployment)
            self.ref_list(("deployments", index), deployment, "features", self.features, "feature")

    def check_incidents(self) -> None:
        for index, incident in _records(self.doc, "incidents"):
            loc: Loc = ("incidents", index)
            self.team(loc, incident)
            self.not_before(loc, incident, "resolved_at", "started_at")
            self.ref_field(loc, incident, "deployment", self.deployments, "deployment")

    def check_pull_requests(self) -> None:
        seen: set[tuple[str, int]] = set()
        for index, pull in _records(self.doc, "pull_requests"):
            loc: Loc = ("pull_requests", index)
            self.team(loc, pull)
            self.not_before(loc, pull, "merged_at", "opened_at")
            self.ref_field(loc, pull, "deployment", self.deployments, "deployment")
            repository, number = pull.get("repository"), pull.get("number")
            if isinstance(repository, str) and isinstance(number, int) and not isinstance(number, bool):
                if (repository, number) in seen:
                    self.out.add(
                        (*loc, "number"), f"duplicate pull request {_quote(f'{repository}#{number}')}"
                    )
                seen.add((repository, number))

    def check_pulses(self) -> None:
        # Several answers for the same (team, week) are allowed: a pulse is one answer per person.
        for index, pulse in _records(self.doc, "pulses"):
            self.team(("pulses", index), pulse)
            week = pulse.get("week")
            if isinstance(week, str) and not _is_real_week(week):
                self.out.add(("pulses", index, "week"), f"invalid ISO week {_quote(week)}")
