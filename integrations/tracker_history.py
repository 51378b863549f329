"""A tracker's existing issues, imported with its API token: Jira through a JQL query, Linear through
an IssueFilter; each issue is recorded exactly as its webhook would (a later webhook changes the same
feature). Progress is kept in `Backfill`, which the connection page reads."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from integrations import jira, linear, reasons, services, trackers
from integrations.mapping import Malformed
from integrations.models import Backfill, Connection

logger = logging.getLogger(__name__)

UNMAPPED_STATUSES_MAX = 200


class HistoryError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail[:300]


def query_check(connection: Connection, query: str) -> str:
    """The query as given (blank: the connection's default); a Linear filter must be a JSON object."""
    query = query.strip()
    if connection.provider == "linear" and query:
        try:
            value = json.loads(query)
        except ValueError:
            raise HistoryError(reasons.MALFORMED, "filter") from None
        if not isinstance(value, dict):
            raise HistoryError(reasons.MALFORMED, "filter")
    return query


def _enqueue(connection_id: str) -> None:
    from integrations.tasks import tracker_backfill

    tracker_backfill.delay(connection_id=connection_id)


@transaction.atomic
def backfill_start(*, connection: Connection, query: str = "", later: bool = True) -> Backfill:
    """A new run of the import (the previous one's counts are reset); with `later`, a Celery task
    runs it after commit."""
    if not connection.is_tracker:
        raise HistoryError(reasons.EVENT_NOT_USED, connection.provider)
    query = query_check(connection, query)
    backfill = Backfill.restart(connection, query)
    if later:
        transaction.on_commit(partial(_enqueue, str(connection.pk)), robust=True)
    return backfill


def _pages(
    connection: Connection, token: str, query: str, backfill: Backfill
) -> Iterator[list[trackers.Issue]]:
    if connection.provider == "jira":
        jql = query or jira.default_jql(connection)
        estimate = trackers.Settings.of(connection).estimate_field
        with jira.client(connection, token) as http:
            backfill.total = jira.count(http, jql)
            backfill.save(update_fields=["total"])
            for page in jira.search(http, jql, estimate):
                yield [_or_none(jira.issue_of, connection, issue) for issue in page]  # type: ignore[misc]
    else:
        issue_filter = json.loads(query) if query else linear.default_filter(connection)
        with linear.client(token) as http:
            for page in linear.search(http, issue_filter):
                yield [_or_none(linear.issue_of, connection, node) for node in page]  # type: ignore[misc]


def _or_none(read: Any, connection: Connection, raw: Any) -> trackers.Issue | None:
    try:
        issue: trackers.Issue = read(connection, raw)
    except Malformed as exc:
        logger.warning("issue skipped: %s", exc)
        return None
    return issue


def _record(
    connection: Connection, issue: trackers.Issue | None, backfill: Backfill, unmapped: set[str]
) -> None:
    if issue is None:
        backfill.skipped += 1
        return
    try:
        with transaction.atomic():
            outcome = trackers.record(connection, issue)
    except (DataError, IntegrityError, ValueError) as exc:
        logger.warning("issue %s skipped: %s", issue.key, type(exc).__name__)
        backfill.skipped += 1
        return
    if outcome.status == "recorded":
        backfill.recorded += 1
    else:
        backfill.skipped += 1
    if outcome.reason == reasons.UNMAPPED_STATUS and len(unmapped) < UNMAPPED_STATUSES_MAX:
        unmapped.add(outcome.detail)


def backfill_run(*, connection_id: Any, token: str = "") -> Backfill | None:
    """Run the import queued for a connection; its progress is saved after every page."""
    connection = Connection.objects.select_related("org", "team").filter(pk=connection_id).first()
    backfill = Backfill.objects.filter(connection_id=connection_id).first()
    if connection is None or backfill is None or backfill.state == Backfill.State.RUNNING:
        return backfill
    backfill.state, backfill.started_at = Backfill.State.RUNNING, timezone.now()
    backfill.save(update_fields=["state", "started_at"])
    unmapped: set[str] = set()
    token = token or services.connection_token(connection)
    try:
        if not token:
            raise HistoryError(reasons.NO_TOKEN)
        for page in _pages(connection, token, backfill.query, backfill):
            for issue in page:
                _record(connection, issue, backfill, unmapped)
                backfill.done += 1
            backfill.unmapped_statuses = sorted(unmapped)
            backfill.save(update_fields=["done", "recorded", "skipped", "unmapped_statuses"])
    except (HistoryError, jira.JiraError, linear.LinearError) as exc:
        backfill.fail(exc.code, exc.detail)
    except SoftTimeLimitExceeded:
        backfill.fail(reasons.HISTORY_TOO_LONG)
    except httpx.HTTPError as exc:
        backfill.fail(reasons.TRACKER_UNREACHABLE, type(exc).__name__)
    else:
        backfill.state = Backfill.State.DONE
    backfill.finished_at = timezone.now()
    backfill.unmapped_statuses = sorted(unmapped)
    backfill.save()
    return backfill
