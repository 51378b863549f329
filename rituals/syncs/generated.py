"""Text the app writes into a sync (agenda items, decisions that come back from a conflict or an
escalation) is stored as a code and its parameters, and rendered here in the reader's language.
Rows written before codes existed (or typed by people) have no code and show their text as stored.

The stored `title`/`text` next to the code holds the English rendering, so exports, search and
e-mails written without a reader keep a readable text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext, gettext_noop

# code → msgid with %(name)s parameters.
TEXTS: dict[str, str] = {
    "planned": gettext_noop("Planned this week: %(title)s"),
    "planned_not_delivered": gettext_noop("Planned this week, not delivered yet: %(title)s"),
    "shipped": gettext_noop("Shipped: %(title)s"),
    "nothing_shipped": gettext_noop("Nothing shipped since last week"),
    "obstacle": gettext_noop("Obstacle: %(title)s"),
    "conflict": gettext_noop("Conflict: %(title)s"),
    "rank": gettext_noop("Rank %(first)s against %(second)s"),
    "velocity": gettext_noop("%(points)s points delivered this week, %(average)s a week over four weeks"),
    "escalation_decided": gettext_noop(
        "%(key)s (escalation, level %(level)s) decided by %(who)s: %(decision)s"
    ),
    "conflict_resolved": gettext_noop("%(key)s (conflict) resolved: %(resolution)s"),
}


def _param(value: Any) -> Any:
    """Numbers in the reader's format (a decimal comma in French); text as stored."""
    if isinstance(value, float):
        return formats.number_format(Decimal(str(value)), 1)
    return value


def generated_text(code: str, params: dict[str, Any] | None, fallback: str) -> str:
    """The text of `code` with `params` in the active language, or `fallback` (the stored text)
    for an unknown code, no code, or parameters that do not fit."""
    msgid = TEXTS.get(code or "")
    if msgid is None:
        return fallback
    try:
        return gettext(msgid) % {name: _param(value) for name, value in (params or {}).items()}
    except (KeyError, TypeError, ValueError):
        return fallback


def generated_english(code: str, params: dict[str, Any]) -> str:
    """What is stored next to the code: the text in the source language."""
    with translation.override(None):
        return generated_text(code, params, "")
