"""History for GitLab and Opsgenie connections, read through their REST APIs with a read token and
mapped exactly as their webhook deliveries are (the same keys: a later webhook changes nothing).

GitLab: a project's deployments updated in the last N days (`GET /projects/:id/deployments`), the
commits of each deployed sha (`GET /projects/:id/repository/commits`) and the merge requests merged
in the period (`GET /projects/:id/merge_requests?state=merged`), paged by `X-Next-Page`.
Opsgenie: the alerts created in the last N days (`GET /v2/alerts`, `offset`/`limit` paging, team ids
named through `GET /v2/teams`), opened and, when closed, resolved."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from integrations import github, gitlab, opsgenie
from integrations.backfill import SILENT, TIMEOUT, BackfillError, Progress
from integrations.mapping import Malformed, text, timestamp
from integrations.models import Connection

logger = logging.getLogger(__name__)

GITLAB_URL = "https://gitlab.com"
OPSGENIE_URL = "https://api.opsgenie.com"
MAX_DAYS = 365
MAX_PAGES = 50
OPSGENIE_PAGE = 100
OPSGENIE_MAX_OFFSET = 20_000  # Opsgenie's list refuses offset + limit above it


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise BackfillError(f"--days must be between 1 and {MAX_DAYS}")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(response: httpx.Response, url: str) -> Any:
    if response.status_code != 200:
        raise BackfillError(f"GET {url} answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise BackfillError(f"GET {url} did not answer JSON") from None


# --- GitLab --------------------------------------------------------------------------------------


def _gitlab_pages(client: httpx.Client, url: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    page = "1"
    for _ in range(MAX_PAGES):
        response = client.get(url, params={**params, "per_page": 100, "page": page})
        batch = _json(response, url)
        if not isinstance(batch, list):
            raise BackfillError(f"GET {url} did not answer a list")
        yield from (item for item in batch if isinstance(item, dict))
        page = response.headers.get("X-Next-Page", "")
        if not page:
            return


def _gitlab_commits(client: httpx.Client, project_url: str, sha: str) -> list[tuple[str, datetime, str]]:
    url = f"{project_url}/repository/commits"
    batch = _json(client.get(url, params={"ref_name": sha, "per_page": 100}), url)
    rows = []
    for commit in batch if isinstance(batch, list) else []:
        try:
            rows.append(
                (text(commit, "id"), timestamp(commit, "committed_date"), str(commit.get("message") or ""))
            )
        except (Malformed, AttributeError):
            continue
    return rows


def _gitlab_deployment_hook(project: str, deployment: dict[str, Any], web_url: str) -> dict[str, Any]:
    """The Deployment Hook GitLab would have sent for this deployment's final status."""
    sha = text(deployment, "sha")
    deployable = _dict(deployment.get("deployable"))
    commit = _dict(deployable.get("commit"))
    return {
        "object_kind": "deployment",
        "status": text(deployment, "status"),
        "status_changed_at": deployment.get("finished_at") or deployment.get("updated_at"),
        "deployment_id": deployment.get("id"),
        "environment": text(deployment, "environment", "name"),
        "project": {"path_with_namespace": project, "web_url": web_url},
        "ref": str(deployment.get("ref") or ""),
        "commit_url": f"{web_url}/-/commit/{sha}",
        "commit_title": str(commit.get("title") or ""),
    }


def _gitlab_merge_request_hook(project: str, mr: dict[str, Any]) -> dict[str, Any]:
    return {
        "object_kind": "merge_request",
        "project": {"path_with_namespace": project},
        "object_attributes": {
            "action": "merge",
            "iid": mr.get("iid"),
            "title": mr.get("title"),
            "url": mr.get("web_url"),
            "source_branch": mr.get("source_branch"),
            "target_branch": mr.get("target_branch"),
            "created_at": mr.get("created_at"),
            "merged_at": mr.get("merged_at"),
            "updated_at": mr.get("updated_at"),
            "merge_commit_sha": mr.get("merge_commit_sha") or mr.get("squash_commit_sha"),
        },
    }


def gitlab_backfill(
    *,
    connection: Connection,
    token: str,
    project: str,
    days: int,
    base_url: str = GITLAB_URL,
    now: datetime | None = None,
    progress: Progress = SILENT,
) -> dict[str, int]:
    """Merge requests merged and deployments finished in the last `days` days of a GitLab project,
    oldest first, with the commits each deployed sha carries. Returns {"deployments": recorded,
    "merge_requests": recorded, "skipped": without a final status, unmapped or malformed}."""
    if connection.provider != "gitlab":
        raise BackfillError("this history is read from GitLab connections only")
    _check_days(days)
    if "/" not in project.strip("/"):
        raise BackfillError("name the project as group/name")
    since = ((now or datetime.now(tz=UTC)) - timedelta(days=days)).isoformat()
    project = project.strip("/")
    project_url = f"/api/v4/projects/{quote(project, safe='')}"
    web_url = f"{base_url.rstrip('/')}/{project}"
    recorded = {"deployments": 0, "merge_requests": 0, "skipped": 0}
    with httpx.Client(
        base_url=base_url.rstrip("/"), headers={"PRIVATE-TOKEN": token}, timeout=TIMEOUT
    ) as client:
        merged = _gitlab_pages(
            client,
            f"{project_url}/merge_requests",
            {"state": "merged", "updated_after": since, "order_by": "updated_at", "sort": "asc"},
        )
        for mr in merged:
            outcome = _process(connection, "Merge Request Hook", _gitlab_merge_request_hook(project, mr))
            recorded["merge_requests" if outcome else "skipped"] += 1
            progress.item(outcome)
        deployments = _gitlab_pages(
            client,
            f"{project_url}/deployments",
            {"updated_after": since, "order_by": "updated_at", "sort": "asc"},
        )
        for deployment in deployments:
            if deployment.get("status") not in gitlab.STATUSES or not deployment.get("sha"):
                recorded["skipped"] += 1
                progress.item(False)
                continue
            rows = _gitlab_commits(client, project_url, str(deployment["sha"]))
            github.push_store(connection, project, str(deployment.get("ref") or ""), rows)
            outcome = _process(
                connection, "Deployment Hook", _gitlab_deployment_hook(project, deployment, web_url)
            )
            recorded["deployments" if outcome else "skipped"] += 1
            progress.item(outcome)
    return recorded


def _process(connection: Connection, event: str, payload: dict[str, Any]) -> bool:
    try:
        return gitlab.process(connection, event, payload).status == "recorded"
    except Malformed as exc:
        logger.warning("GitLab %s skipped: %s", event, exc)
        return False


# --- Opsgenie ------------------------------------------------------------------------------------


def _opsgenie_team_names(client: httpx.Client) -> dict[str, str]:
    data = _json(client.get("/v2/teams"), "/v2/teams")
    teams = data.get("data") if isinstance(data, dict) else None
    return {
        str(t["id"]): str(t["name"])
        for t in teams or []
        if isinstance(t, dict) and isinstance(t.get("id"), str) and isinstance(t.get("name"), str)
    }


def _opsgenie_alert(alert: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The webhook's `alert` object for an alert as `GET /v2/alerts` lists it: team ids named,
    the close time from the report (milliseconds after creation)."""
    teams = [
        names.get(str(t.get("id")), str(t.get("name") or ""))
        for t in alert.get("teams") or []
        if isinstance(t, dict)
    ]
    closed_at: Any = alert.get("updatedAt")
    report = _dict(alert.get("report"))
    close_ms = report.get("closeTime")
    if isinstance(close_ms, int) and not isinstance(close_ms, bool) and 0 <= close_ms < 10**12:
        with contextlib.suppress(Malformed):
            closed_at = (timestamp(alert, "createdAt") + timedelta(milliseconds=close_ms)).isoformat()
    return {
        "alertId": alert.get("id"),
        "message": alert.get("message"),
        "createdAt": alert.get("createdAt"),
        "updatedAt": closed_at,
        "teams": [name for name in teams if name],
        "entity": alert.get("entity") or "",
        "tags": alert.get("tags") or [],
    }


def opsgenie_backfill(
    *,
    connection: Connection,
    token: str,
    days: int,
    base_url: str = OPSGENIE_URL,
    now: datetime | None = None,
    progress: Progress = SILENT,
) -> dict[str, int]:
    """The alerts created in the last `days` days, oldest first: each opens an incident and a closed
    one resolves it. Returns {"incidents": recorded, "skipped": unmapped or malformed}."""
    if connection.provider != "opsgenie":
        raise BackfillError("alerts are read from Opsgenie connections only")
    _check_days(days)
    since_ms = int(((now or datetime.now(tz=UTC)) - timedelta(days=days)).timestamp() * 1000)
    recorded = skipped = 0
    with httpx.Client(
        base_url=base_url.rstrip("/"), headers={"Authorization": f"GenieKey {token}"}, timeout=TIMEOUT
    ) as client:
        names = _opsgenie_team_names(client)
        offset = 0
        while offset < OPSGENIE_MAX_OFFSET:
            params: dict[str, str | int] = {
                "query": f"createdAt >= {since_ms}",
                "offset": offset,
                "limit": OPSGENIE_PAGE,
                "sort": "createdAt",
                "order": "asc",
            }
            data = _json(client.get("/v2/alerts", params=params), "/v2/alerts")
            alerts = data.get("data") if isinstance(data, dict) else None
            if not isinstance(alerts, list):
                raise BackfillError("GET /v2/alerts did not answer an alert list")
            for alert in alerts:
                done = isinstance(alert, dict) and _opsgenie_record(
                    connection, _opsgenie_alert(alert, names), alert
                )
                recorded, skipped = (recorded + 1, skipped) if done else (recorded, skipped + 1)
                progress.item(done)
            paging = _dict(data.get("paging"))
            if not alerts or not paging.get("next"):
                break
            offset += OPSGENIE_PAGE
    return {"incidents": recorded, "skipped": skipped}


def _opsgenie_record(connection: Connection, hook_alert: dict[str, Any], alert: dict[str, Any]) -> bool:
    try:
        opened = opsgenie.process(connection, "Create", {"action": "Create", "alert": hook_alert})
        if opened.status != "recorded":
            return False
        if alert.get("status") == "closed":
            opsgenie.process(connection, "Close", {"action": "Close", "alert": hook_alert})
    except Malformed as exc:
        logger.warning("Opsgenie alert skipped: %s", exc)
        return False
    return True
