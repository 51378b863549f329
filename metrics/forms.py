"""Dashboard filters (from the query string) and the organisation's metric targets."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from metrics.computations import (
    DEFAULT_TARGETS,
    METRICS,
    Target,
    parse_week,
    targets_with_overrides,
    week_index,
    week_label,
)
from metrics.texts import METRIC_TEXTS, SHARE_METRICS, WINDOW_LABELS


class DashboardFilterForm(forms.Form):
    """The query string of a dashboard page; anything unreadable falls back to the default."""

    team = forms.SlugField(required=False)
    window = forms.ChoiceField(choices=list(WINDOW_LABELS.items()), required=False)
    to = forms.CharField(required=False, max_length=8)
    metric = forms.ChoiceField(choices=[(m, m) for m in METRICS], required=False)

    def clean_to(self) -> str:
        week = self.cleaned_data.get("to") or ""
        if not week:
            return ""
        try:
            parse_week(week)
        except ValueError:
            return ""
        return week

    def value(self, name: str, default: str) -> str:
        """The cleaned value of `name`, or `default` when absent or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        return (self.cleaned_data.get(name) if name not in self.errors else None) or default


def _target_fields() -> dict[str, forms.Field]:
    def share(label: Any, help_text: Any = "") -> forms.FloatField:
        return forms.FloatField(
            label=label, help_text=help_text, localize=True, required=False, min_value=0, max_value=100
        )

    return {
        "time_to_alignment": forms.FloatField(
            label=_("At most (sessions)"),
            localize=True,
            required=False,
            min_value=1,
            max_value=20,
        ),
        "rework_rate": share(_("Below (%)")),
        "first_time_acceptance": share(_("Above (%)")),
        "conflict_one_session_rate": share(_("At least (%)")),
        "predictability_low": share(_("From (%)")),
        "predictability_high": share(_("To (%)")),
        "investment_balance": share(
            _("At least (%)"), _("Share of effort points on tech debt and platform work.")
        ),
        "sync_discipline": share(_("At least (%)")),
        "deployment_frequency": forms.FloatField(
            label=_("At least (days per week)"),
            localize=True,
            required=False,
            min_value=0,
            max_value=7,
        ),
        "lead_time_for_changes": forms.FloatField(
            label=_("Below (hours)"),
            localize=True,
            required=False,
            min_value=0.01,
            max_value=24 * 365,
        ),
        "change_failure_rate": share(_("At most (%)")),
        "time_to_restore": forms.FloatField(
            label=_("Below (hours)"),
            localize=True,
            required=False,
            min_value=0.01,
            max_value=24 * 365,
        ),
        "team_pulse": forms.FloatField(
            label=_("At least (score from 1 to 5)"),
            localize=True,
            required=False,
            min_value=1,
            max_value=5,
        ),
    }


class TargetsForm(forms.Form):
    """The organisation's (or a team's own) targets; a blank field means the default, or for a team
    the organisation's target (shown as its placeholder).
    Shares are entered as percentages and stored as fractions, as the engine reads them."""

    def __init__(
        self,
        *args: Any,
        overrides: dict[str, Any] | None = None,
        inherited: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """`overrides`: what this level stores; `inherited`: the organisation's overrides when the
        form edits a team's own targets (a blank field then keeps the organisation's target)."""
        super().__init__(*args, **kwargs)
        self.fields.update(_target_fields())
        self.base = targets_with_overrides(inherited or {})
        current = targets_with_overrides((inherited or {}) | (overrides or {}))
        for name, field in self.fields.items():
            metric, bound = _metric_of(name)
            field.widget.attrs.update({"step": "any", "inputmode": "decimal"})
            field.widget.attrs["placeholder"] = _shown(metric, _bound(self.base[metric], bound))
            if metric in (overrides or {}):
                self.initial.setdefault(name, _shown_number(metric, _bound(current[metric], bound)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("predictability_low"), data.get("predictability_high")
        default = self.base["predictability"]
        low_value = low if low is not None else default.value * 100
        high_value = high if high is not None else (default.upper or 0) * 100
        if (
            "predictability_low" not in self.errors
            and "predictability_high" not in self.errors
            and low_value > high_value
        ):
            self.add_error("predictability_high", _("The upper bound must not be below the lower bound."))
        return data

    def overrides(self) -> dict[str, float | list[float]]:
        """The targets that differ from the defaults, as `Organisation.targets` stores them."""
        data = self.cleaned_data
        result: dict[str, float | list[float]] = {}
        for metric in DEFAULT_TARGETS:
            if metric == "predictability":
                continue
            value = data.get(metric)
            if value is None:
                continue
            stored = value / 100 if metric in SHARE_METRICS else value
            if not math.isclose(stored, self.base[metric].value, rel_tol=0, abs_tol=1e-12):
                result[metric] = stored
        default = self.base["predictability"]
        low = data.get("predictability_low")
        high = data.get("predictability_high")
        low_value = low / 100 if low is not None else default.value
        high_value = high / 100 if high is not None else (default.upper or 1.0)
        if not (math.isclose(low_value, default.value) and math.isclose(high_value, default.upper or 1.0)):
            result["predictability"] = [low_value, high_value]
        return result

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Fields grouped per metric, for the page."""
        grouped: dict[str, list[forms.BoundField]] = {}
        for name in self.fields:
            grouped.setdefault(_metric_of(name)[0], []).append(self[name])
        return [(str(METRIC_TEXTS[metric]["label"]), fields) for metric, fields in grouped.items()]


def _metric_of(name: str) -> tuple[str, str]:
    for suffix in ("_low", "_high"):
        if name.endswith(suffix):
            return name.removesuffix(suffix), suffix[1:]
    return name, ""


def _bound(target: Target, bound: str) -> float:
    return (target.upper or 0.0) if bound == "high" else target.value


def _shown_number(metric: str, value: float) -> float | int:
    shown = round(value * 100, 6) if metric in SHARE_METRICS else value
    return int(shown) if float(shown).is_integer() else shown


def _shown(metric: str, value: float) -> str:
    shown = _shown_number(metric, value)
    return f"{shown:g}"


# --- the filters' options -------------------------------------------------------------------------


def select_options(choices: list[tuple[str, Any]], selected: str) -> str:
    """The <option>s of a select (three years of weeks make a long list: one escape per text)."""
    return mark_safe(  # noqa: S308 (every text escaped)
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )


@lru_cache(maxsize=256)
def team_options(teams: tuple[tuple[str, str], ...], selected: str) -> str:
    """The team select's <option>s (`teams`: slug and name): hundreds of teams are escaped once,
    not on every view."""
    return select_options(list(teams), selected)


@lru_cache(maxsize=64)
def week_list(first: str, last: str) -> tuple[str, ...]:
    """The weeks from `last` back to `first` (three years of history: built once, not per view)."""
    last_index = week_index(last)
    count = last_index - week_index(first) + 1
    return tuple(week_label(last_index - i) for i in range(count))


@lru_cache(maxsize=256)
def week_options(first: str, last: str, current: str, selected: str, this_week: str) -> str:
    """The end week select's options (the same for every view of the same history and filters)."""
    return select_options(
        [(w, f"{w} ({this_week})" if w == current else w) for w in week_list(first, last)], selected
    )
