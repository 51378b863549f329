"""Linear: `Issue` webhooks (create, update, remove; `Linear-Signature` = hex HMAC-SHA256 of the raw
body, `webhookTimestamp` within a minute), history through the GraphQL `issues` query (pageInfo /
endCursor paging), and issues created from action items (`issueCreate`)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import httpx

from collab.features.external import feature_untrack
from integrations import reasons, trackers
from integrations.mapping import RECORDED, Malformed, Outcome, get, ignored, text, timestamp
from integrations.models import Connection

EVENTS = {"Issue.create", "Issue.update", "Issue.remove"}
HEADER = "Linear-Signature"
DELIVERY_HEADER = "Linear-Delivery"
API = "https://api.linear.app/graphql"
TIMEOUT = httpx.Timeout(10.0)
MAX_AGE_MS = 60_000
PAGE = 50
MAX_PAGES = 400

ISSUE_FIELDS = """id identifier title description url estimate completedAt
state { name type } team { id key } labels { nodes { name } }"""
ISSUES_QUERY = (
    f"query Issues($filter: IssueFilter, $after: String) {{ issues(first: {PAGE}, after: $after, "
    f"filter: $filter) {{ nodes {{ {ISSUE_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
TEAM_QUERY = "query Team($key: String!) { teams(filter: { key: { eq: $key } }) { nodes { id key } } }"
CREATE_MUTATION = (
    "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) "
    "{ success issue { id identifier url } } }"
)


class LinearError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail[:300]


def signature_refusal(secret: str, body: bytes, header: str) -> str | None:
    if not header.strip():
        return reasons.MISSING_SIGNATURE
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, header.strip().lower()) else reasons.BAD_SIGNATURE


def timestamp_refusal(payload: Any, *, now_ms: float | None = None) -> str | None:
    """A replayed delivery carries an old `webhookTimestamp` (epoch milliseconds): refused."""
    value = payload.get("webhookTimestamp") if isinstance(payload, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return reasons.STALE_TIMESTAMP
    now = time.time() * 1000 if now_ms is None else now_ms
    return None if abs(now - value) <= MAX_AGE_MS else reasons.STALE_TIMESTAMP


def event_of(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    return f"{payload.get('type') or ''}.{payload.get('action') or ''}"[:100]


def issue_of(connection: Connection, data: Any) -> trackers.Issue:
    settings = trackers.Settings.of(connection)
    state = trackers.obj(data.get("state"))
    team = trackers.obj(data.get("team"))
    labels = data.get("labels")
    # The webhook sends a list of labels; the GraphQL API a connection with its nodes.
    if isinstance(labels, dict):
        labels = labels.get("nodes")
    names = tuple(
        str(label["name"])
        for label in labels or []
        if isinstance(label, dict) and isinstance(label.get("name"), str)
    )
    key = text(data, "identifier")
    url = str(data.get("url") or "")
    return trackers.Issue(
        key=key[:64],
        url=url if url.startswith("https://") else "",
        title=text(data, "title"),
        source=str(team.get("key") or key.rpartition("-")[0]),
        status=str(state.get("name") or ""),
        category=str(state.get("type") or ""),
        labels=names,
        estimate=data.get(settings.estimate_field) if settings.estimate_field else None,
        description=str(data.get("description") or ""),
        resolved_at=timestamp(data, "completedAt") if data.get("completedAt") else None,
    )


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event not in EVENTS:
        return ignored(reasons.EVENT_NOT_USED, event)
    data = get(payload, "data")
    if event == "Issue.remove":
        key = text(data, "identifier")
        if feature_untrack(org=connection.org, provider="linear", key=key) is None:
            return ignored(reasons.UNKNOWN_ISSUE, key)
        return RECORDED
    return trackers.record(connection, issue_of(connection, data))


# --- The GraphQL API ----------------------------------------------------------------------------------


def client(token: str) -> httpx.Client:
    # A personal API key goes as it is; an OAuth token as "Bearer …" (the user pastes either).
    return httpx.Client(headers={"Authorization": token, "Content-Type": "application/json"}, timeout=TIMEOUT)


def graphql(http: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = http.post(API, json={"query": query, "variables": variables})
    try:
        body = response.json()
    except ValueError:
        raise LinearError(reasons.MALFORMED, f"graphql {response.status_code}") from None
    if response.status_code >= 400 or not isinstance(body, dict) or body.get("errors"):
        errors = body.get("errors") if isinstance(body, dict) else None
        message = ""
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = str(errors[0].get("message") or "")
        raise LinearError(reasons.TRACKER_REFUSED, f"{response.status_code} {message}".strip())
    data = body.get("data")
    if not isinstance(data, dict):
        raise LinearError(reasons.MALFORMED, "data")
    return data


def default_filter(connection: Connection) -> dict[str, Any]:
    team = trackers.Settings.of(connection).project or next(iter(connection.sources), "")
    return {"team": {"key": {"eq": team}}} if team else {}


def search(http: httpx.Client, issue_filter: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The issues a filter finds, page by page (`after: endCursor` while `hasNextPage`)."""
    after: str | None = None
    for _page in range(MAX_PAGES):
        data = graphql(http, ISSUES_QUERY, {"filter": issue_filter or None, "after": after})
        issues = data.get("issues")
        if not isinstance(issues, dict) or not isinstance(issues.get("nodes"), list):
            raise LinearError(reasons.MALFORMED, "issues.nodes")
        yield [node for node in issues["nodes"] if isinstance(node, dict)]
        page = trackers.obj(issues.get("pageInfo"))
        after = page.get("endCursor") if isinstance(page.get("endCursor"), str) else None
        if page.get("hasNextPage") is not True or not after:
            return


def issue_create(connection: Connection, token: str, *, title: str, description: str) -> tuple[str, str]:
    """`issueCreate` in the connection's Linear team (found by its key); (identifier, link)."""
    team_key = trackers.Settings.of(connection).project or next(iter(connection.sources), "")
    if not team_key:
        raise LinearError(reasons.MALFORMED, "team")
    with client(token) as http:
        teams = get(graphql(http, TEAM_QUERY, {"key": team_key}), "teams", "nodes")
        if not isinstance(teams, list) or not teams or not isinstance(teams[0], dict):
            raise LinearError(reasons.TRACKER_REFUSED, f"team {team_key}")
        issue_input = {"teamId": text(teams[0], "id"), "title": title[:255]}
        if description.strip():
            issue_input["description"] = description[:30_000]
        created = get(graphql(http, CREATE_MUTATION, {"input": issue_input}), "issueCreate")
    if created.get("success") is not True:
        raise LinearError(reasons.TRACKER_REFUSED, "issueCreate")
    try:
        return text(created, "issue", "identifier")[:64], text(created, "issue", "url")[:500]
    except Malformed:
        raise LinearError(reasons.MALFORMED, "issue") from None
