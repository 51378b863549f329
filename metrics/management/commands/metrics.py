"""`manage.py metrics compute --org SLUG --from WEEK --to WEEK [--team SLUG] [--json]` and
`manage.py metrics recompute [--org SLUG]`.

`compute` reads the raw tables (not the snapshots) and prints every metric over the window, for
each team and the organisation (or one team): a JSON list of metric results with `--json`, a table
otherwise. `recompute` rebuilds the stored snapshots now, on this process, and says what it did.
Errors (unknown organisation or team, a bad week) go to stderr with exit status 1."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from collab.models import Organisation, Team
from metrics import services
from metrics.computations import METADATA, METRICS


class Command(BaseCommand):
    help = "Compute metrics from the raw tables, or rebuild the stored snapshots."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{compute,recompute}")
        compute = actions.add_parser("compute", help="print every metric over a window of ISO weeks")
        compute.add_argument("--org", required=True, metavar="ORG_SLUG")
        compute.add_argument("--from", dest="first_week", required=True, metavar="YYYY-Www")
        compute.add_argument("--to", dest="last_week", required=True, metavar="YYYY-Www")
        compute.add_argument("--team", metavar="TEAM_SLUG", help="only this team (no organisation row)")
        compute.add_argument("--json", action="store_true", help="a JSON list of metric results")
        recompute = actions.add_parser("recompute", help="rebuild the stored snapshots now")
        recompute.add_argument("--org", metavar="ORG_SLUG", help="only this organisation (default: all)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "compute":
            self.compute(options)
        else:
            self.recompute(options.get("org"))

    def compute(self, options: dict[str, Any]) -> None:
        org = self.organisation(options["org"])
        team = None
        if options.get("team"):
            team = Team.objects.filter(org=org, slug=options["team"]).first()
            if team is None:
                raise CommandError(
                    _('No team "%(team)s" in organisation "%(org)s".')
                    % {"team": options["team"], "org": org.slug},
                    returncode=1,
                )
        try:
            results = services.metrics_compute(
                org=org, first_week=options["first_week"], last_week=options["last_week"], team=team
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=1, allow_nan=False))
        else:
            self.stdout.write(table(results))

    def recompute(self, slug: str | None) -> None:
        orgs = [self.organisation(slug)] if slug else list(Organisation.objects.order_by("slug"))
        if not orgs:
            self.stdout.write(_("No organisation to recompute."))
        for org in orgs:
            report = services.org_metrics_refresh(org_id=org.pk)
            if report is not None:
                self.stdout.write(report.summary())

    @staticmethod
    def organisation(slug: str) -> Organisation:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(_('No organisation "%(slug)s".') % {"slug": slug}, returncode=1)
        return org


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}".rstrip("0")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _extra(extra: dict[str, Any]) -> str:
    parts = []
    for key, value in extra.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {_number(v)}" for k, v in value.items()) or "—"
        else:
            value = _number(value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def table(results: list[dict[str, Any]]) -> str:
    """A plain-text table per team, then the organisation, metrics in the engine's order."""
    header = ("metric", "value", "numerator", "denominator", "cohort", "extra")
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault(result["team"], []).append(result)
    blocks = []
    for team, rows in groups.items():
        rows = sorted(rows, key=lambda row: METRICS.index(row["metric"]))
        title = f"{team or 'organisation'} · {rows[0]['from']}..{rows[0]['to']}"
        lines = [
            (
                METADATA[row["metric"]]["label"],
                _number(row["value"]),
                _number(row["numerator"]),
                _number(row["denominator"]),
                str(row["cohort"]),
                _extra(row["extra"]),
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header) - 1)]
        text = [title, "-" * len(title)]
        for line in [header, *lines]:
            cells = [
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=False))
            ]
            text.append("  ".join([*cells, line[-1]]).rstrip())
        blocks.append("\n".join(text))
    return "\n\n".join(blocks) + "\n"
