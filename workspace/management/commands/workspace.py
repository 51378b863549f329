"""`manage.py workspace import FILE.json` and `manage.py workspace export ORG_SLUG`.

Import validates the whole document, then loads all of it or nothing; on bad input it prints every
error (JSON path: message), one per line, on stderr and exits 1. Export prints the document on
stdout (or writes it to `--output`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.models import Organisation
from workspace.common import dump_document
from workspace.exporter import export_workspace
from workspace.importer import WorkspaceImportError, import_workspace, invited_count
from workspace.summary import summarise
from workspace.validation import WorkspaceError, load_workspace_json


class Command(BaseCommand):
    help = "Import or export a whole organisation as a collab-workspace/1 JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importing = actions.add_parser(
            "import", help="load a document into a new organisation (all or nothing)"
        )
        importing.add_argument("file", metavar="FILE.json", help='the document ("-" reads stdin)')
        exporting = actions.add_parser("export", help="print an organisation's document on stdout")
        exporting.add_argument("slug", metavar="ORG_SLUG")
        exporting.add_argument(
            "-o", "--output", metavar="FILE.json", help="write to this file instead of stdout"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self.import_file(options["file"])
        else:
            self.export_org(options["slug"], options.get("output"))

    def import_file(self, name: str) -> None:
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": name, "reason": exc.strerror}, returncode=1
            ) from exc
        doc, errors = load_workspace_json(raw)
        if doc is None:
            self.refuse(errors)
        try:
            org = import_workspace(doc)  # type: ignore[arg-type]
        except WorkspaceImportError as exc:
            self.refuse(exc.errors)
        self.stdout.write(
            _("Loaded organisation %(slug)s (%(name)s):") % {"slug": org.slug, "name": org.name}
        )
        invited = invited_count(org)
        for code, label, count in summarise(doc):  # type: ignore[arg-type]
            self.stdout.write(f"  {label}: {count - invited if code == 'people' else count}")
        if invited:
            self.stdout.write(
                ngettext(
                    "%(count)d person already has an account and was invited.",
                    "%(count)d people already have an account and were invited.",
                    invited,
                )
                % {"count": invited}
            )

    def refuse(self, errors: list[WorkspaceError]) -> None:
        for error in errors:
            self.stderr.write(str(error))
        message = ngettext(
            "The document has %(count)d error; nothing was loaded.",
            "The document has %(count)d errors; nothing was loaded.",
            len(errors),
        ) % {"count": len(errors)}
        raise CommandError(message, returncode=1)

    def export_org(self, slug: str, output: str | None) -> None:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(_('No organisation with the slug "%(slug)s".') % {"slug": slug}, returncode=1)
        text = dump_document(export_workspace(org))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(_("Wrote %(file)s.") % {"file": output})
        else:
            self.stdout.write(text, ending="")
