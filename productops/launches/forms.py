"""Forms of the launch pages. They check the input a person types; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.models import AcceptanceReview, Feature, Membership, Organisation
from productops.launches import selectors
from productops.models import Launch, LaunchTemplate


class _FeatureField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class _OwnersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} · {obj.get_role_display()}"


class LaunchForm(forms.Form):
    feature = _FeatureField(label=_("Feature"), queryset=Feature.objects.none())
    launch_on = forms.DateField(label=_("Launch date"), widget=forms.DateInput(attrs={"type": "date"}))
    tier = forms.ChoiceField(label=_("Tier"), choices=Launch.Tier.choices, initial=Launch.Tier.TIER_2)
    owners = _OwnersField(
        label=_("Owners"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, org: Organisation, launch: Launch | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if launch is None:
            self.fields["feature"].queryset = selectors.launch_features(org=org)  # type: ignore[attr-defined]
        else:
            del self.fields["feature"]
        self.fields["owners"].queryset = selectors.launch_owner_choices(org=org)  # type: ignore[attr-defined]


class LaunchTemplateForm(forms.Form):
    checklist = forms.CharField(
        label=_("Launch checklist"),
        max_length=12000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One item a line; every new launch plan starts with these items."),
    )

    @classmethod
    def initial_from(cls, template: LaunchTemplate) -> dict[str, Any]:
        return {"checklist": "\n".join(gettext(item) for item in template.checklist)}

    def items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["checklist"].splitlines() if line.strip()]


class ChecklistForm(forms.Form):
    extra = forms.CharField(label=_("Add an item for this launch"), max_length=300, required=False)


class MeasuredForm(forms.Form):
    """One measured value and a 'met' box per success criterion of the spec."""

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for index in range(len(criteria)):
            self.fields[f"measured_{index}"] = forms.CharField(
                label=_("Measured value"), max_length=300, required=False
            )
            self.fields[f"met_{index}"] = forms.BooleanField(label=_("Target met"), required=False)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"criterion": c, "measured": self[f"measured_{i}"], "met": self[f"met_{i}"]}
            for i, c in enumerate(self.criteria)
        ]

    def measured(self) -> list[tuple[str, bool]]:
        return [
            (self.cleaned_data.get(f"measured_{i}", ""), bool(self.cleaned_data.get(f"met_{i}")))
            for i in range(len(self.criteria))
        ]


class AcceptanceForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AcceptanceReview.Outcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
