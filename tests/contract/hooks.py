"""Schemathesis hooks of tests/contract/schemathesis_run.py (loaded through SCHEMATHESIS_HOOKS).

The API has a few rules across fields that JSON Schema cannot state; each is written in the
operation's description and answered with a documented 400. A `before_call` hook runs before every
request of every phase (examples, coverage, fuzzing), so it lines the generated data up with them:

- POST /api/v1/deployments and /api/v1/incidents: an Idempotency-Key header must equal the body's
  key; the header takes the body's key (or is dropped when that key is not printable ASCII).
- POST /api/v1/incidents: resolved_at not before started_at; the two are swapped.
- DevLake deployments (both paths): finishedDate not before startedDate; the two are swapped. A
  team field must equal the team query parameter; it takes the parameter's value.
- POST /api/v1/deployments: each commit sha once, ignoring case; repeated ones are dropped.
- team, features and deployment must exist in the token's organisation: unknown ones are dropped or
  replaced by the records the runner creates (schemathesis.toml's overrides do not reach every
  coverage case).
- PATCH /api/v1/incidents/{key}: resolved_at not before the stored started_at, unknown here; it
  becomes the latest instant the timestamp pattern allows.

Negative cases are left alone: they must be refused anyway, and an edit would make Schemathesis
revalidate them (a case missing its Authorization header would then turn positive and be sent with
the token). A timestamp is moved only when it matches the API's pattern.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import schemathesis

from delivery.api.validation import TIMESTAMP_PATTERN

_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
# The latest instant TIMESTAMP_PATTERN allows (years up to 2099, offsets up to ±23:59).
LATEST = "2099-12-31T23:59:59.999999-23:59"
# The records the runner creates (schemathesis_run.SETUP): references to others are refused with 400.
TEAMS = {"0", "checkout"}
FEATURES = {"F-12"}
DEPLOYMENTS = {"D-contract", "0", "D-1001"}
IDEMPOTENT = {"/api/v1/deployments", "/api/v1/incidents"}
DEVLAKE = {"/api/v1/devlake/deployments", "/api/plugins/webhook/connections/{connectionId}/deployments"}


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None


def _order(body: dict[str, Any], first: str, last: str) -> None:
    """Swap body[first] and body[last] when both are timestamps and last comes before first."""
    start, end = _instant(body.get(first)), _instant(body.get(last))
    if start is not None and end is not None and end < start:
        body[first], body[last] = body[last], body[first]


def _once(commits: list[Any]) -> list[Any]:
    """The commits, each sha (compared in lower case) kept at its first place only."""
    seen: set[str] = set()
    kept = []
    for commit in commits:
        sha = commit.get("sha") if isinstance(commit, dict) else None
        if isinstance(sha, str):
            if sha.lower() in seen:
                continue
            seen.add(sha.lower())
        kept.append(commit)
    return kept


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    method, path, body = case.method.upper(), case.operation.path, case.body
    if not isinstance(body, dict) or (case.meta is not None and case.meta.generation.mode.is_negative):
        return
    if isinstance(body.get("team"), str) and body["team"] not in TEAMS:
        body["team"] = "0"
    if isinstance(body.get("features"), list):  # each feature must exist in the organisation
        body["features"] = [key for key in body["features"] if key in FEATURES]
    if isinstance(body.get("deployment"), str) and body["deployment"] not in DEPLOYMENTS:
        body["deployment"] = "D-contract"
    if method == "POST" and path == "/api/v1/deployments" and isinstance(body.get("commits"), list):
        body["commits"] = _once(body["commits"])
    if method == "POST" and path in IDEMPOTENT:
        header, key = (case.headers or {}).get("Idempotency-Key"), body.get("key")
        if isinstance(header, str) and isinstance(key, str) and header != key:
            if key.isascii() and key.isprintable():
                case.headers["Idempotency-Key"] = key
            else:  # not sendable as a header value: the body's key alone is the idempotency key
                del case.headers["Idempotency-Key"]
    if method == "POST" and path == "/api/v1/incidents":
        _order(body, "started_at", "resolved_at")
    elif method == "POST" and path in DEVLAKE:
        _order(body, "startedDate", "finishedDate")
        team = (case.query or {}).get("team")
        if isinstance(team, str) and team not in TEAMS:
            team = case.query["team"] = "0"
        if isinstance(team, str) and isinstance(body.get("team"), str):
            body["team"] = team
    elif method == "PATCH" and path == "/api/v1/incidents/{key}" and _instant(body.get("resolved_at")):
        body["resolved_at"] = LATEST
