from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team
from integrations.models_notices import Notice, NoticeChannel
from integrations.notices import webhooks
from integrations.notices.services import ORG_ONLY

NOTICE_CHOICES = [(n.value, n.label) for n in Notice if n != Notice.TEST]
URL_ERRORS = {
    webhooks.NOT_A_URL: _("Paste the whole incoming-webhook URL."),
    webhooks.NOT_HTTPS: _("The webhook URL must start with https://."),
    webhooks.NOT_PROVIDER_HOST: _(
        "This is not an incoming webhook of %(provider)s: Slack's start with https://hooks.slack.com/services/, "
        "Teams' are on webhook.office.com or a Workflows (logic.azure.com) address."
    ),
}


def url_error(provider: str, url: str) -> forms.ValidationError | None:
    refusal = webhooks.url_refusal(provider, url)
    if refusal is None:
        return None
    label = NoticeChannel.Provider(provider).label if provider in NoticeChannel.Provider.values else provider
    return forms.ValidationError(URL_ERRORS[refusal], params={"provider": label})


class ChannelSettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("Say which channel it is, e.g. #leadership.")
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The whole organisation (leadership)"),
        help_text=_("A team's channel gets that team's notices; the organisation's gets the leadership's."),
    )
    notices = forms.MultipleChoiceField(
        label=_("Notices"), choices=NOTICE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    conflict_days = forms.IntegerField(
        label=_("Flag a conflict open longer than (days)"), min_value=1, max_value=365, initial=7
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("team") is not None and ORG_ONLY & set(data.get("notices") or []):
            self.add_error(
                "notices", _("The weekly digest goes to the organisation's channel, not a team's.")
            )
        return data


class ChannelForm(ChannelSettingsForm):
    provider = forms.ChoiceField(label=_("Tool"), choices=NoticeChannel.Provider.choices)
    url = forms.CharField(
        label=_("Incoming-webhook URL"),
        max_length=webhooks.MAX_URL_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Kept encrypted; only its end is shown afterwards."),
    )
    field_order = ["provider", "url", "name", "team", "notices", "conflict_days"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        provider, url = data.get("provider"), (data.get("url") or "").strip()
        if provider and url:
            error = url_error(provider, url)
            if error is not None:
                self.add_error("url", error)
            else:
                data["url"] = url
        return data


class ReplaceUrlForm(forms.Form):
    url = forms.CharField(
        label=_("New incoming-webhook URL"),
        max_length=webhooks.MAX_URL_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, provider: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        error = url_error(self.provider, url)
        if error is not None:
            raise error
        return url
