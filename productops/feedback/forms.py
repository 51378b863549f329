"""Forms of the feedback pages. They check the input a person types; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collab.models import Feature, Organisation, Team
from productops.feedback import selectors
from productops.feedback.csv_format import MAX_BYTES
from productops.models import FeedbackItem


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Feedback or quote"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.ChoiceField(label=_("Source"), choices=FeedbackItem.Source.choices)
    account = forms.CharField(label=_("Customer or account"), max_length=200, required=False)
    segment = forms.CharField(label=_("Segment"), max_length=100, required=False)
    received_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class CsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class LinkForm(forms.Form):
    feature = FeatureChoiceField(label=_("Feature"), queryset=Feature.objects.none())

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature"].queryset = selectors.feedback_features(org=org)  # type: ignore[attr-defined]


class NewFeatureForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    title = forms.CharField(label=_("Title"), max_length=300)

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.feedback_teams(org=org)  # type: ignore[attr-defined]


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why it is dismissed"), max_length=2000)


class PublicFeedbackForm(forms.Form):
    """The form a team shares: no login, the date is today's."""

    text = forms.CharField(
        label=_("Your feedback"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    account = forms.CharField(label=_("Customer or account"), max_length=200, required=False)
    source = forms.ChoiceField(
        label=_("Where this feedback comes from"),
        choices=FeedbackItem.Source.choices,
        initial=FeedbackItem.Source.OTHER,
    )
