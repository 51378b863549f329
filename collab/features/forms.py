"""Forms for features, transitions, acceptance reviews, OKRs and the glossary. The spec's phase
editors (forms + fixed-row formsets) are in `collab.features.spec_forms`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from collab.features.services import rice_errors
from collab.models import (
    AcceptanceReview,
    Feature,
    KeyResult,
    Objective,
    Organisation,
    Team,
    quarter_validator,
)

WEEK_INPUT = forms.TextInput(attrs={"type": "week", "placeholder": "2026-W07"})


class FeatureForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Feature.Kind.choices,
        help_text=_("Tech debt and platform work count in the investment balance: keep them visible."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    effort_points = forms.FloatField(
        label=_("Effort points"),
        min_value=0,
        required=False,
        help_text=_(
            "The team's estimate; the technical effort on the roadmap and the velocity when delivered."
        ),
    )
    planned_week = forms.RegexField(
        label=_("Planned week"),
        regex=r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$",
        required=False,
        widget=WEEK_INPUT,
        error_messages={"invalid": _("Use an ISO week such as 2026-W07.")},
        help_text=_(
            "The week it should ship (ISO week, e.g. 2026-W07); predictability compares it with delivery."
        ),
    )
    rice_reach = forms.FloatField(
        label=_("Reach"),
        min_value=0,
        required=False,
        help_text=_("How many people or events it touches per quarter (e.g. 2000 customers)."),
    )
    rice_impact = forms.FloatField(
        label=_("Impact"),
        min_value=0,
        required=False,
        help_text=_("Per person reached: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal."),
    )
    rice_confidence = forms.FloatField(
        label=_("Confidence"),
        min_value=0,
        max_value=1,
        required=False,
        help_text=_("How sure you are of reach and impact, from 0 to 1: 1 high, 0.8 medium, 0.5 low."),
    )
    rice_effort = forms.FloatField(
        label=_("Effort (person-months)"),
        required=False,
        help_text=_("Total work for product, design and engineering, in person-months."),
    )
    key_results = forms.ModelMultipleChoiceField(
        label=_("Key results it moves"),
        queryset=KeyResult.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    depends_on_keys = forms.CharField(
        label=_("Depends on"),
        required=False,
        max_length=1000,
        help_text=_("Keys of the features it waits for, often other teams' (e.g. F-12, F-40)."),
    )

    def __init__(
        self,
        *args: Any,
        org: Organisation,
        teams: QuerySet[Team],
        key_results: QuerySet[KeyResult],
        feature: Feature | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.org, self.feature = org, feature
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["key_results"].queryset = key_results  # type: ignore[attr-defined]
        self.fields["key_results"].label_from_instance = (  # type: ignore[attr-defined]
            lambda kr: f"{kr.objective.quarter} · {kr.key} · {kr.title}"
        )

    def clean_depends_on_keys(self) -> list[Feature]:
        raw = self.cleaned_data.get("depends_on_keys", "")
        keys = [k for k in re.split(r"[\s,;]+", raw) if k]
        if not keys:
            return []
        found = {
            f.key.lower(): f
            for f in Feature.objects.filter(org=self.org, key__in=keys).select_related("team")
        }
        # Keys are matched as typed first, then case-insensitively.
        if len(found) < len({k.lower() for k in keys}):
            for f in Feature.objects.filter(
                org=self.org, key__iregex=r"^(" + "|".join(map(re.escape, keys)) + ")$"
            ):
                found.setdefault(f.key.lower(), f)
        missing = [k for k in keys if k.lower() not in found]
        if missing:
            raise forms.ValidationError(_("No feature with the key %(keys)s.") % {"keys": ", ".join(missing)})
        if self.feature is not None and self.feature.key.lower() in found:
            raise forms.ValidationError(_("A feature cannot depend on itself."))
        return list({f.pk: f for f in found.values()}.values())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("rice_reach", "rice_impact", "rice_confidence", "rice_effort")
        if any(name in self.errors for name in names):
            return data  # a field already says what is wrong with it
        rice = [data.get(n) for n in names]
        errors = rice_errors(reach=rice[0], impact=rice[1], confidence=rice[2], effort=rice[3])
        for name, message in errors.items():
            self.add_error(name, message)
        if not errors and any(v is not None for v in rice) and any(v is None for v in rice):
            self.add_error(None, _("Give all four RICE inputs (reach, impact, confidence, effort) or none."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["depends_on"] = data.pop("depends_on_keys")
        data["planned_week"] = data.get("planned_week") or ""
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Feature.Status.choices)
    delivered_on = forms.DateField(
        label=_("Delivered on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DropForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it dropped?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the feature is dropped: the team reads it later.")},
        help_text=_("Kept on the feature's page and in the audit log, e.g. “superseded by CHK-140”."),
    )


class ReviewForm(forms.Form):
    """One 'met' checkbox and note per success criterion, the outcome and the reason."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AcceptanceReview.Outcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting: what must change before the next review."),
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index in range(len(criteria)):
            self.fields[f"met_{index}"] = forms.BooleanField(label=_("Met"), required=False)
            self.fields[f"note_{index}"] = forms.CharField(
                label=_("Measured"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. up 2.4 points in 30 days")}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"criterion": c, "met": self[f"met_{i}"], "note": self[f"note_{i}"]}
            for i, c in enumerate(self.criteria)
        ]

    def criteria_results(self) -> list[dict[str, Any]]:
        return [
            {
                **c,
                "met": self.cleaned_data.get(f"met_{i}", False),
                "note": self.cleaned_data.get(f"note_{i}", ""),
            }
            for i, c in enumerate(self.criteria)
        ]


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Objective"), max_length=300)
    quarter = forms.CharField(
        label=_("Quarter"),
        max_length=7,
        validators=[quarter_validator],
        widget=forms.TextInput(attrs={"placeholder": "2026-Q3"}),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams sharing it"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]


class KeyResultForm(forms.ModelForm):
    class Meta:
        model = KeyResult
        fields = ("title", "kind", "unit", "baseline", "target", "current")
        labels = {"title": _("Key result"), "current": _("Current value")}
        help_texts = {
            "kind": _(
                "Business (revenue, churn, satisfaction) or technical (quality, performance, maintainability)."
            ),
            "unit": _("e.g. %, ms, €"),
            "baseline": _("Where it stood when the objective was set."),
        }


class GlossaryTermForm(forms.Form):
    term = forms.CharField(label=_("Technical term"), max_length=120)
    business_term = forms.CharField(label=_("Business wording"), max_length=300)
    language = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("fr", "Français")])
    explanation = forms.CharField(
        label=_("Explanation (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def objective_initial(objective: Objective) -> dict[str, Any]:
    return {"title": objective.title, "quarter": objective.quarter, "teams": list(objective.teams.all())}
