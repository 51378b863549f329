"""Checks of what callers send (API bodies, DevLake payloads, CSV rows), as pure functions.

Each `*_clean` function takes decoded JSON and returns either the cleaned data (frozen dataclasses,
timestamps aware and in UTC) or a dict of errors keyed by the field's path ("commits.2.sha").
References to other records (teams, features, deployments) are checked by `refs_check` against
lookups the caller loads in bulk, so nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

Errors = dict[str, str]
T = TypeVar("T")

ENVIRONMENTS = ("production", "staging", "test")
RESULTS = ("success", "failure")
KEY_MAX = 128
TITLE_MAX = 300
SLUG_MAX = 64
MAX_COMMITS = 1000
MAX_FEATURES = 200

# The documented patterns (openapi_schemas.py publishes them as they are): each rule below is
# checked with the same regular expression the OpenAPI document states, so both always agree.
SHA_PATTERN = r"^[0-9a-fA-F]{7,64}$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# Control characters (C0, DEL, C1) and the line/paragraph separators: never in one line of text.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
# The spaces `str.strip()` removes that are not control characters.
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
TEXT_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
KEY_PATTERN = rf"^[^{_CONTROL}{_SPACE}/](?:[^{_CONTROL}/]*[^{_CONTROL}{_SPACE}/])?$"
_YEAR = r"(?:19[7-9][0-9]|20[0-9]{2})"
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_LEAP_DAY = r"(?:19(?:7[26]|8[048]|9[26])|20(?:[02468][048]|[13579][26]))-02-29"
_DATE = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})"
_TIME = (
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
# RFC 3339 date-times of the years 1970 to 2099 (a real calendar day, uppercase T and Z).
TIMESTAMP_PATTERN = rf"^{_DATE}{_TIME}$"
# A list filter bound: a timestamp, or a date alone.
BOUND_PATTERN = rf"^{_DATE}(?:{_TIME})?$"
# A calendar date alone (YYYY-MM-DD, 1970 to 2099).
DATE_PATTERN = rf"^{_DATE}$"
# Several lines of text: no control characters but tab and line breaks, something besides spaces.
_MULTILINE_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
MULTILINE_TEXT_PATTERN = (
    rf"^[^{_MULTILINE_CONTROL}]*[^{_MULTILINE_CONTROL}{_SPACE}\t\n\r\u2028\u2029][^{_MULTILINE_CONTROL}]*$"
)

# DevLake's words (integrations.devlake maps them; openapi_schemas documents them), in any ASCII case.
DEVLAKE_ENVIRONMENTS = {
    "production": "production",
    "staging": "staging",
    "testing": "test",
    "test": "test",
    "development": "test",
}
DEVLAKE_RESULTS = {
    "success": "success",
    "failure": "failure",
    "failed": "failure",
    "error": "failure",
    "abort": "failure",
    "aborted": "failure",
    "cancelled": "failure",
    "canceled": "failure",
}


def any_case_pattern(words: Mapping[str, str], *, empty: bool = False) -> str:
    """A pattern matching each of `words` in any ASCII case (and the empty string when `empty`)."""
    spelled = [
        "".join(f"[{c.lower()}{c.upper()}]" for c in word) for word in sorted(words, key=len, reverse=True)
    ]
    return "^(?:" + ("|" if empty else "") + "|".join(spelled) + ")$"


_SHA = re.compile(SHA_PATTERN)
SLUG_RE = re.compile(SLUG_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)
_KEY = re.compile(KEY_PATTERN)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_DATE_ONLY = re.compile(rf"^{_DATE}$")

DEPLOYMENT_FIELDS = {"key", "team", "environment", "result", "finished_at", "commits", "features"}
DEPLOYMENT_REQUIRED = {"team", "environment", "result", "finished_at"}
COMMIT_FIELDS = {"sha", "authored_at"}
INCIDENT_FIELDS = {"key", "team", "title", "started_at", "resolved_at", "deployment"}
INCIDENT_REQUIRED = {"team", "title", "started_at"}
INCIDENT_PATCH_FIELDS = {"title", "resolved_at"}


@dataclass(frozen=True)
class CommitData:
    sha: str
    authored_at: datetime


@dataclass(frozen=True)
class DeploymentData:
    key: str | None
    team: str
    environment: str
    result: str
    finished_at: datetime
    commits: tuple[CommitData, ...] = ()
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncidentData:
    key: str | None
    team: str
    title: str
    started_at: datetime
    resolved_at: datetime | None = None
    deployment: str | None = None


@dataclass(frozen=True)
class IncidentChanges:
    """Only the fields the caller sent; `resolved_at` may be None (reopened)."""

    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refs:
    """What exists in the caller's organisation, by the identifiers callers use."""

    teams: Mapping[str, Any]
    features: Mapping[str, Any] = field(default_factory=dict)
    deployments: Mapping[str, Any] = field(default_factory=dict)


def join(prefix: str, name: str | int) -> str:
    return f"{prefix}.{name}" if prefix else str(name)


def field_clean(
    obj: Mapping[str, Any],
    name: str,
    errors: Errors,
    clean: Callable[[Any, str, Errors], T | None],
    *,
    path: str = "",
) -> T | None:
    """`clean` of the field `name` of `obj` when it is sent and not null, else None (a missing
    required field is reported by `fields_check`)."""
    value = obj.get(name)
    return None if value is None else clean(value, join(path, name), errors)


# --- Scalars --------------------------------------------------------------------------------


def _storable(value: str) -> bool:
    """PostgreSQL refuses NUL characters and lone surrogates cannot be encoded: both would be 500s."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def key_check(value: Any) -> str | None:
    """The reason a record key is unusable, or None. Keys travel in URLs: no slash, no control."""
    if not isinstance(value, str):
        return _("must be a string")
    if not value:
        return _("must not be empty")
    if len(value) > KEY_MAX:
        return _("must be at most %(n)s characters") % {"n": KEY_MAX}
    if not _storable(value) or _KEY.fullmatch(value) is None:
        if "/" in value:
            return _("must not contain '/'")
        if value != value.strip():
            return _("must not start or end with spaces")
        return _("must contain only printable characters")
    return None


def key_clean(value: Any, path: str, errors: Errors) -> str | None:
    reason = key_check(value)
    if reason:
        errors[path] = reason
        return None
    return value


def slug_clean(value: Any, path: str, errors: Errors) -> str | None:
    if not isinstance(value, str):
        errors[path] = _("must be a team slug (string)")
        return None
    if not value or len(value) > SLUG_MAX or not SLUG_RE.fullmatch(value):
        errors[path] = _("must be a team slug (letters, digits, '-' and '_')")
        return None
    return value


def text_clean(value: Any, path: str, errors: Errors, *, max_length: int = TITLE_MAX) -> str | None:
    """One line of text (leading and trailing spaces dropped); its length counts them."""
    if not isinstance(value, str):
        errors[path] = _("must be a string")
        return None
    if not value.strip():
        errors[path] = _("must not be empty")
        return None
    if len(value) > max_length:
        errors[path] = _("must be at most %(n)s characters") % {"n": max_length}
        return None
    if not _storable(value) or _TEXT.fullmatch(value) is None:
        errors[path] = _("must be one line of printable characters")
        return None
    return value.strip()


def choice_clean(value: Any, path: str, errors: Errors, choices: tuple[str, ...]) -> str | None:
    if not isinstance(value, str) or value not in choices:
        errors[path] = _("must be one of: %(choices)s") % {"choices": ", ".join(choices)}
        return None
    return value


def parse_timestamp(value: Any) -> datetime | str:
    """An aware UTC datetime, or the reason the value is not an RFC 3339 timestamp with offset
    (`TIMESTAMP_PATTERN`: 1970 to 2099, as written by the caller)."""
    if not isinstance(value, str):
        return _("must be an ISO 8601 timestamp string with a UTC offset")
    if len(value) > 64 or not _storable(value):
        return _("is not an ISO 8601 timestamp")
    if _TIMESTAMP.fullmatch(value) is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return _("is not an ISO 8601 timestamp (e.g. 2026-03-02T14:05:00+01:00)")
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return _("needs a time and a UTC offset (e.g. 2026-03-02T14:05:00+01:00 or …Z)")
        if not 1970 <= parsed.year < 2100:
            return _("is out of range (1970–2099)")
        return _("must be written YYYY-MM-DDThh:mm:ss[.ffffff] with Z or ±hh:mm (RFC 3339)")
    return datetime.fromisoformat(value).astimezone(UTC)


def timestamp_clean(value: Any, path: str, errors: Errors) -> datetime | None:
    parsed = parse_timestamp(value)
    if isinstance(parsed, str):
        errors[path] = parsed
        return None
    return parsed


def sha_clean(value: Any, path: str, errors: Errors) -> str | None:
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        errors[path] = _("must be a hexadecimal commit sha of 7 to 64 characters")
        return None
    return value.lower()


def fields_check(
    payload: Any, path: str, errors: Errors, *, allowed: set[str], required: set[str]
) -> dict[str, Any] | None:
    """The object itself if it is one, with unknown and missing fields reported."""
    if not isinstance(payload, dict):
        errors[path or "body"] = _("must be a JSON object")
        return None
    for name in payload:
        if name not in allowed:
            errors[join(path, name)] = _("unknown field")
    for name in sorted(required):
        if payload.get(name) is None:
            errors[join(path, name)] = _("is required")
    return payload


# --- Deployments ----------------------------------------------------------------------------


def commits_clean(value: Any, path: str, errors: Errors) -> tuple[CommitData, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors[path] = _("must be a list of {sha, authored_at} objects")
        return ()
    if len(value) > MAX_COMMITS:
        errors[path] = _("must hold at most %(n)s commits") % {"n": MAX_COMMITS}
        return ()
    commits: list[CommitData] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        item_path = join(path, index)
        obj = fields_check(item, item_path, errors, allowed=COMMIT_FIELDS, required=COMMIT_FIELDS)
        if obj is None:
            continue
        sha = field_clean(obj, "sha", errors, sha_clean, path=item_path)
        authored = field_clean(obj, "authored_at", errors, timestamp_clean, path=item_path)
        if sha and sha in seen:
            errors[join(item_path, "sha")] = _("is listed twice in this deployment")
        elif sha and authored:
            seen.add(sha)
            commits.append(CommitData(sha=sha, authored_at=authored))
    return tuple(commits)


def keys_clean(value: Any, path: str, errors: Errors, *, limit: int = MAX_FEATURES) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors[path] = _("must be a list of feature keys")
        return ()
    if len(value) > limit:
        errors[path] = _("must hold at most %(n)s keys") % {"n": limit}
        return ()
    keys: list[str] = []
    for index, item in enumerate(value):
        key = key_clean(item, join(path, index), errors)
        if key is None:
            continue
        if key in keys:
            errors[join(path, index)] = _("is listed twice")
            continue
        keys.append(key)
    return tuple(keys)


def deployment_clean(payload: Any) -> DeploymentData | Errors:
    errors: Errors = {}
    obj = fields_check(payload, "", errors, allowed=DEPLOYMENT_FIELDS, required=DEPLOYMENT_REQUIRED)
    if obj is None:
        return errors
    key = field_clean(obj, "key", errors, key_clean)
    team = field_clean(obj, "team", errors, slug_clean)
    environment = field_clean(obj, "environment", errors, partial(choice_clean, choices=ENVIRONMENTS))
    result = field_clean(obj, "result", errors, partial(choice_clean, choices=RESULTS))
    finished_at = field_clean(obj, "finished_at", errors, timestamp_clean)
    commits = commits_clean(obj.get("commits"), "commits", errors)
    features = keys_clean(obj.get("features"), "features", errors)
    if errors:
        return errors
    if team is None or environment is None or result is None or finished_at is None:
        return errors  # unreachable: each None above recorded an error
    # A commit authored after the deployment finished is kept: its lead time (≤ 0) is left out of metrics.
    return DeploymentData(
        key=key,
        team=team,
        environment=environment,
        result=result,
        finished_at=finished_at,
        commits=commits,
        features=features,
    )


# --- Incidents ------------------------------------------------------------------------------


def incident_clean(payload: Any) -> IncidentData | Errors:
    errors: Errors = {}
    obj = fields_check(payload, "", errors, allowed=INCIDENT_FIELDS, required=INCIDENT_REQUIRED)
    if obj is None:
        return errors
    key = field_clean(obj, "key", errors, key_clean)
    team = field_clean(obj, "team", errors, slug_clean)
    title = field_clean(obj, "title", errors, text_clean)
    started_at = field_clean(obj, "started_at", errors, timestamp_clean)
    resolved_at = field_clean(obj, "resolved_at", errors, timestamp_clean)
    deployment = field_clean(obj, "deployment", errors, key_clean)
    if started_at and resolved_at and resolved_at < started_at:
        errors["resolved_at"] = _("must not be before started_at")
    if errors:
        return errors
    if team is None or title is None or started_at is None:
        return errors  # unreachable: each None above recorded an error
    return IncidentData(
        key=key, team=team, title=title, started_at=started_at, resolved_at=resolved_at, deployment=deployment
    )


def incident_changes_clean(payload: Any, *, started_at: datetime | None = None) -> IncidentChanges | Errors:
    """A PATCH body: `title` and/or `resolved_at` (null reopens the incident)."""
    errors: Errors = {}
    obj = fields_check(payload, "", errors, allowed=INCIDENT_PATCH_FIELDS, required=set())
    if obj is None:
        return errors
    if not errors and not obj:
        return {"body": "send at least one of: resolved_at, title"}
    values: dict[str, Any] = {}
    if "title" in obj:
        title = text_clean(obj["title"], "title", errors)
        if title:
            values["title"] = title
    if "resolved_at" in obj:
        if obj["resolved_at"] is None:
            values["resolved_at"] = None
        else:
            resolved_at = timestamp_clean(obj["resolved_at"], "resolved_at", errors)
            if resolved_at and started_at and resolved_at < started_at:
                errors["resolved_at"] = _("must not be before started_at")
            elif resolved_at:
                values["resolved_at"] = resolved_at
    if errors:
        return errors
    return IncidentChanges(values=values)


# --- References -----------------------------------------------------------------------------


def refs_check(data: DeploymentData | IncidentData, refs: Refs) -> Errors:
    """Unknown team, feature or deployment (another organisation's count as unknown)."""
    errors: Errors = {}
    if data.team not in refs.teams:
        errors["team"] = _("unknown team '%(key)s'") % {"key": data.team}
    if isinstance(data, DeploymentData):
        for index, key in enumerate(data.features):
            if key not in refs.features:
                errors[f"features.{index}"] = _("unknown feature '%(key)s'") % {"key": key}
    elif data.deployment is not None and data.deployment not in refs.deployments:
        errors["deployment"] = _("unknown deployment '%(key)s'") % {"key": data.deployment}
    return errors


# --- Query parameters -----------------------------------------------------------------------


def bound_clean(value: str, path: str, errors: Errors, *, tz: ZoneInfo, end: bool) -> datetime | None:
    """A list filter bound (`BOUND_PATTERN`): a timestamp with offset, or a date (midnight in the
    organisation's time zone; an end date includes its whole day)."""
    if len(value) == 10:
        if _DATE_ONLY.fullmatch(value) is None:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                errors[path] = _("must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset")
                return None
            if not 1970 <= day.year < 2100:
                errors[path] = _("is out of range (1970–2099)")
                return None
            errors[path] = _("must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset")
            return None
        start = datetime.combine(date.fromisoformat(value), time.min, tzinfo=tz)
        return (start + timedelta(days=1)).astimezone(UTC) if end else start.astimezone(UTC)
    return timestamp_clean(value, path, errors)


def page_clean(value: str | None, path: str, errors: Errors, *, default: int, maximum: int) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 6 or not 1 <= int(value) <= maximum:
        errors[path] = _("must be a whole number from 1 to %(n)s") % {"n": maximum}
        return default
    return int(value)
