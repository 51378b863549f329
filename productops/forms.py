"""Forms of the experiment pages. They check the input a person types; services check the rules."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Organisation
from productops.models import Experiment, ExperimentTemplate

MAX_LINES = 30


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()][:MAX_LINES]


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class ExperimentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    feature = FeatureChoiceField(label=_("Feature"), queryset=Feature.objects.none())
    hypothesis = forms.CharField(
        label=_("Hypothesis"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("We believe that … for … will … measured by …"),
    )
    primary_metric = forms.CharField(
        label=_("Primary metric (a conversion)"),
        max_length=200,
        help_text=_("The share of users who do one thing, e.g. “completed checkout”."),
    )
    guardrail_metrics = forms.CharField(
        label=_("Guardrail metrics"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: what must not get worse."),
    )
    variant_names = forms.CharField(
        label=_("Variants"),
        max_length=400,
        initial="control, treatment",
        help_text=_("Comma-separated, the control first."),
    )
    traffic_split = forms.CharField(
        label=_("Planned traffic split (%)"),
        max_length=200,
        initial="50, 50",
        help_text=_("One share per variant, adding up to 100."),
    )
    baseline_rate = forms.FloatField(
        label=_("Expected control conversion rate"),
        min_value=0,
        max_value=1,
        help_text=_("Between 0 and 1, e.g. 0.1 for 10 %."),
    )
    mde = forms.FloatField(
        label=_("Minimum detectable effect"),
        min_value=0.0001,
        max_value=0.9999,
        help_text=_("Absolute change of the rate, e.g. 0.02 for 2 points."),
    )
    daily_traffic = forms.IntegerField(label=_("Users a day in the experiment"), min_value=1, max_value=10**9)
    alpha = forms.FloatField(label=_("Significance level (alpha)"), min_value=0.001, max_value=0.2)
    power = forms.FloatField(label=_("Power"), min_value=0.5, max_value=0.99)
    min_lift = forms.FloatField(
        label=_("Minimum lift to call a win"),
        initial=0.0,
        min_value=-1,
        max_value=1,
        help_text=_("Won when p < alpha, the lift is above this and no guardrail is breached."),
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["feature"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Feature.objects.filter(org=org).order_by("key")

    @classmethod
    def initial_from_template(cls, template: ExperimentTemplate) -> dict[str, Any]:
        return {
            "guardrail_metrics": "\n".join(gettext(g) for g in template.guardrail_metrics),
            "alpha": template.alpha,
            "power": template.power,
        }

    @classmethod
    def initial_from_experiment(cls, experiment: Experiment) -> dict[str, Any]:
        return {
            "title": experiment.title,
            "feature": experiment.feature,
            "hypothesis": experiment.hypothesis,
            "primary_metric": experiment.primary_metric,
            "guardrail_metrics": "\n".join(experiment.guardrail_metrics),
            "variant_names": ", ".join(experiment.variant_names),
            "traffic_split": ", ".join(f"{share:g}" for share in experiment.split),
            "baseline_rate": experiment.baseline_rate,
            "mde": experiment.mde,
            "daily_traffic": experiment.daily_traffic,
            "alpha": experiment.alpha,
            "power": experiment.power,
            "min_lift": experiment.min_lift,
        }

    def clean_variant_names(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["variant_names"].split(",") if n.strip()]
        if len(names) < 2 or len(set(names)) != len(names) or len(names) > 10:
            raise forms.ValidationError(_("Name two to ten distinct variants, the control first."))
        if any(len(n) > 60 for n in names):
            raise forms.ValidationError(_("Keep each variant name under 60 characters."))
        return names

    def clean_traffic_split(self) -> list[float]:
        try:
            shares = [float(part) for part in self.cleaned_data["traffic_split"].split(",")]
        except ValueError as exc:
            raise forms.ValidationError(_("Write the split as numbers separated by commas.")) from exc
        if any(not math.isfinite(s) or s <= 0 for s in shares):
            raise forms.ValidationError(_("Every share must be a positive number."))
        if not math.isclose(sum(shares), 100, abs_tol=1e-9):
            raise forms.ValidationError(_("The shares must add up to 100."))
        return shares

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names, shares = data.get("variant_names"), data.get("traffic_split")
        if names is not None and shares is not None and len(names) != len(shares):
            self.add_error("traffic_split", _("Give one share per variant."))
        baseline, mde = data.get("baseline_rate"), data.get("mde")
        if baseline is not None and mde is not None and baseline + mde > 1:
            self.add_error("mde", _("The expected rate plus the effect cannot exceed 1."))
        return data

    def plan(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "feature": data["feature"],
            "hypothesis": data["hypothesis"],
            "primary_metric": data["primary_metric"],
            "guardrail_metrics": _lines(data["guardrail_metrics"]),
            "variants": [
                {"name": name, "share": share}
                for name, share in zip(data["variant_names"], data["traffic_split"], strict=True)
            ],
            "baseline_rate": data["baseline_rate"],
            "mde": data["mde"],
            "daily_traffic": data["daily_traffic"],
            "alpha": data["alpha"],
            "power": data["power"],
            "min_lift": data["min_lift"],
        }


class ResultsForm(forms.Form):
    guardrails_breached = forms.MultipleChoiceField(
        label=_("Guardrails breached"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, experiment: Experiment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.experiment = experiment
        for i, name in enumerate(experiment.variant_names):
            self.fields[f"users_{i}"] = forms.IntegerField(
                label=_("%(variant)s: users") % {"variant": name}, min_value=1, max_value=10**12
            )
            self.fields[f"conversions_{i}"] = forms.IntegerField(
                label=_("%(variant)s: conversions") % {"variant": name}, min_value=0, max_value=10**12
            )
        field = self.fields["guardrails_breached"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(g, gettext(g)) for g in experiment.guardrail_metrics]
        if not experiment.guardrail_metrics:
            del self.fields["guardrails_breached"]
        for i, row in enumerate(experiment.results):
            self.initial.setdefault(f"users_{i}", row["users"])
            self.initial.setdefault(f"conversions_{i}", row["conversions"])

    def variant_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"users_{i}"], self[f"conversions_{i}"]) for i in range(len(self.experiment.variants))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(len(self.experiment.variants)):
            users, conversions = data.get(f"users_{i}"), data.get(f"conversions_{i}")
            if users is not None and conversions is not None and conversions > users:
                self.add_error(f"conversions_{i}", _("Conversions cannot exceed users."))
        return data

    def counts(self) -> list[tuple[int, int]]:
        data = self.cleaned_data
        return [(data[f"users_{i}"], data[f"conversions_{i}"]) for i in range(len(self.experiment.variants))]


class StopForm(forms.Form):
    reason = forms.CharField(
        label=_("Why stop it?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TemplateForm(forms.Form):
    checklist = forms.CharField(
        label=_("Pre-launch checklist"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One item a line; every item is ticked before an experiment starts."),
    )
    guardrail_metrics = forms.CharField(
        label=_("Default guardrail metrics"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line."),
    )
    alpha = forms.FloatField(label=_("Significance level (alpha)"), min_value=0.001, max_value=0.2)
    power = forms.FloatField(label=_("Power"), min_value=0.5, max_value=0.99)

    @classmethod
    def initial_from(cls, template: ExperimentTemplate) -> dict[str, Any]:
        return {
            "checklist": "\n".join(gettext(item) for item in template.checklist),
            "guardrail_metrics": "\n".join(gettext(g) for g in template.guardrail_metrics),
            "alpha": template.alpha,
            "power": template.power,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "checklist": _lines(data["checklist"]),
            "guardrail_metrics": _lines(data["guardrail_metrics"]),
            "alpha": data["alpha"],
            "power": data["power"],
        }
