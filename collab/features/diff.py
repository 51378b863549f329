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
    """Old → new with removed words in <del class="diff-old"> and added ones in <ins class="diff-new">."""
    a, b = _tokens(old or ""), _tokens(new or "")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f'<del class="diff-old">{escape("".join(a[i1:i2]))}</del>')
        if op in ("insert", "replace"):
            out.append(f'<ins class="diff-new">{escape("".join(b[j1:j2]))}</ins>')
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
