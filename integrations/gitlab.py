"""GitLab's webhooks: verify `X-Gitlab-Token` (the secret itself), map Deployment, Push and Merge
Request hooks (the same way as GitHub's: commits pushed per branch, deployments take those pushed
since the project's previous production deployment)."""

from __future__ import annotations

import hmac
from typing import Any

from delivery import records
from integrations import github, reasons
from integrations.mapping import (
    RECORDED,
    Malformed,
    Outcome,
    environment_for,
    get,
    ignored,
    team_for,
    text,
    timestamp,
    unmapped,
)
from integrations.models import Connection

EVENTS = {"Deployment Hook", "Push Hook", "Merge Request Hook"}
STATUSES = {"success": "success", "failed": "failure"}


def signature_refusal(secret: str, header: str) -> str | None:
    if not header:
        return reasons.MISSING_SIGNATURE
    return None if hmac.compare_digest(secret.encode(), header.strip().encode()) else reasons.BAD_SIGNATURE


def _push(connection: Connection, payload: Any) -> Outcome:
    project = text(payload, "project", "path_with_namespace")
    commits = payload.get("commits") or []
    if not isinstance(commits, list):
        return ignored(reasons.MALFORMED, "commits")
    rows = []
    for index, commit in enumerate(commits[:2000]):
        try:
            rows.append(
                (text(commit, "id"), timestamp(commit, "timestamp"), str(commit.get("message") or ""))
            )
        except Malformed:
            return ignored(reasons.MALFORMED, f"commits.{index}")
    github.push_store(connection, project, text(payload, "ref"), rows)
    return RECORDED


def _deployment(connection: Connection, payload: Any) -> Outcome:
    status = text(payload, "status")
    if status not in STATUSES:
        return ignored(reasons.ACTION_NOT_USED, status)
    project = text(payload, "project", "path_with_namespace")
    team = team_for(connection, project)
    if team is None:
        return unmapped(project)
    finished = timestamp(payload, "status_changed_at")
    sha = text(payload, "commit_url").rstrip("/").rsplit("/", 1)[-1]
    ref = text(payload, "ref")
    prefix = f"gl-{project[:100]}-"
    commits, messages = github.deployment_commits(
        connection, repository=project, ref=ref, sha=sha, key_prefix=prefix, fallback_at=finished
    )
    features = records.features_named(
        org=connection.org, texts=[ref, str(payload.get("commit_title") or ""), *messages]
    )
    records.deployment_upsert(
        org=connection.org,
        team=team,
        key=f"{prefix}{text(payload, 'deployment_id')}"[:128],
        environment=environment_for(connection, text(payload, "environment")),
        result=STATUSES[status],
        finished_at=finished,
        commits=commits,
        features=features,
        source="gitlab",
    )
    return RECORDED


def _merge_request(connection: Connection, payload: Any) -> Outcome:
    attributes = get(payload, "object_attributes")
    action = str(attributes.get("action") or attributes.get("state") or "")
    if action not in {"merge", "merged"} or not attributes.get("merge_commit_sha"):
        return ignored(reasons.ACTION_NOT_USED, action)
    project = text(payload, "project", "path_with_namespace")
    number = text(attributes, "iid")
    if not number.isdigit() or len(number) > 9:
        return ignored(reasons.MALFORMED, "object_attributes.iid")
    sha, branch = text(attributes, "merge_commit_sha"), text(attributes, "source_branch")
    merged_at = timestamp(attributes, "merged_at" if attributes.get("merged_at") else "updated_at")
    title = str(attributes.get("title") or "")
    github.merged_store(
        connection,
        repository=project,
        base=text(attributes, "target_branch"),
        sha=sha,
        merged_at=merged_at,
        texts=[title, branch],
    )
    github.pull_request_store(
        connection,
        repository=project,
        branch=branch,
        number=number,
        title=title,
        url=attributes.get("url"),
        opened_at=timestamp(attributes, "created_at"),
        merged_at=merged_at,
        sha=sha,
    )
    return RECORDED


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event == "Push Hook":
        return _push(connection, payload)
    if event == "Deployment Hook":
        return _deployment(connection, payload)
    if event == "Merge Request Hook":
        return _merge_request(connection, payload)
    return ignored(reasons.EVENT_NOT_USED, event)
