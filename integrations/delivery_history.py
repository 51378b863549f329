"""History of a delivery connection (GitHub, GitLab, PagerDuty, Opsgenie) started from its page: the
read token is kept encrypted on the connection, a Celery task reads the provider's REST API and the
page follows the run's progress in `Backfill`, as a tracker's import does."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from integrations import backfill, history, reasons, services
from integrations.models import Backfill, Connection

logger = logging.getLogger(__name__)

PROVIDERS = {"github", "gitlab", "pagerduty", "opsgenie"}
NEEDS_SOURCE = {"github", "gitlab"}  # a repository (owner/name) or a project (group/name)
MAX_DAYS = {"gitlab": history.MAX_DAYS, "opsgenie": history.MAX_DAYS, "pagerduty": backfill.MAX_DAYS}


class _Counter:
    """Saves the run's counts every few items, so the page's progress bar moves."""

    EVERY = 10

    def __init__(self, run: Backfill) -> None:
        self.run = run

    def total(self, count: int) -> None:
        self.run.total = count
        self.run.save(update_fields=["total"])

    def item(self, recorded: bool) -> None:
        self.run.done += 1
        if recorded:
            self.run.recorded += 1
        else:
            self.run.skipped += 1
        if self.run.done % self.EVERY == 0:
            self.run.save(update_fields=["done", "recorded", "skipped"])


def _enqueue(connection_id: str) -> None:
    from integrations.tasks import connection_history

    connection_history.delay(connection_id=connection_id)


@transaction.atomic
def history_start(*, connection: Connection, source: str = "", days: int = 90, token: str = "") -> Backfill:
    """Queue a run (a new token replaces the stored one); a Celery task runs it after commit."""
    if connection.provider not in PROVIDERS:
        raise ValueError(connection.provider)
    if token.strip():
        services.connection_set_token(connection=connection, token=token)
    run = Backfill.restart(connection, json.dumps({"source": source.strip(), "days": days}))
    transaction.on_commit(partial(_enqueue, str(connection.pk)), robust=True)
    return run


def last_query(run: Backfill | None) -> dict[str, Any]:
    """The previous run's repository and days, to fill the form again (never the token)."""
    try:
        query = json.loads(run.query) if run and run.query else {}
    except ValueError:
        return {}
    return {k: query[k] for k in ("source", "days") if isinstance(query, dict) and query.get(k)}


def _read(connection: Connection, token: str, query: dict[str, Any], counter: _Counter) -> None:
    source, days = str(query.get("source") or ""), int(query.get("days") or 90)
    provider = connection.provider
    if provider == "github":
        backfill.github_backfill(connection=connection, token=token, repository=source, progress=counter)
    elif provider == "gitlab":
        history.gitlab_backfill(
            connection=connection, token=token, project=source, days=days, progress=counter
        )
    elif provider == "pagerduty":
        backfill.pagerduty_backfill(connection=connection, token=token, days=days, progress=counter)
    else:
        history.opsgenie_backfill(connection=connection, token=token, days=days, progress=counter)


def history_run(*, connection_id: Any) -> Backfill | None:
    """Run the history queued for a connection; a refusal of the provider is kept with its reason."""
    connection = Connection.objects.select_related("org", "team").filter(pk=connection_id).first()
    run = Backfill.objects.filter(connection_id=connection_id).first()
    if connection is None or run is None or run.state == Backfill.State.RUNNING:
        return run
    run.state, run.started_at = Backfill.State.RUNNING, timezone.now()
    run.save(update_fields=["state", "started_at"])
    token = services.connection_token(connection)
    try:
        query = json.loads(run.query or "{}")
        if not token:
            raise backfill.BackfillError("")
        _read(connection, token, query if isinstance(query, dict) else {}, _Counter(run))
    except backfill.BackfillError as exc:
        run.fail(reasons.HISTORY_REFUSED if token else reasons.NO_TOKEN, str(exc))
    except SoftTimeLimitExceeded:
        run.fail(reasons.HISTORY_TOO_LONG)
    except httpx.HTTPError as exc:
        run.fail(reasons.TRACKER_UNREACHABLE, type(exc).__name__)
    else:
        run.state = Backfill.State.DONE
    run.finished_at = timezone.now()
    run.save()
    logger.info("history of connection %s: %s", connection.pk, run.state)
    return run
