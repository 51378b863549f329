"""`manage.py demo`: the whole app with demo data — migrate, load the demo organisation, start a
Celery worker and beat as child processes, serve it, print one login per role. Ctrl-C stops every
process it started (and the embedded PostgreSQL/Redis, when it started them).

`manage.py demo --check` boots the same stack, logs in over HTTP, requests the main pages, makes one
Celery round trip, and exits 0, or 1 with the reason."""

from __future__ import annotations

import signal
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from collab.models import Organisation, User
from workspace.demo_stack import Stack, celery_round_trip, check_pages, wait_for_worker

DEMO_PASSWORD = "rituals-demo"  # noqa: S105 - printed on screen for the demo logins
DEMO_SLUG = "acme"


def load_demo_organisation(*, stdout: Any = None) -> Organisation:
    """Load the demo organisation from its workspace document unless it is already there."""
    from workspace.demo import build_demo_document
    from workspace.demo.codes import demo_codes_apply
    from workspace.demo.schedules import demo_schedules_create
    from workspace.importer import import_workspace

    org = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if org is None:
        if stdout:
            stdout.write("Loading the demo organisation (six months of history)…")
        org = import_workspace(build_demo_document(today=date.today()))  # noqa: DTZ011 - the demo ends last week, locally
        demo_codes_apply(org)
        prepare_upcoming_syncs(org)
    demo_schedules_create(org)  # also for a demo loaded before the schedules existed
    with transaction.atomic():
        for user in User.objects.filter(memberships__org=org).distinct():
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
    return org


def prepare_upcoming_syncs(org: Organisation) -> None:
    """Pre-fill the agenda of the demo's next syncs, as a facilitator would before the meeting."""
    from rituals.models import Sync
    from rituals.syncs.services import sync_prepare

    for sync in Sync.objects.filter(org=org, status=Sync.Status.SCHEDULED).select_related("team"):
        sync_prepare(sync)


def recompute_metrics(org: Organisation) -> None:
    try:
        call_command("metrics", "recompute", "--org", org.slug, verbosity=0)
    except (CommandError, LookupError, ImportError):  # metrics command not installed yet
        return


def demo_logins() -> list[tuple[str, str]]:
    from workspace.demo import DEMO_LOGINS

    return list(DEMO_LOGINS)


WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def demo_login_lines(org: Organisation) -> list[str]:
    """One login per role, each saying which team's sync that person facilitates; then the
    facilitators of the other teams' syncs."""
    from rituals.models import SyncSchedule

    runs: dict[str, list[str]] = {}
    roles: dict[str, str] = {}
    for schedule in (
        SyncSchedule.objects.filter(org=org, active=True, facilitator__isnull=False)
        .select_related("team", "facilitator__user")
        .order_by("team__name")
    ):
        assert schedule.facilitator is not None
        what = (
            f"facilitates {schedule.team.name}'s {schedule.get_ritual_display()} "
            f"({WEEKDAYS[schedule.weekday]} {schedule.time:%H:%M})"
        )
        email = schedule.facilitator.user.email.lower()
        runs.setdefault(email, []).append(what)
        roles[email] = schedule.facilitator.role
    logins = demo_logins()
    width = max(len(email) for _role, email in logins)
    lines = [f"Demo logins (password: {DEMO_PASSWORD}):"]
    for role, email in logins:
        lines.append(f"  {role:<20} {email:<{width}}  {'; '.join(runs.pop(email.lower(), []))}".rstrip())
    if runs:
        lines.append("The other teams' syncs are facilitated by:")
        for other, texts in sorted(runs.items()):
            lines.append(f"  {roles[other]:<20} {other:<{width}}  {'; '.join(texts)}")
    return lines


class Command(BaseCommand):
    help = "Run the app with demo data, a Celery worker and beat; --check boots it and verifies it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="boot, verify, stop; exit 0 or 1")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--verbose", action="store_true", help="show the worker's, beat's and web server's output here"
        )

    def handle(
        self, *args: Any, check: bool, host: str, port: int, verbose: bool = False, **options: Any
    ) -> None:
        log_dir = None if verbose else Path(settings.BASE_DIR) / ".data" / "logs"
        stack = Stack(host=host, port=port, log_dir=log_dir)

        def stop_on_signal(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop_on_signal)
        try:
            self.stdout.write("Migrating the database…")
            call_command("migrate", interactive=False, verbosity=0)
            org = load_demo_organisation(stdout=self.stdout)
            self.stdout.write("Starting the Celery worker, beat and the web server…")
            stack.start_worker(quiet=check)
            stack.start_beat(quiet=check)
            stack.start_web(quiet=check)
            wait_for_worker()
            self.stdout.write("Computing the dashboards…")
            recompute_metrics(org)
            stack.wait_for_web()
            if check:
                self._check(stack)
                return
            self._print_welcome(stack, org)
            while True:
                stack.assert_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        except RuntimeError as exc:
            self.stderr.write(self.style.ERROR(f"demo: {exc}"))
            stack.stop()
            self._stop_embedded()
            sys.exit(1)
        finally:
            stack.stop()
        self._stop_embedded()

    def _check(self, stack: Stack) -> None:
        problems: list[str] = []
        try:
            celery_round_trip()
        except Exception as exc:  # noqa: BLE001 - any failure of the round trip is the reason we report
            problems.append(f"Celery round trip failed: {exc!r}")
        email = dict(demo_logins()).get("product_ops") or demo_logins()[0][1]
        problems += check_pages(stack.url, email, DEMO_PASSWORD)
        stack.stop()
        self._stop_embedded()
        if problems:
            for problem in problems:
                self.stderr.write(self.style.ERROR(f"demo --check: {problem}"))
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS("demo --check: pages, login, Celery round trip and /healthz all OK")
        )

    def _print_welcome(self, stack: Stack, org: Organisation) -> None:
        """The address, where the logs are, then the logins: the last thing on the screen."""
        self.stdout.write(
            self.style.SUCCESS(f"\nThe demo is running on {stack.url}/  (Ctrl-C stops everything)")
        )
        if stack.log_dir is not None:
            self.stdout.write(
                f"Worker, beat and web server logs: {stack.log_dir}/ (--verbose shows them here)"
            )
        self.stdout.write("")
        for line in demo_login_lines(org):
            self.stdout.write(line)
        self.stdout.write("")

    @staticmethod
    def _stop_embedded() -> None:
        from workspace.embedded import stop_embedded

        stop_embedded()
