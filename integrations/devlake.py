"""Apache DevLake's webhook deployment payload, mapped onto our deployment (pure functions).

CI scripts written for DevLake's `POST /plugins/webhook/connections/:id/deployments` post:
  {id, displayTitle?, result?, environment?, originalEnvironment?, name?, url?, createdDate?,
   startedDate, finishedDate, deploymentCommits[] {repoUrl, refName?, repoId?, commitSha,
   commitMsg?, commitAuthoredDate?, displayTitle?, name?, result?, status?, createdDate?,
   startedDate?, finishedDate?}}
We add `team` (a field, or the `team` query parameter) because a DevLake connection id means
nothing here; the token decides the organisation. The mapping is documented in the OpenAPI
description (`openapi.DEVLAKE_MAPPING`) and on the API docs page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from delivery.api.validation import (
    DEVLAKE_ENVIRONMENTS,
    DEVLAKE_RESULTS,
    MAX_COMMITS,
    CommitData,
    DeploymentData,
    Errors,
    field_clean,
    fields_check,
    join,
    key_clean,
    keys_clean,
    sha_clean,
    slug_clean,
    timestamp_clean,
)

DEPLOYMENT_FIELDS = {
    "id",
    "displayTitle",
    "result",
    "environment",
    "originalEnvironment",
    "name",
    "url",
    "createdDate",
    "startedDate",
    "finishedDate",
    "deploymentCommits",
    # Ours: DevLake has no teams or features.
    "team",
    "features",
}
COMMIT_FIELDS = {
    "repoUrl",
    "repoId",
    "refName",
    "commitSha",
    "commitMsg",
    "commitAuthoredDate",
    "displayTitle",
    "name",
    "result",
    "status",
    "createdDate",
    "startedDate",
    "finishedDate",
}
ENVIRONMENTS = DEVLAKE_ENVIRONMENTS
RESULTS = DEVLAKE_RESULTS
TEXT_MAX = 2000


def _enum(value: Any, path: str, errors: Errors, mapping: dict[str, str], default: str) -> str | None:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.isascii() and value.lower() in mapping:
        return mapping[value.lower()]
    errors[path] = "must be one of (any case): " + ", ".join(sorted(k.upper() for k in mapping))
    return None


def _optional_text(obj: dict[str, Any], name: str, path: str, errors: Errors) -> None:
    value = obj.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > TEXT_MAX or "\x00" in value):
        errors[join(path, name)] = f"must be a string of at most {TEXT_MAX} characters, without NUL"


def _commit(
    item: Any, path: str, deployment_started: datetime | None, started_invalid: bool, errors: Errors
) -> CommitData | None:
    obj = fields_check(item, path, errors, allowed=COMMIT_FIELDS, required={"commitSha", "repoUrl"})
    if obj is None:
        return None
    for name in ("repoUrl", "repoId", "refName", "commitMsg", "displayTitle", "name", "result", "status"):
        _optional_text(obj, name, path, errors)
    for name in ("createdDate", "finishedDate"):
        field_clean(obj, name, errors, timestamp_clean, path=path)
    sha = field_clean(obj, "commitSha", errors, sha_clean, path=path)
    # authored_at: the commit's own authored date when sent, else when its deployment started.
    authored = None
    for name in ("commitAuthoredDate", "startedDate"):
        parsed = field_clean(obj, name, errors, timestamp_clean, path=path)
        authored = authored or parsed
    if authored is None and not any(obj.get(n) is not None for n in ("commitAuthoredDate", "startedDate")):
        if deployment_started is None:
            if not started_invalid:
                errors[join(path, "commitAuthoredDate")] = (
                    "is required when neither this commit nor the deployment has a startedDate"
                )
            return None
        authored = deployment_started
    if sha is None or authored is None:
        return None
    return CommitData(sha=sha, authored_at=authored)


def devlake_clean(payload: Any, *, team: str | None = None) -> DeploymentData | Errors:
    """DevLake's deployment payload as our DeploymentData; `team` comes from the query string."""
    errors: Errors = {}
    obj = fields_check(
        payload, "", errors, allowed=DEPLOYMENT_FIELDS, required={"finishedDate", "deploymentCommits"}
    )
    if obj is None:
        return errors
    key = field_clean(obj, "id", errors, key_clean)
    body_team = obj.get("team")
    if team is not None and body_team is not None and body_team != team:
        errors["team"] = "differs from the team query parameter"
    team_slug = (
        slug_clean(team if team is not None else body_team, "team", errors) if (team or body_team) else None
    )
    if team_slug is None and "team" not in errors:
        errors["team"] = (
            'is required: add ?team=<team slug> to the URL or a "team" field (DevLake has no teams)'
        )
    environment = _enum(obj.get("environment"), "environment", errors, ENVIRONMENTS, "production")
    result = _enum(obj.get("result"), "result", errors, RESULTS, "success")
    for name in ("displayTitle", "name", "url", "originalEnvironment"):
        _optional_text(obj, name, "", errors)
    field_clean(obj, "createdDate", errors, timestamp_clean)
    started = field_clean(obj, "startedDate", errors, timestamp_clean)
    finished = field_clean(obj, "finishedDate", errors, timestamp_clean)
    if started and finished and finished < started:
        errors["finishedDate"] = "must not be before startedDate"
    commits: list[CommitData] = []
    raw_commits = obj.get("deploymentCommits")
    if raw_commits is not None:
        if not isinstance(raw_commits, list) or not raw_commits:
            errors["deploymentCommits"] = "must be a non-empty list of commits"
        elif len(raw_commits) > MAX_COMMITS:
            errors["deploymentCommits"] = f"must hold at most {MAX_COMMITS} commits"
        else:
            seen: set[str] = set()
            for index, item in enumerate(raw_commits):
                path = join("deploymentCommits", index)
                commit = _commit(item, path, started, "startedDate" in errors, errors)
                if commit is None:
                    continue
                # DevLake keys commits by (repoUrl, sha); we keep one row per sha in a deployment.
                if commit.sha not in seen:
                    seen.add(commit.sha)
                    commits.append(commit)
    features = keys_clean(obj.get("features"), "features", errors)
    if errors:
        return errors
    if team_slug is None or environment is None or result is None or finished is None:
        return errors  # unreachable: each None above recorded an error
    return DeploymentData(
        key=key,
        team=team_slug,
        environment=environment,
        result=result,
        finished_at=finished,
        commits=tuple(commits),
        features=features,
    )
