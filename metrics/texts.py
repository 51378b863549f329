"""What a reader sees next to a metric, translated: names, units, "how is this computed", "record
X to see this", targets as sentences, and values formatted for the reader's language.

The English strings are the engine's `METADATA` (a test keeps them equal); the French ones are in
metrics/locale/fr/LC_MESSAGES/django.po.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from metrics.computations import DORA_METRICS, METADATA, METRICS, Target
from rituals.syncs.defaults import DEFAULT_TEMPLATES

__all__ = [
    "BANDS",
    "DORA_BAND_RULES",
    "GROUPS",
    "KINDS",
    "LEVELS",
    "SECTIONS",
    "METRIC_TEXTS",
    "SHARE_METRICS",
    "WINDOW_LABELS",
    "WINDOW_EMPTY",
    "WINDOW_SPANS",
    "format_value",
    "number",
    "percent",
    "section_name",
    "target_text",
]

METRIC_TEXTS: dict[str, dict[str, Promise]] = {
    "time_to_alignment": {
        "label": pgettext_lazy("metric name", "Time to alignment"),
        "unit": gettext_lazy("sessions"),
        "how": gettext_lazy(
            "Median number of alignment sessions a spec needed, up to and including the one where "
            "it was aligned, over specs aligned in the period."
        ),
        "record": gettext_lazy(
            "Record alignment sessions on specs, with the outcome 'aligned' for the last one."
        ),
    },
    "rework_rate": {
        "label": pgettext_lazy("metric name", "Rework rate"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of specs aligned in the period that had at least one rework revision after alignment."
        ),
        "record": gettext_lazy(
            "Align specs; revise them after alignment with the kind 'rework' or 'clarification'."
        ),
    },
    "first_time_acceptance": {
        "label": pgettext_lazy("metric name", "First-time acceptance"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy("Share of features whose first acceptance review, in the period, accepted them."),
        "record": gettext_lazy("Record an acceptance review on each delivered feature."),
    },
    "conflict_one_session_rate": {
        "label": pgettext_lazy("metric name", "Conflicts resolved in one session"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of conflicts resolved in the period that needed exactly one PIVOT session."
        ),
        "record": gettext_lazy("Open conflicts, record their sessions and resolve them."),
    },
    "velocity": {
        "label": pgettext_lazy("metric name", "Velocity"),
        "unit": gettext_lazy("points per week"),
        "how": gettext_lazy(
            "Effort points of the features delivered in the period, divided by its number of weeks."
        ),
        "record": gettext_lazy("Give features effort points and a delivery date."),
    },
    "investment_balance": {
        "label": pgettext_lazy("metric name", "Investment balance"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of the effort points delivered in the period that went to tech debt and platform "
            "work; the share of every kind is shown too."
        ),
        "record": gettext_lazy("Give features a kind, effort points and a delivery date."),
    },
    "predictability": {
        "label": pgettext_lazy("metric name", "Predictability"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of the features planned for a week of the period that were delivered by the end "
            "of their planned week; dropped and undelivered features count as late."
        ),
        "record": gettext_lazy("Plan features for a week and record when they are delivered."),
    },
    "sync_discipline": {
        "label": pgettext_lazy("metric name", "Sync discipline"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of the syncs started in the period that ended within the sum of their sections' "
            "time boxes; the mean overrun of each section is shown too."
        ),
        "record": gettext_lazy("Run syncs with the timer, starting and ending them and their sections."),
    },
    "escalations": {
        "label": pgettext_lazy("metric name", "Escalations"),
        "unit": gettext_lazy("escalations"),
        "how": gettext_lazy(
            "Number of escalations opened in the period, per level, and the median hours until their decision."
        ),
        "record": gettext_lazy("Escalate from a conflict or a sync and record the decision."),
    },
    "deployment_frequency": {
        "label": pgettext_lazy("metric name", "Deployment frequency"),
        "unit": gettext_lazy("days per week"),
        "how": gettext_lazy(
            "For each week, the number of days with a successful production deployment; the median "
            "of those weekly numbers over the period."
        ),
        "record": gettext_lazy("Send successful and failed deployments from CI, with their environment."),
    },
    "lead_time_for_changes": {
        "label": pgettext_lazy("metric name", "Lead time for changes"),
        "unit": gettext_lazy("hours"),
        "how": gettext_lazy(
            "Median hours from a commit being authored to the successful production deployment "
            "that shipped it, over deployments finished in the period."
        ),
        "record": gettext_lazy("Send deployments from CI with their commits and authoring times."),
    },
    "change_failure_rate": {
        "label": pgettext_lazy("metric name", "Change failure rate"),
        "unit": gettext_lazy("share"),
        "how": gettext_lazy(
            "Share of the successful production deployments of the period that caused an incident: "
            "linked to it, or else the team's latest one before the incident started."
        ),
        "record": gettext_lazy(
            "Send deployments from CI and record incidents, linked to a deployment when known."
        ),
    },
    "time_to_restore": {
        "label": pgettext_lazy("metric name", "Time to restore service"),
        "unit": gettext_lazy("hours"),
        "how": gettext_lazy(
            "Median hours from an incident starting to it being resolved, over incidents resolved in the period."
        ),
        "record": gettext_lazy("Record incidents with their start and resolution times."),
    },
    "team_pulse": {
        "label": pgettext_lazy("metric name", "Team pulse"),
        "unit": gettext_lazy("score"),
        "how": gettext_lazy("Mean satisfaction score (1 to 5) of the pulse answers of the period."),
        "record": gettext_lazy("Ask the team's weekly pulse question."),
    },
}
assert set(METRIC_TEXTS) == set(METRICS)

SHARE_METRICS = frozenset(metric for metric, meta in METADATA.items() if meta["unit"] == "share")

# The dashboards' sections, in reading order.
GROUPS: list[tuple[str, Promise, tuple[str, ...]]] = [
    (
        "collaboration",
        gettext_lazy("Collaboration health"),
        ("time_to_alignment", "rework_rate", "first_time_acceptance", "conflict_one_session_rate"),
    ),
    (
        "delivery",
        gettext_lazy("Delivery"),
        ("velocity", "predictability", "investment_balance", "escalations"),
    ),
    ("dora", gettext_lazy("DORA"), DORA_METRICS),
    ("rituals", gettext_lazy("Rituals and people"), ("sync_discipline", "team_pulse")),
]

WINDOW_LABELS: dict[str, Promise] = {
    "week": gettext_lazy("Week"),
    "4w": gettext_lazy("4 weeks"),
    "13w": gettext_lazy("13 weeks"),
}

# The same, inside a sentence ("over windows of one week").
WINDOW_SPANS: dict[str, Promise] = {
    "week": gettext_lazy("one week"),
    "4w": gettext_lazy("4 weeks"),
    "13w": gettext_lazy("13 weeks"),
}

BANDS: dict[str, Promise] = {
    "elite": pgettext_lazy("DORA band", "Elite"),
    "high": pgettext_lazy("DORA band", "High"),
    "medium": pgettext_lazy("DORA band", "Medium"),
    "low": pgettext_lazy("DORA band", "Low"),
}

# DORA 2023 thresholds, as the DORA page lists them (elite, high, medium; low is the rest).
DORA_BAND_RULES: dict[str, tuple[Promise, Promise, Promise]] = {
    "deployment_frequency": (
        gettext_lazy("5 or more deployment days a week"),
        gettext_lazy("at least 1 a week"),
        gettext_lazy("at least 1 a month"),
    ),
    "lead_time_for_changes": (
        gettext_lazy("under a day"),
        gettext_lazy("under a week"),
        gettext_lazy("under a month"),
    ),
    "change_failure_rate": (
        gettext_lazy("5 % or less"),
        gettext_lazy("10 % or less"),
        gettext_lazy("15 % or less"),
    ),
    "time_to_restore": (
        gettext_lazy("under an hour"),
        gettext_lazy("under a day"),
        gettext_lazy("under a week"),
    ),
}

# What a window without a value means, said when the trend has earlier values (never "No data yet"
# above a chart that has data).
WINDOW_EMPTY: dict[str, Promise] = {
    "time_to_alignment": gettext_lazy("No spec aligned in this window"),
    "rework_rate": gettext_lazy("No spec aligned in this window"),
    "first_time_acceptance": gettext_lazy("No acceptance review in this window"),
    "conflict_one_session_rate": gettext_lazy("No conflict resolved in this window"),
    "velocity": gettext_lazy("No feature delivered in this window"),
    "investment_balance": gettext_lazy("No feature delivered in this window"),
    "predictability": gettext_lazy("No feature planned in this window"),
    "sync_discipline": gettext_lazy("No sync run in this window"),
    "escalations": gettext_lazy("No escalation in this window"),
    "deployment_frequency": gettext_lazy("No production deployment in this window"),
    "lead_time_for_changes": gettext_lazy("No production deployment in this window"),
    "change_failure_rate": gettext_lazy("No production deployment in this window"),
    "time_to_restore": gettext_lazy("No incident resolved in this window"),
    "team_pulse": gettext_lazy("No pulse answer in this window"),
}
assert set(WINDOW_EMPTY) == set(METRICS)

# DRIVE section codes (other rituals' codes are shown as they are).
# Every section code of the default ritual templates, by its title (the first template that uses a
# code names it). A section an organisation added itself is named from its code (`section_name`).
SECTIONS: dict[str, Promise] = {
    code: gettext_lazy(title)
    for code, title in reversed(
        [(s.code, s.title) for template in DEFAULT_TEMPLATES.values() for s in template.sections]
    )
}


def section_name(code: str) -> str:
    """The readable name of a sync section code: "key-decisions" → "Key decisions to co-present"."""
    name = SECTIONS.get(code)
    return str(name) if name is not None else code.replace("-", " ").replace("_", " ").capitalize()


KINDS: dict[str, Promise] = {
    "product": gettext_lazy("Product"),
    "tech_debt": gettext_lazy("Tech debt"),
    "platform": gettext_lazy("Platform"),
    "bug": gettext_lazy("Bug"),
}

LEVELS: dict[str, Promise] = {
    "1": gettext_lazy("Level 1 · PM + tech lead"),
    "2": gettext_lazy("Level 2 · VP Product + CTO"),
    "3": gettext_lazy("Level 3 · CEO"),
}


def number(value: float | None, decimals: int = 1) -> str:
    """A number in the reader's language, without needless decimals; "—" for none."""
    return "—" if value is None else _number(value, decimals)


def percent(share: float | None) -> str:
    return format_value("rework_rate", share)


@lru_cache(maxsize=16)
def _formats(language: str | None) -> dict[str, Any]:
    """The language's number formats, translated once (a dashboard formats thousands of values)."""
    return {
        "decimal": str(get_format("DECIMAL_SEPARATOR")),
        "percent": _("%(number)s %%"),
        "sessions": (
            ngettext("%(number)s session", "%(number)s sessions", 1),
            ngettext("%(number)s session", "%(number)s sessions", 2),
        ),
        "velocity": _("%(number)s pts/week"),
        "days": (
            ngettext("%(number)s day/week", "%(number)s days/week", 1),
            ngettext("%(number)s day/week", "%(number)s days/week", 2),
        ),
        "hours": _("%(number)s h"),
        "pulse": _("%(number)s / 5"),
    }


def _number(value: float, decimals: int, decimal: str | None = None) -> str:
    rounded = round(float(value), decimals)
    if rounded.is_integer():  # 2.0 reads as 2
        return str(int(rounded))
    text = f"{rounded:.{decimals}f}"
    return text.replace(".", decimal if decimal is not None else _formats(get_language())["decimal"])


def format_value(
    metric: str, value: float | None, *, short: bool = False, formats: dict[str, Any] | None = None
) -> str:
    """A metric's value as a reader writes it: 82 %, 1.5 sessions, 12 h, 3.4 / 5; "—" for none.
    `formats`: the language's (`_formats`), when the caller formats many values."""
    if value is None:
        return "—"
    if formats is None:
        formats = _formats(get_language())
    decimal = formats["decimal"]
    if metric in SHARE_METRICS:
        return formats["percent"] % {
            "number": _number(value * 100, 0 if abs(value) >= 0.1 or value == 0 else 1, decimal)
        }
    plural = 0 if value == 1 else 1  # 1.5 sessions, 0 days: plural
    if metric == "time_to_alignment":
        text = _number(value, 1, decimal)
        return text if short else formats["sessions"][plural] % {"number": text}
    if metric == "velocity":
        text = _number(value, 1, decimal)
        return text if short else formats["velocity"] % {"number": text}
    if metric == "deployment_frequency":
        text = _number(value, 1, decimal)
        return text if short else formats["days"][plural] % {"number": text}
    if metric in ("lead_time_for_changes", "time_to_restore"):
        return formats["hours"] % {"number": _number(value, 1 if value < 10 else 0, decimal)}
    if metric == "team_pulse":
        text = _number(value, 1, decimal)
        return text if short else formats["pulse"] % {"number": text}
    return _number(value, 0 if float(value).is_integer() else 1, decimal)


def number_formats() -> dict[str, Any]:
    """The current language's number formats, for `format_value(..., formats=)`."""
    return _formats(get_language())


def format_values(metric: str, values: Sequence[float | None], *, short: bool = False) -> list[str]:
    """`format_value` of each of `values` (the language read once: a page formats hundreds)."""
    formats = _formats(get_language())
    return [format_value(metric, value, short=short, formats=formats) for value in values]


def target_text(metric: str, targets: Mapping[str, Target]) -> str:
    """The target as a short sentence ("≤ 2 sessions", "70–95 %"), or "trend" without one."""
    target = targets.get(metric)
    if target is None:
        return _("read as a trend")
    if target.direction == "range":
        assert target.upper is not None
        if metric in SHARE_METRICS:
            return _("%(low)s–%(high)s %%") % {
                "low": _number(target.value * 100, 0),
                "high": _number(target.upper * 100, 0),
            }
        return f"{format_value(metric, target.value, short=True)}–{format_value(metric, target.upper)}"
    sign = {("higher", False): "≥", ("higher", True): ">", ("lower", False): "≤", ("lower", True): "<"}[
        (target.direction, target.strict)
    ]
    return f"{sign} {format_value(metric, target.value)}"


def metric_texts(metric: str) -> dict[str, Any]:
    texts = METRIC_TEXTS[metric]
    return {"metric": metric, **texts, "is_dora": metric in DORA_METRICS, "is_share": metric in SHARE_METRICS}
