"""Compile every `django.po` of the project to `.mo` without GNU gettext (`python -m config.msgfmt`).

A fresh machine has Python but maybe not `msgfmt`; the catalogues are small, so a pure-Python
compiler keeps the quick start to "Python 3.11 and make". Fuzzy and untranslated entries are skipped,
as msgfmt does.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", ".data"}


def _unquote(chunks: list[str]) -> str:
    return "".join(ast.literal_eval(chunk) for chunk in chunks)


def parse_po(text: str) -> dict[str, str]:
    """Return {msgid (with context/plural encoded as gettext does): msgstr}."""
    messages: dict[str, str] = {}
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if fuzzy and 'msgid ""' not in lines:
            continue
        fields: dict[str, list[str]] = {}
        current: str | None = None
        for line in lines:
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                if current is not None:
                    fields[current].append(line)
                continue
            key, _, rest = line.partition(" ")
            current = key
            fields[current] = [rest]
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if "msgctxt" in fields:
            msgid = _unquote(fields["msgctxt"]) + "\x04" + msgid
        if "msgid_plural" in fields:
            forms = [_unquote(fields[k]) for k in sorted(k for k in fields if k.startswith("msgstr["))]
            if not all(forms):
                continue
            messages[msgid + "\x00" + _unquote(fields["msgid_plural"])] = "\x00".join(forms)
        else:
            msgstr = _unquote(fields.get("msgstr", ['""']))
            if msgstr or msgid == "":
                messages[msgid] = msgstr
    return messages


def write_mo(messages: dict[str, str], path: Path) -> None:
    keys = sorted(messages)
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + len(keys) * 8
    data_start = strs_table + len(keys) * 8
    offsets: list[tuple[int, int]] = []
    blob = b""
    for item in ids + strs:
        offsets.append((len(item), data_start + len(blob)))
        blob += item + b"\x00"
    output = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    for length, offset in offsets:
        output += struct.pack("<2I", length, offset)
    path.write_bytes(output + blob)


def main() -> int:
    count = 0
    for po in ROOT.rglob("django.po"):
        if SKIP_DIRS & set(po.relative_to(ROOT).parts):
            continue
        write_mo(parse_po(po.read_text(encoding="utf-8")), po.with_suffix(".mo"))
        count += 1
    sys.stdout.write(f"compiled {count} catalogue(s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
