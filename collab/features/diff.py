"""A readable, word-level diff of spec revisions, as escaped HTML with <del class="diff-old"> and
<ins class="diff-new"> marks.

The work is bounded: common head and tail are taken off, then Myers' O((N+M)·D) algorithm runs with
a budget of steps (`WORK_BUDGET`). When the words differ too much for the budget, the same is tried
line by line, and past that the differing middle shows as one replacement. So the cost of a diff
grows linearly with the text, whatever is typed (difflib's matcher is quadratic: a 100 KB field
took over a minute). Plain-text fields are diffed once, when the revision is saved, and the
segments stored on the revision (`SpecRevision.diff`), so the history page only renders them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from collab.features.specfields import TEXT_FIELDS, as_text, field_label

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
WORK_BUDGET = 200_000  # steps of one Myers run (frontier moves + matched tokens), about 0.1 s

# A segment: an unchanged run of text (str) or a change [old text, new text].
Segment = str | list[str]
Opcode = tuple[bool, int, int, int, int]  # (changed, i1, i2, j1, j2)


class _OverBudget(Exception):  # noqa: N818 - internal signal, never leaves this module
    pass


@dataclass
class Work:
    """Steps spent, across the runs of one diff (read by tests and the bench)."""

    steps: int = 0
    runs: list[str] = field(default_factory=list)  # "words", "lines", "replace": what was used


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _myers(a: Sequence[str], b: Sequence[str], work: Work, budget: int) -> list[Opcode]:
    """Shortest edit script of a → b as opcodes; raises _OverBudget after `budget` steps."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return [(True, 0, n, 0, m)] if n or m else []
    limit = work.steps + budget
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    found = False
    for d in range(n + m + 1):
        trace.append(v[offset - d : offset + d + 1])  # the frontier before step d, diagonals -d..d
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[offset + k] = x
            work.steps += 1 + x - start
            if work.steps > limit:
                raise _OverBudget
            if x >= n and y >= m:
                found = True
                break
        if found:
            break
    # Walk back through the frontiers: each step d is one insertion or deletion, then a snake.
    moves: list[Opcode] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        frontier = trace[d]  # after step d - 1, diagonals -d..d at index k + d
        k = x - y
        down = k == -d or (k != d and frontier[k - 1 + d] < frontier[k + 1 + d])
        prev_k = k + 1 if down else k - 1
        prev_x = frontier[prev_k + d]
        prev_y = prev_x - prev_k
        mid_x, mid_y = (prev_x, prev_y + 1) if down else (prev_x + 1, prev_y)
        if x > mid_x:
            moves.append((False, mid_x, x, mid_y, y))
        moves.append((True, prev_x, mid_x, prev_y, mid_y))
        x, y = prev_x, prev_y
    if x > 0:
        moves.append((False, 0, x, 0, y))
    opcodes: list[Opcode] = []
    for changed, i1, i2, j1, j2 in reversed(moves):
        if opcodes and opcodes[-1][0] == changed:
            opcodes[-1] = (changed, opcodes[-1][1], i2, opcodes[-1][3], j2)
        else:
            opcodes.append((changed, i1, i2, j1, j2))
    return opcodes


def _segments(a: list[str], b: list[str], opcodes: list[Opcode]) -> list[tuple[bool, str, str]]:
    return [(changed, "".join(a[i1:i2]), "".join(b[j1:j2])) for changed, i1, i2, j1, j2 in opcodes]


def _middle(a: list[str], b: list[str], work: Work) -> list[tuple[bool, str, str]]:
    """Words if the budget allows, else lines, else one replacement."""
    try:
        segments = _segments(a, b, _myers(a, b, work, WORK_BUDGET))
        work.runs.append("words")
        return segments
    except _OverBudget:
        pass
    old, new = "".join(a), "".join(b)
    la, lb = _LINE.findall(old), _LINE.findall(new)
    try:
        segments = _segments(la, lb, _myers(la, lb, work, WORK_BUDGET))
        work.runs.append("lines")
        return segments
    except _OverBudget:
        work.runs.append("replace")
        return [(True, old, new)]


def diff_segments(old: str, new: str, work: Work | None = None) -> list[Segment]:
    """Old → new as segments: unchanged text as a str, a change as [old text, new text].
    A lone space between two changes joins them, so "a flag" → "two flags" reads as one change."""
    work = work if work is not None else Work()
    a, b = _tokens(old or ""), _tokens(new or "")
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    work.steps += head + tail
    segments: list[tuple[bool, str, str]] = []
    if head:
        segments.append((False, "".join(a[:head]), "".join(b[:head])))
    segments.extend(_middle(a[head : len(a) - tail], b[head : len(b) - tail], work))
    if tail:
        segments.append((False, "".join(a[len(a) - tail :]), "".join(b[len(b) - tail :])))
    merged: list[tuple[bool, str, str]] = []
    for index, (changed, old_text, new_text) in enumerate(segments):
        between_changes = 0 < index < len(segments) - 1 and segments[index - 1][0] and segments[index + 1][0]
        if not changed and between_changes and not old_text.strip():
            changed = True
        if changed and merged and merged[-1][0]:
            merged[-1] = (True, merged[-1][1] + old_text, merged[-1][2] + new_text)
        elif not changed and merged and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + old_text, merged[-1][2] + new_text)
        else:
            merged.append((changed, old_text, new_text))
    return [[old_text, new_text] if changed else old_text for changed, old_text, new_text in merged]


def segments_html(segments: list[Any]) -> SafeString:
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(escape(segment))
            continue
        old_text, new_text = (str(part) for part in segment)
        if old_text:
            out.append(f'<del class="diff-old">{escape(old_text)}</del>')
        if new_text:
            out.append(f'<ins class="diff-new">{escape(new_text)}</ins>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def word_diff(old: str, new: str) -> SafeString:
    """Old → new with removed words in <del class="diff-old"> and added ones in <ins class="diff-new">."""
    return segments_html(diff_segments(old, new))


def stored_diff(changes: dict[str, Any]) -> dict[str, list[Segment]]:
    """The segments of the plain-text fields of a revision's changes, to store with it. List and
    choice fields are left out: their text carries labels in the reader's language."""
    return {
        name: diff_segments(as_text(name, change.get("old")), as_text(name, change.get("new")))
        for name, change in (changes or {}).items()
        if name in TEXT_FIELDS and isinstance(change, dict)
    }


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    old_text: str
    new_text: str
    html: SafeString


def changes_diff(changes: dict[str, Any], stored: dict[str, Any] | None = None) -> list[FieldDiff]:
    """The {field: {old, new}} of a revision as one readable diff per field; `stored` holds the
    segments computed at save, used as they are (older revisions are diffed here, bounded)."""
    result = []
    for name, change in (changes or {}).items():
        if not isinstance(change, dict):
            continue
        old_text, new_text = as_text(name, change.get("old")), as_text(name, change.get("new"))
        segments = (stored or {}).get(name)
        html = segments_html(segments) if isinstance(segments, list) else word_diff(old_text, new_text)
        result.append(FieldDiff(name, field_label(name), old_text, new_text, html))
    return result
