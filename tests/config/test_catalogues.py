from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from django.conf import settings

from config.msgfmt import parse_po

ROOT = Path(settings.BASE_DIR)
APPS = ("collab", "delivery", "rituals", "metrics", "integrations", "workspace")


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
