"""History: a GitHub connection's past deployments, read through GitHub's REST API with a read token,
mapped exactly as webhook deliveries are (the same keys: a later webhook changes nothing)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from integrations import github
from integrations.mapping import Malformed, text, timestamp
from integrations.models import Connection

logger = logging.getLogger(__name__)

API = "https://api.github.com"
TIMEOUT = httpx.Timeout(10.0)
MAX_PAGES = 10


class BackfillError(Exception):
    pass


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


def github_backfill(*, connection: Connection, token: str, repository: str) -> dict[str, int]:
    """Store the commits of each past deployment's ref and record its latest final status, oldest
    first; returns {"deployments": recorded, "skipped": without a final status or unmapped}."""
    if connection.provider != "github":
        raise BackfillError("history is read from GitHub connections only")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    recorded = skipped = 0
    with httpx.Client(base_url=API, headers=headers, timeout=TIMEOUT) as client:
        deployments = _pages(client, f"/repos/{repository}/deployments")
        deployments.sort(key=lambda d: str(d.get("created_at") or "") if isinstance(d, dict) else "")
        for deployment in deployments:
            if not isinstance(deployment, dict):
                continue
            statuses = _get(
                client, f"/repos/{repository}/deployments/{deployment.get('id')}/statuses", {"per_page": 10}
            )
            final = next(
                (s for s in statuses if isinstance(s, dict) and s.get("state") in github.STATES), None
            )
            if final is None:
                skipped += 1
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
                continue
            if outcome.status == "recorded":
                recorded += 1
            else:
                skipped += 1
    return {"deployments": recorded, "skipped": skipped}
