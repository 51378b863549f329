"""The CSV formats for importing deployments and incidents, and their row checks (pure).

Every row is checked before anything is loaded; each error names its line (the header is line 1)
and its column. Rows reuse the API's validation so a CSV accepts exactly what the API accepts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from delivery.api.validation import (
    SLUG_RE,
    DeploymentData,
    IncidentData,
    deployment_clean,
    incident_clean,
    key_check,
)

DEPLOYMENT_COLUMNS = (
    "key",
    "team",
    "environment",
    "result",
    "finished_at",
    "commit_shas",
    "commit_authored_at",
    "features",
)
INCIDENT_COLUMNS = ("key", "team", "title", "started_at", "resolved_at", "deployment")
COLUMNS = {"deployments": DEPLOYMENT_COLUMNS, "incidents": INCIDENT_COLUMNS}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

EXAMPLES = {
    "deployments": (
        "key,team,environment,result,finished_at,commit_shas,commit_authored_at,features\r\n"
        "D-1001,checkout,production,success,2026-03-02T14:05:00+01:00,"
        "9fceb02 3a1b2c4d,2026-03-01T10:00:00+01:00 2026-03-02T09:30:00+01:00,F-12 F-13\r\n"
        "D-1002,checkout,staging,failure,2026-03-03T09:00:00+01:00,,,\r\n"
        ",search,production,success,2026-03-04T16:20:00Z,b7e23ec,2026-03-04T08:00:00Z,\r\n"
    ),
    "incidents": (
        "key,team,title,started_at,resolved_at,deployment\r\n"
        "INC-7,checkout,Payment page returns 502,2026-03-02T15:00:00+01:00,2026-03-02T15:40:00+01:00,D-1001\r\n"
        "INC-8,search,Slow results after reindex,2026-03-05T11:00:00+01:00,,\r\n"
    ),
}


@dataclass(frozen=True)
class CsvError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class CsvRow:
    """A data row; `data` is None when it has errors. The references it names (when well-formed)
    are kept either way so unknown teams, features and deployments are reported on every row."""

    line: int
    data: DeploymentData | IncidentData | None
    key: str | None = None
    team: str | None = None
    features: tuple[str, ...] = ()
    deployment: str | None = None


def _column_of(path: str, kind: str) -> str:
    head = path.split(".")[0]
    if kind == "deployments" and head == "commits":
        return "commit_authored_at" if path.endswith("authored_at") else "commit_shas"
    return head


def _deployment_payload(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    shas = values["commit_shas"].split()
    authored = values["commit_authored_at"].split()
    if len(shas) != len(authored):
        errors["commit_authored_at"] = _(
            "%(authored)s timestamp(s) for %(shas)s commit sha(s): give one per sha, space-separated"
        ) % {"authored": len(authored), "shas": len(shas)}
    return {
        "key": values["key"] or None,
        "team": values["team"] or None,
        "environment": values["environment"].lower() or None,
        "result": values["result"].lower() or None,
        "finished_at": values["finished_at"] or None,
        "commits": [{"sha": s, "authored_at": a} for s, a in zip(shas, authored, strict=False)],
        "features": values["features"].split(),
    }


def _incident_payload(values: dict[str, str]) -> dict[str, Any]:
    return {
        "key": values["key"] or None,
        "team": values["team"] or None,
        "title": values["title"] or None,
        "started_at": values["started_at"] or None,
        "resolved_at": values["resolved_at"] or None,
        "deployment": values["deployment"] or None,
    }


def _decode(content: bytes) -> str | CsvError:
    if len(content) > MAX_BYTES:
        return CsvError(
            line=0,
            column="",
            message=_("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)},
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return CsvError(
            line=line, column="", message=_("This line is not valid UTF-8; save the file as UTF-8.")
        )
    if "\x00" in text:
        return CsvError(
            line=text[: text.index("\x00")].count("\n") + 1,
            column="",
            message=_("The file contains NUL bytes."),
        )
    return text


def _header(row: list[str], kind: str) -> list[CsvError]:
    expected = COLUMNS[kind]
    names = [cell.strip().lower() for cell in row]
    errors = [CsvError(1, name or "?", _("unknown column")) for name in names if name not in expected]
    errors += [CsvError(1, name, _("column appears twice")) for name in set(names) if names.count(name) > 1]
    errors += [CsvError(1, name, _("missing column")) for name in expected if name not in names]
    return errors


def csv_parse(kind: str, content: bytes) -> tuple[list[CsvRow], list[CsvError]]:
    """The valid rows and every error found (with line and column). Checks everything but
    references to existing records, which `services.csv_import` checks against the database."""
    if kind not in COLUMNS:
        return [], [CsvError(0, "", _("Choose what the file holds: deployments or incidents."))]
    text = _decode(content)
    if isinstance(text, CsvError):
        return [], [text]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [CsvError(1, "", _("Unreadable CSV: %(reason)s.") % {"reason": exc})]
    if not header or not any(cell.strip() for cell in header):
        return [], [
            CsvError(
                1,
                "",
                _("The file is empty; start with the header line: %(header)s")
                % {"header": ",".join(COLUMNS[kind])},
            )
        ]
    errors = _header(header, kind)
    if errors:
        return [], errors
    names = [cell.strip().lower() for cell in header]
    rows: list[CsvRow] = []
    seen_keys: dict[str, int] = {}
    count, previous_end = 0, reader.line_num
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            errors.append(CsvError(reader.line_num, "", _("Unreadable CSV: %(reason)s.") % {"reason": exc}))
            break
        if cells is None:
            break
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            errors.append(
                CsvError(line, "", _("Too many rows: import at most %(n)s per file.") % {"n": MAX_ROWS})
            )
            break
        row, row_errors = _row_check(kind, names, cells, line, seen_keys)
        rows.append(row)
        errors.extend(row_errors)
    if not rows and not errors:
        errors.append(CsvError(2, "", _("The file has a header but no rows.")))
    errors.sort(key=lambda e: e.line)
    return rows, errors


def _mentions(kind: str, values: dict[str, str], line: int, row_errors: dict[str, str]) -> CsvRow:
    def usable(value: str, column: str) -> str | None:
        return value if value and column not in row_errors and key_check(value) is None else None

    team = values["team"] if "team" not in row_errors and SLUG_RE.fullmatch(values["team"]) else None
    if kind == "deployments":
        features = tuple(k for k in values["features"].split() if key_check(k) is None)
        return CsvRow(line=line, data=None, key=usable(values["key"], "key"), team=team, features=features)
    return CsvRow(
        line=line,
        data=None,
        key=usable(values["key"], "key"),
        team=team,
        deployment=usable(values["deployment"], "deployment"),
    )


def _row_check(
    kind: str, names: list[str], cells: list[str], line: int, seen_keys: dict[str, int]
) -> tuple[CsvRow, list[CsvError]]:
    if len(cells) != len(names):
        message = _("Expected %(n)s values, found %(found)s.") % {"n": len(names), "found": len(cells)}
        return CsvRow(line=line, data=None), [CsvError(line, "", message)]
    values = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
    row_errors: dict[str, str] = {}
    if kind == "deployments":
        result: DeploymentData | IncidentData | dict[str, str] = deployment_clean(
            _deployment_payload(values, row_errors)
        )
    else:
        result = incident_clean(_incident_payload(values))
    if isinstance(result, dict):
        row_errors.update(result)
    key = values["key"]
    if key and key in seen_keys:
        row_errors["key"] = _("'%(key)s' is already used on line %(line)s") % {
            "key": key,
            "line": seen_keys[key],
        }
    elif key:
        seen_keys[key] = line
    row = _mentions(kind, values, line, row_errors)
    if row_errors or isinstance(result, dict):
        return row, [CsvError(line, _column_of(path, kind), reason) for path, reason in row_errors.items()]
    return CsvRow(
        line=line, data=result, key=row.key, team=row.team, features=row.features, deployment=row.deployment
    ), []
