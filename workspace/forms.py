from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class WorkspaceUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Workspace document (JSON)"),
        help_text=_(
            "A collab-workspace/1 file, as exported from this page or by `manage.py workspace export`."
        ),
        error_messages={
            "required": _("Choose a JSON file to import."),
            "empty": _("The file is empty: choose a workspace document."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_document(self) -> object:
        upload = self.cleaned_data["document"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; the limit is %(limit)s. Import larger documents with `manage.py workspace import`."
                ),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
                code="too_large",
            )
        return upload
