"""Jira Cloud: webhooks (`jira:issue_created`, `jira:issue_updated`, `jira:issue_deleted`, signed
`X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`), history through REST API v3's
`/rest/api/3/search/jql` (`nextPageToken` paging), and issues created from action items."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from collab.features.external import feature_untrack
from integrations import reasons, trackers
from integrations.mapping import RECORDED, Malformed, Outcome, get, ignored, text, timestamp
from integrations.models import Connection

EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}
HEADER = "X-Hub-Signature"
DELIVERY_HEADER = "X-Atlassian-Webhook-Identifier"
TIMEOUT = httpx.Timeout(10.0)
PAGE = 100
MAX_PAGES = 200


class JiraError(Exception):
    """The API answered something else than documented; the message is a reason code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail[:300]


def signature_refusal(secret: str, body: bytes, header: str) -> str | None:
    method, _sep, signature = header.strip().partition("=")
    if not signature:
        return reasons.MISSING_SIGNATURE
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if method.lower() != "sha256" or not hmac.compare_digest(expected, signature.strip().lower()):
        return reasons.BAD_SIGNATURE
    return None


def event_of(payload: Any) -> str:
    return str(payload.get("webhookEvent") or "")[:100] if isinstance(payload, dict) else ""


def _site_of(issue: dict[str, Any], settings: trackers.Settings) -> str:
    if settings.site:
        return settings.site
    parts = urlsplit(str(issue.get("self") or ""))
    return f"https://{parts.hostname}" if parts.scheme == "https" and parts.hostname else ""


def _adf_text(node: Any, out: list[str], depth: int = 0) -> None:
    """The plain text of an Atlassian Document Format description (v3 answers ADF, not text)."""
    if depth > 50:
        return
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        if node.get("type") == "text" and isinstance(node.get("text"), str):
            out.append(node["text"])
        for child in node.get("content") or []:
            _adf_text(child, out, depth + 1)
        if node.get("type") in {"paragraph", "heading", "listItem"}:
            out.append("\n")


def issue_of(connection: Connection, issue: Any) -> trackers.Issue:
    settings = trackers.Settings.of(connection)
    key = text(issue, "key")
    fields = get(issue, "fields")
    status = trackers.obj(fields.get("status"))
    category = trackers.obj(status.get("statusCategory"))
    issue_type = trackers.obj(fields.get("issuetype"))
    project = trackers.obj(fields.get("project"))
    labels = fields.get("labels") if isinstance(fields.get("labels"), list) else []
    description: list[str] = []
    _adf_text(fields.get("description"), description)
    site = _site_of(issue, settings)
    return trackers.Issue(
        key=key[:64],
        url=f"{site}/browse/{key}" if site else "",
        title=text(issue, "fields", "summary"),
        source=str(project.get("key") or key.rpartition("-")[0]),
        status=str(status.get("name") or ""),
        category=str(category.get("key") or ""),
        issue_type=str(issue_type.get("name") or ""),
        labels=tuple(str(label) for label in labels if isinstance(label, str)),
        estimate=fields.get(settings.estimate_field) if settings.estimate_field else None,
        description="".join(description).strip(),
        resolved_at=timestamp(fields, "resolutiondate") if fields.get("resolutiondate") else None,
    )


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event not in EVENTS:
        return ignored(reasons.EVENT_NOT_USED, event)
    if event == "jira:issue_deleted":
        key = text(payload, "issue", "key")
        if feature_untrack(org=connection.org, provider="jira", key=key) is None:
            return ignored(reasons.UNKNOWN_ISSUE, key)
        return RECORDED
    return trackers.record(connection, issue_of(connection, get(payload, "issue")))


# --- The REST API (a read token for history, a write one for action items) --------------------------


def client(connection: Connection, token: str) -> httpx.Client:
    settings = trackers.Settings.of(connection)
    if not settings.site.startswith("https://"):
        raise JiraError(reasons.MALFORMED, "site")
    return httpx.Client(
        base_url=settings.site,
        auth=(settings.email, token),
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
    )


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise JiraError(reasons.TRACKER_REFUSED, f"{what} {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise JiraError(reasons.MALFORMED, what) from None
    if not isinstance(data, dict):
        raise JiraError(reasons.MALFORMED, what)
    return data


def default_jql(connection: Connection) -> str:
    project = trackers.Settings.of(connection).project or next(iter(connection.sources), "")
    return f'project = "{project}" ORDER BY created ASC' if project else "ORDER BY created ASC"


def count(http: httpx.Client, jql: str) -> int | None:
    """How many issues the query finds (approximately: the enhanced search gives no total)."""
    response = http.post("/rest/api/3/search/approximate-count", json={"jql": jql})
    if response.status_code != 200:
        return None
    value = _json(response, "approximate-count").get("count")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def search(http: httpx.Client, jql: str, estimate_field: str) -> Iterator[list[dict[str, Any]]]:
    """The issues of a JQL query, page by page (`nextPageToken` until `isLast` or no token)."""
    fields = "summary,status,issuetype,project,labels,resolutiondate,description"
    if estimate_field:
        fields += f",{estimate_field}"
    token: str | None = None
    for _page in range(MAX_PAGES):
        params: dict[str, Any] = {"jql": jql, "maxResults": PAGE, "fields": fields}
        if token:
            params["nextPageToken"] = token
        data = _json(http.get("/rest/api/3/search/jql", params=params), "search/jql")
        issues = data.get("issues")
        if not isinstance(issues, list):
            raise JiraError(reasons.MALFORMED, "issues")
        yield [issue for issue in issues if isinstance(issue, dict)]
        token = data.get("nextPageToken") if isinstance(data.get("nextPageToken"), str) else None
        if data.get("isLast") is True or not token:
            return


def issue_create(connection: Connection, token: str, *, title: str, description: str) -> tuple[str, str]:
    """POST /rest/api/3/issue in the connection's project; (key, browse link)."""
    settings = trackers.Settings.of(connection)
    project = settings.project or next(iter(connection.sources), "")
    if not project:
        raise JiraError(reasons.MALFORMED, "project")
    fields: dict[str, Any] = {
        "project": {"key": project},
        "summary": title[:255],
        "issuetype": {"name": str(connection.tracker.get("issue_type") or "Task")},
    }
    if description.strip():
        # ADF refuses an empty text node: no description rather than a blank one.
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": description[:30_000]}]}
        fields["description"] = {"type": "doc", "version": 1, "content": [paragraph]}
    body = {"fields": fields}
    with client(connection, token) as http:
        data = _json(http.post("/rest/api/3/issue", json=body), "issue")
    try:
        key = text(data, "key")
    except Malformed:
        raise JiraError(reasons.MALFORMED, "key") from None
    return key[:64], f"{settings.site}/browse/{key}"
