"""A readable, word-level diff of spec revisions (difflib), as escaped HTML with
<del class="diff-old"> and <ins class="diff-new"> marks."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from collab.features.specfields import as_text, field_label

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> SafeString:
    """Old → new with removed words in <del class="diff-old"> and added ones in <ins class="diff-new">.
    A lone space between two changes joins them, so "a flag" → "two flags" reads as one change."""
    a, b = _tokens(old or ""), _tokens(new or "")
    segments: list[tuple[bool, str, str]] = []  # (changed, old text, new text)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        segments.append((op != "equal", "".join(a[i1:i2]), "".join(b[j1:j2])))
    merged: list[tuple[bool, str, str]] = []
    for index, (changed, old_text, new_text) in enumerate(segments):
        between_changes = 0 < index < len(segments) - 1 and segments[index - 1][0] and segments[index + 1][0]
        if not changed and between_changes and not old_text.strip():
            changed = True
        if changed and merged and merged[-1][0]:
            merged[-1] = (True, merged[-1][1] + old_text, merged[-1][2] + new_text)
        else:
            merged.append((changed, old_text, new_text))
    out: list[str] = []
    for changed, old_text, new_text in merged:
        if not changed:
            out.append(escape(old_text))
            continue
        if old_text:
            out.append(f'<del class="diff-old">{escape(old_text)}</del>')
        if new_text:
            out.append(f'<ins class="diff-new">{escape(new_text)}</ins>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    old_text: str
    new_text: str
    html: SafeString


def changes_diff(changes: dict[str, Any]) -> list[FieldDiff]:
    """The {field: {old, new}} of a revision as one readable diff per field."""
    result = []
    for name, change in (changes or {}).items():
        if not isinstance(change, dict):
            continue
        old_text, new_text = as_text(name, change.get("old")), as_text(name, change.get("new"))
        result.append(FieldDiff(name, field_label(name), old_text, new_text, word_diff(old_text, new_text)))
    return result
