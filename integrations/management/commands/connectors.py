"""`connectors add ORG PROVIDER [--team T] [--name N]`, `connectors list ORG`, `connectors process`."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from collab.models import Organisation, Team
from integrations import backfill, history, selectors, services, tracker_history
from integrations.models import Connection


def _path(provider: str, pk: Any) -> str:
    return reverse("integrations:hook", kwargs={"provider": provider, "connection_id": pk})


class Command(BaseCommand):
    help = (
        "Manage the connections of outside products (GitHub, GitLab, PagerDuty, Opsgenie, Jira, Linear) "
        "and their deliveries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a connection; prints its id, webhook path and secret as JSON.")
        add.add_argument("org_slug")
        add.add_argument("provider", choices=sorted(services.PROVIDERS))
        add.add_argument("--team", dest="team_slug")
        add.add_argument("--name")
        listing = sub.add_parser("list", help="List an organisation's connections as JSON.")
        listing.add_argument("org_slug")
        sub.add_parser("process", help="Process every delivery still pending.")
        backfill = sub.add_parser(
            "backfill",
            help="Read a connection's history through the provider's REST API: a GitHub repository's or a "
            "GitLab project's past deployments with their commits, a PagerDuty or Opsgenie connection's "
            "past incidents, a Jira or Linear connection's existing issues (--jql, --filter). The read "
            "token comes from --token or $GITHUB_TOKEN, $GITLAB_TOKEN, $PAGERDUTY_TOKEN, $OPSGENIE_TOKEN, "
            "$JIRA_TOKEN, $LINEAR_TOKEN (Jira and Linear: else the connection's own).",
        )
        backfill.add_argument("connection_id")
        backfill.add_argument("repository", nargs="?", help="GitHub owner/name or GitLab group/project")
        backfill.add_argument("--days", type=int, default=90, help="how many days back (not GitHub)")
        backfill.add_argument("--token", help="a read-only token of the provider's REST API")
        backfill.add_argument(
            "--base-url", help="a self-managed GitLab (https://gitlab.example.com) or Opsgenie's EU API"
        )
        backfill.add_argument(
            "--jql", default="", help="Jira: which issues (default: the connection's project)"
        )
        backfill.add_argument(
            "--filter", default="", help="Linear: an IssueFilter as JSON (default: the connection's team)"
        )

    def _org(self, slug: str) -> Organisation:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"no organisation '{slug}'")
        return org

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            org = self._org(options["org_slug"])
            team = None
            if options["team_slug"]:
                team = Team.objects.filter(org=org, slug=options["team_slug"]).first()
                if team is None:
                    raise CommandError(f"no team '{options['team_slug']}' in {org.slug}")
            provider = options["provider"]
            connection, secret = services.connection_create(
                org=org, provider=provider, name=options["name"] or provider, team=team
            )
            out = {
                "id": str(connection.pk),
                "provider": provider,
                "path": _path(provider, connection.pk),
                "secret": secret,
            }
            self.stdout.write(json.dumps(out))
        elif action == "list":
            org = self._org(options["org_slug"])
            rows = [
                {
                    "id": str(c.pk),
                    "provider": c.provider,
                    "name": c.name,
                    "team": c.team.slug if c.team else None,
                    "paused": c.paused,
                    "path": _path(c.provider, c.pk),
                }
                for c in selectors.connection_list(org=org)
            ]
            self.stdout.write(json.dumps(rows))
        elif action == "backfill":
            self._backfill(options["connection_id"], options)
        else:
            count = services.deliveries_process_pending()
            self.stdout.write(json.dumps({"processed": count}))

    def _backfill(self, connection_id: str, options: dict[str, Any]) -> None:
        try:
            connection = (
                Connection.objects.filter(pk=uuid.UUID(connection_id)).select_related("org", "team").first()
            )
        except ValueError:
            connection = None
        if connection is None:
            raise CommandError(f"no connection '{connection_id}'")
        if connection.is_tracker:
            self._tracker_backfill(connection, options)
            return
        provider = connection.provider
        token = options["token"] or os.environ.get(f"{provider.upper()}_TOKEN", "")
        if not token:
            raise CommandError(f"set {provider.upper()}_TOKEN (or --token) to a read-only API token")
        base = {"base_url": options["base_url"]} if options["base_url"] else {}
        if provider in {"github", "gitlab"} and not options["repository"]:
            raise CommandError("name the repository: backfill CONNECTION_ID owner/name")
        try:
            if provider == "pagerduty":
                result = backfill.pagerduty_backfill(connection=connection, token=token, days=options["days"])
            elif provider == "opsgenie":
                result = history.opsgenie_backfill(
                    connection=connection, token=token, days=options["days"], **base
                )
            elif provider == "gitlab":
                result = history.gitlab_backfill(
                    connection=connection,
                    token=token,
                    project=options["repository"],
                    days=options["days"],
                    **base,
                )
            elif provider == "github":
                result = backfill.github_backfill(
                    connection=connection, token=token, repository=options["repository"]
                )
            else:
                raise CommandError(f"{provider} connections have no history to read")
        except (backfill.BackfillError, httpx.HTTPError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result))

    def _tracker_backfill(self, connection: Connection, options: dict[str, Any]) -> None:
        """Run the import here (the connection page shows its progress meanwhile)."""
        query = options["jql"] if connection.provider == "jira" else options["filter"]
        env = "JIRA_TOKEN" if connection.provider == "jira" else "LINEAR_TOKEN"
        token = options["token"] or os.environ.get(env, "")
        if not token and not connection.token_encrypted:
            raise CommandError(f"set the connection's API token, {env} or --token")
        try:
            tracker_history.backfill_start(connection=connection, query=query, later=False)
        except tracker_history.HistoryError as exc:
            raise CommandError(f"{exc.code} {exc.detail}".strip()) from None
        result = tracker_history.backfill_run(connection_id=connection.pk, token=token)
        if result is None:
            raise CommandError("the import did not run")
        out = {
            "state": result.state,
            "read": result.done,
            "total": result.total,
            "recorded": result.recorded,
            "skipped": result.skipped,
            "unmapped_statuses": result.unmapped_statuses,
        }
        if result.state == result.State.FAILED:
            raise CommandError(json.dumps({**out, "error": result.error, "detail": result.detail}))
        self.stdout.write(json.dumps(out))
