"""History: a GitHub connection's past deployments, read through GitHub's REST API with a read token,
and a PagerDuty connection's past incidents, read through PagerDuty's REST API; mapped exactly as
webhook deliveries are (the same keys: a later webhook changes nothing)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from delivery import records
from integrations import github
from integrations.mapping import Malformed, team_for, text, timestamp
from integrations.models import Connection

logger = logging.getLogger(__name__)

API = "https://api.github.com"
TIMEOUT = httpx.Timeout(10.0)
MAX_PAGES = 10


class BackfillError(Exception):
    pass


class Progress(Protocol):
    """Told what a history run reads: the number of items when known, then each item's outcome."""

    def total(self, count: int) -> None: ...

    def item(self, recorded: bool) -> None: ...


class _Silent:
    def total(self, count: int) -> None:
        pass

    def item(self, recorded: bool) -> None:
        pass


SILENT: Progress = _Silent()


def _get(client: httpx.Client, url: str, params: dict[str, Any]) -> list[Any]:
    response = client.get(url, params=params)
    if response.status_code != 200:
        raise BackfillError(f"GET {url} answered {response.status_code}")
    data = response.json()
    if not isinstance(data, list):
        raise BackfillError(f"GET {url} did not answer a list")
    return data


def _pages(client: httpx.Client, url: str) -> list[Any]:
    items: list[Any] = []
    for page in range(1, MAX_PAGES + 1):
        batch = _get(client, url, {"per_page": 100, "page": page})
        items.extend(batch)
        if len(batch) < 100:
            break
    return items


def github_backfill(
    *, connection: Connection, token: str, repository: str, progress: Progress = SILENT
) -> dict[str, int]:
    """Store the commits of each past deployment's ref and record its latest final status, oldest
    first; returns {"deployments": recorded, "skipped": without a final status or unmapped}."""
    if connection.provider != "github":
        raise BackfillError("history is read from GitHub connections only")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    recorded = skipped = 0
    with httpx.Client(base_url=API, headers=headers, timeout=TIMEOUT) as client:
        deployments = _pages(client, f"/repos/{repository}/deployments")
        deployments.sort(key=lambda d: str(d.get("created_at") or "") if isinstance(d, dict) else "")
        progress.total(len(deployments))
        for deployment in deployments:
            if not isinstance(deployment, dict):
                progress.item(False)
                continue
            statuses = _get(
                client, f"/repos/{repository}/deployments/{deployment.get('id')}/statuses", {"per_page": 10}
            )
            final = next(
                (s for s in statuses if isinstance(s, dict) and s.get("state") in github.STATES), None
            )
            if final is None:
                skipped += 1
                progress.item(False)
                continue
            commits = _get(
                client, f"/repos/{repository}/commits", {"sha": deployment.get("sha"), "per_page": 100}
            )
            rows = []
            for commit in commits:
                try:
                    rows.append(
                        (
                            text(commit, "sha"),
                            timestamp(commit, "commit", "committer", "date"),
                            str(commit.get("commit", {}).get("message") or ""),
                        )
                    )
                except Malformed:
                    continue
            github.push_store(connection, repository, str(deployment.get("ref") or ""), rows)
            payload = {
                "deployment_status": final,
                "deployment": deployment,
                "repository": {"full_name": repository},
            }
            try:
                outcome = github.process(connection, "deployment_status", payload)
            except Malformed as exc:
                logger.warning("deployment %s skipped: %s", deployment.get("id"), exc)
                skipped += 1
                progress.item(False)
                continue
            if outcome.status == "recorded":
                recorded += 1
            else:
                skipped += 1
            progress.item(outcome.status == "recorded")
    return {"deployments": recorded, "skipped": skipped}


PAGERDUTY_API = "https://api.pagerduty.com"
PAGERDUTY_PAGE = 100
PAGERDUTY_MAX_OFFSET = 10_000  # PagerDuty's classic pagination stops there
MAX_DAYS = 180  # PagerDuty refuses a since/until range over 6 months


def _pagerduty_page(client: httpx.Client, params: dict[str, Any]) -> tuple[list[Any], bool]:
    response = client.get("/incidents", params=params)
    if response.status_code != 200:
        raise BackfillError(f"GET /incidents answered {response.status_code}")
    data = response.json()
    incidents = data.get("incidents") if isinstance(data, dict) else None
    if not isinstance(incidents, list):
        raise BackfillError("GET /incidents did not answer an incident list")
    return incidents, data.get("more") is True


def _pagerduty_record(connection: Connection, incident: dict[str, Any]) -> bool:
    """Open (and resolve, when it is) one incident as the webhooks would; False when unmapped."""
    service = incident.get("service")
    service_id = text(incident, "service", "id")
    name = str(service.get("summary") or "") if isinstance(service, dict) else ""
    team = team_for(connection, service_id, *([name] if name else []))
    if team is None:
        return False
    key = f"pd-{text(incident, 'id')}"[:128]
    records.incident_open(
        org=connection.org,
        team=team,
        key=key,
        title=str(incident.get("title") or incident.get("summary") or ""),
        started_at=timestamp(incident, "created_at"),
        source="pagerduty",
    )
    if incident.get("status") == "resolved":
        field = "resolved_at" if incident.get("resolved_at") else "last_status_change_at"
        records.incident_resolve(org=connection.org, key=key, resolved_at=timestamp(incident, field))
    return True


def pagerduty_backfill(
    *,
    connection: Connection,
    token: str,
    days: int,
    now: datetime | None = None,
    progress: Progress = SILENT,
) -> dict[str, int]:
    """Record the incidents PagerDuty created in the last `days` days, page by page (`offset`,
    until `more` is false), with the webhooks' keys: a later webhook of the same incident changes
    nothing. Returns {"incidents": recorded, "skipped": unmapped or malformed}."""
    if connection.provider != "pagerduty":
        raise BackfillError("incidents are read from PagerDuty connections only")
    if not 1 <= days <= MAX_DAYS:
        raise BackfillError(f"--days must be between 1 and {MAX_DAYS}")
    until = now or datetime.now(tz=UTC)
    headers = {
        "Authorization": f"Token token={token}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    recorded = skipped = 0
    params: dict[str, Any] = {
        "since": (until - timedelta(days=days)).isoformat(),
        "until": until.isoformat(),
        "time_zone": "UTC",
        "limit": PAGERDUTY_PAGE,
        "offset": 0,
    }
    with httpx.Client(base_url=PAGERDUTY_API, headers=headers, timeout=TIMEOUT) as client:
        while True:
            incidents, more = _pagerduty_page(client, params)
            for incident in incidents:
                try:
                    done = isinstance(incident, dict) and _pagerduty_record(connection, incident)
                except Malformed as exc:
                    logger.warning("incident skipped: %s", exc)
                    done = False
                recorded, skipped = (recorded + 1, skipped) if done else (recorded, skipped + 1)
                progress.item(done)
            params["offset"] += PAGERDUTY_PAGE
            if not more or not incidents or params["offset"] >= PAGERDUTY_MAX_OFFSET:
                break
    return {"incidents": recorded, "skipped": skipped}
