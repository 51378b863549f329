"""The CSV format for importing feedback, and its row checks (pure).

Every row is checked before anything is stored; each error names its line (the header is line 1)
and its column, as the delivery CSV import does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

COLUMNS = ("text", "source", "account", "segment", "date")
REQUIRED = ("text", "source", "date")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
SOURCES = ("support", "sales", "interview", "survey", "in_app", "other")
EXAMPLE = (
    "text,source,account,segment,date\r\n"
    '"Exporting to Excel takes three clicks too many",support,Acme,Enterprise,2026-03-02\r\n'
    "We need SSO before we renew,sales,Globex,Enterprise,2026-03-04\r\n"
)


@dataclass(frozen=True)
class CsvError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class FeedbackRow:
    text: str
    source: str
    account: str
    segment: str
    received_on: dt.date


def _row_check(line: int, row: dict[str, str]) -> tuple[FeedbackRow | None, list[CsvError]]:
    values = {column: (row.get(column) or "").strip() for column in COLUMNS}
    errors = [
        CsvError(line, column, _("This column is required.")) for column in REQUIRED if not values[column]
    ]
    if values["source"] and values["source"] not in SOURCES:
        errors.append(CsvError(line, "source", _("Use one of: %(values)s.") % {"values": ", ".join(SOURCES)}))
    received_on = None
    if values["date"]:
        try:
            received_on = dt.date.fromisoformat(values["date"])
        except ValueError:
            errors.append(CsvError(line, "date", _("Write the date as YYYY-MM-DD.")))
    if len(values["account"]) > 200:
        errors.append(CsvError(line, "account", _("At most 200 characters.")))
    if len(values["segment"]) > 100:
        errors.append(CsvError(line, "segment", _("At most 100 characters.")))
    if errors or received_on is None:
        return None, errors
    return (
        FeedbackRow(
            text=values["text"],
            source=values["source"],
            account=values["account"],
            segment=values["segment"],
            received_on=received_on,
        ),
        [],
    )


def parse(content: bytes) -> tuple[list[FeedbackRow], list[CsvError]]:
    """The rows of a feedback CSV, or every error found (then the rows are not to be stored)."""
    if len(content) > MAX_BYTES:
        return [], [CsvError(0, "", _("The file is larger than 2 MB."))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [CsvError(0, "", _("The file is not UTF-8 text."))]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return [], [
            CsvError(1, column, _("The header lacks the column %(column)s.") % {"column": column})
            for column in missing
        ]
    reader.fieldnames = header
    rows: list[FeedbackRow] = []
    errors: list[CsvError] = []
    try:
        for index, raw in enumerate(reader):
            line = reader.line_num
            if index >= MAX_ROWS:
                return [], [CsvError(line, "", _("At most 5000 rows per file."))]
            if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
                continue
            row, row_errors = _row_check(line, raw)
            errors.extend(row_errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        return [], [
            CsvError(reader.line_num, "", _("The file is not valid CSV: %(reason)s") % {"reason": exc})
        ]
    if not rows and not errors:
        errors.append(CsvError(2, "", _("The file has no rows.")))
    return ([] if errors else rows), errors
