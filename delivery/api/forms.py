from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from delivery.api.csv_format import MAX_BYTES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("Where it will be used, e.g. “GitHub Actions – checkout”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name or "\x00" in name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class CsvImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[("deployments", _("Deployments")), ("incidents", _("Incidents"))],
        widget=forms.RadioSelect,
        initial="deployments",
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma-separated, with the header line of the example file; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload
