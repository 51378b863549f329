from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from config.msgfmt import parse_po

ROOT = Path(settings.BASE_DIR)
APPS = ("collab", "delivery", "rituals", "productops", "metrics", "integrations", "workspace")


def catalogues() -> list[Path]:
    return sorted(p for p in ROOT.rglob("django.po") if ".venv" not in p.parts and ".data" not in p.parts)


def test_one_catalogue_per_app_and_one_for_the_shell():
    allowed = {ROOT / "locale"} | {ROOT / app / "locale" for app in APPS}
    assert {p.parents[2] for p in catalogues()} <= allowed


def test_a_msgid_has_one_translation_across_catalogues():
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in catalogues():
        for msgid, msgstr in parse_po(path.read_text(encoding="utf-8")).items():
            if msgid:
                seen[msgid][msgstr].append(str(path.relative_to(ROOT)))
    conflicts = {msgid: dict(found) for msgid, found in seen.items() if len(found) > 1}
    assert conflicts == {}


def _entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header, plural forms joined."""
    import ast

    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            if not line or line.startswith("#"):
                continue
            if line.startswith('"'):
                if current:
                    fields[current].append(line)
                continue
            current, _, rest = line.partition(" ")
            fields[current] = [rest]
        if "msgid" not in fields:
            continue
        msgid = "".join(ast.literal_eval(c) for c in fields["msgid"])
        if not msgid:
            continue
        strs = [k for k in fields if k.startswith("msgstr")]
        msgstr = "\x00".join("".join(ast.literal_eval(c) for c in fields[k]) for k in sorted(strs))
        if "msgid_plural" in fields:
            msgid += "\x00" + "".join(ast.literal_eval(c) for c in fields["msgid_plural"])
        entries.append((msgid, msgstr, fuzzy))
    return entries


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def test_every_french_msgid_is_translated_with_the_same_placeholders():
    problems = []
    for path in catalogues():
        for msgid, msgstr, fuzzy in _entries(path):
            where = f"{path.relative_to(ROOT)}: {msgid[:60]!r}"
            if fuzzy or not all(msgstr.split("\x00")):
                problems.append(f"{where} is not translated")
                continue
            source = sorted(m.group(0) for m in PLACEHOLDER.finditer(msgid.split("\x00")[-1]))
            for form in msgstr.split("\x00"):
                if sorted(m.group(0) for m in PLACEHOLDER.finditer(form)) != source and not (
                    "\x00" in msgid and set(m.group(0) for m in PLACEHOLDER.finditer(form)) <= set(source)
                ):
                    problems.append(f"{where}: placeholders differ in {form[:60]!r}")
    assert problems == []
