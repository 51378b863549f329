"""GitHub's webhooks: verify `X-Hub-Signature-256`, map push, deployment_status, pull_request (closed and
merged) and ping."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from delivery import records
from integrations import reasons
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
from integrations.models import Connection, PushedCommit

EVENTS = {"push", "deployment_status", "pull_request", "ping"}
STATES = {"success": "success", "failure": "failure", "error": "failure"}


def signature_refusal(secret: str, body: bytes, header: str) -> str | None:
    """None when `header` is the HMAC-SHA256 of `body` under `secret`, else the refusal's code."""
    if not header:
        return reasons.MISSING_SIGNATURE
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, header.strip()) else reasons.BAD_SIGNATURE


def push_store(
    connection: Connection, repository: str, ref: str, commits: list[tuple[str, datetime, str]]
) -> None:
    branch = ref.removeprefix("refs/heads/")
    PushedCommit.objects.bulk_create(
        [
            PushedCommit(
                connection=connection,
                repository=repository[:200],
                ref=branch[:255],
                sha=sha[:64],
                authored_at=at,
                message=message[:2000],
            )
            for sha, at, message in commits
        ],
        ignore_conflicts=True,
    )


def deployment_commits(
    connection: Connection, *, repository: str, ref: str, sha: str, key_prefix: str, fallback_at: datetime
) -> tuple[list[records.PushedCommitData], list[str]]:
    """The commits pushed to `ref` since the repository's previous production deployment, up to the
    deployed `sha` (which is always one of them), and their messages."""
    pushed = list(
        PushedCommit.objects.filter(connection=connection, repository=repository[:200], ref=ref[:255])
    )
    deployed = next((c for c in pushed if c.sha == sha), None)
    upper = deployed.authored_at if deployed else fallback_at
    lower = records.previous_production_at(org=connection.org, key_prefix=key_prefix, before=fallback_at)
    chosen = [c for c in pushed if c.authored_at <= upper and (lower is None or c.authored_at > lower)]
    commits = [records.PushedCommitData(sha=c.sha, authored_at=c.authored_at) for c in chosen]
    if not any(c.sha == sha for c in commits):
        commits.append(records.PushedCommitData(sha=sha, authored_at=upper))
    return commits, [c.message for c in chosen]


def _push(connection: Connection, payload: Any) -> Outcome:
    repository = text(payload, "repository", "full_name")
    ref = text(payload, "ref")
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
    push_store(connection, repository, ref, rows)
    return RECORDED


def _deployment_status(connection: Connection, payload: Any) -> Outcome:
    state = text(payload, "deployment_status", "state")
    if state not in STATES:
        return ignored(reasons.ACTION_NOT_USED, state)
    repository = text(payload, "repository", "full_name")
    team = team_for(connection, repository)
    if team is None:
        return unmapped(repository)
    finished = timestamp(payload, "deployment_status", "updated_at")
    deployment_id = text(payload, "deployment", "id")
    ref = text(payload, "deployment", "ref")
    sha = text(payload, "deployment", "sha")
    environment_name = str(
        payload["deployment_status"].get("environment") or text(payload, "deployment", "environment")
    )
    prefix = f"gh-{repository[:100]}-"
    commits, messages = deployment_commits(
        connection, repository=repository, ref=ref, sha=sha, key_prefix=prefix, fallback_at=finished
    )
    features = records.features_named(org=connection.org, texts=[ref, *messages])
    records.deployment_upsert(
        org=connection.org,
        team=team,
        key=f"{prefix}{deployment_id}"[:128],
        environment=environment_for(connection, environment_name),
        result=STATES[state],
        finished_at=finished,
        commits=commits,
        features=features,
        source="github",
    )
    return RECORDED


def merged_store(
    connection: Connection, *, repository: str, base: str, sha: str, merged_at: datetime, texts: list[str]
) -> None:
    """A merged pull request's title and branch, kept with its merge commit: a deployment that takes
    the commit links the features they name."""
    note = "\n".join(t for t in texts if t)[:2000]
    row, created = PushedCommit.objects.get_or_create(
        connection=connection,
        repository=repository[:200],
        ref=base[:255],
        sha=sha[:64],
        defaults={"authored_at": merged_at, "message": note},
    )
    if not created and note not in row.message:
        row.message = f"{row.message}\n{note}"[:4000]
        row.save(update_fields=["message"])


def first_commit_at(connection: Connection, *, repository: str, branch: str) -> datetime | None:
    """When the earliest commit pushed to the pull request's source `branch` was authored."""
    return (
        PushedCommit.objects.filter(connection=connection, repository=repository[:200], ref=branch[:255])
        .order_by("authored_at")
        .values_list("authored_at", flat=True)
        .first()
    )


def pull_request_store(
    connection: Connection,
    *,
    repository: str,
    branch: str,
    number: str,
    title: str,
    url: Any,
    opened_at: Any,
    merged_at: Any,
    sha: str,
) -> None:
    """Keep the merged pull (or merge) request itself when its repository feeds a team; a link is
    kept only when it is an https URL."""
    team = team_for(connection, repository)
    if team is None:
        return
    records.pull_request_upsert(
        org=connection.org,
        team=team,
        data=records.PullRequestData(
            repository=repository,
            first_commit_at=first_commit_at(connection, repository=repository, branch=branch),
            number=int(number),
            title=title,
            url=url if isinstance(url, str) and url.startswith("https://") else "",
            opened_at=opened_at,
            merged_at=merged_at,
            merge_commit_sha=sha,
        ),
        source=connection.provider,
    )


def _pull_request(connection: Connection, payload: Any) -> Outcome:
    action = text(payload, "action")
    pull = get(payload, "pull_request")
    if action != "closed":
        return ignored(reasons.ACTION_NOT_USED, action)
    if not pull.get("merged") or not pull.get("merge_commit_sha"):
        return ignored(reasons.NOT_MERGED, str(pull.get("number") or ""))
    repository = text(payload, "repository", "full_name")
    number = text(pull, "number")
    if not number.isdigit() or len(number) > 9:
        return ignored(reasons.MALFORMED, "pull_request.number")
    sha, merged_at, branch = (
        text(pull, "merge_commit_sha"),
        timestamp(pull, "merged_at"),
        text(pull, "head", "ref"),
    )
    title = str(pull.get("title") or "")
    merged_store(
        connection,
        repository=repository,
        base=text(pull, "base", "ref"),
        sha=sha,
        merged_at=merged_at,
        texts=[title, branch],
    )
    pull_request_store(
        connection,
        repository=repository,
        branch=branch,
        number=number,
        title=title,
        url=pull.get("html_url"),
        opened_at=timestamp(pull, "created_at"),
        merged_at=merged_at,
        sha=sha,
    )
    return RECORDED


def process(connection: Connection, event: str, payload: Any) -> Outcome:
    if event == "pull_request":
        return _pull_request(connection, payload)
    if event == "ping":
        return RECORDED
    if event == "push":
        return _push(connection, payload)
    if event == "deployment_status":
        return _deployment_status(connection, payload)
    return ignored(reasons.EVENT_NOT_USED, event)
