from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team
from integrations.mapping import DEFAULT_ENVIRONMENTS
from integrations.models import Connection
from integrations.services import PROVIDERS

ENVIRONMENT_VALUES = {"production", "staging", "test"}


def _pairs(text: str, *, what: str) -> dict[str, str]:
    """Lines "left = right" as a dict; ValidationError naming the first bad line."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        left, sep, right = line.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise forms.ValidationError(
                _("Line %(number)s: write “%(what)s = value”."), params={"number": number, "what": what}
            )
        pairs[left.strip()[:200]] = right.strip()[:64]
    return pairs


def pairs_text(pairs: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in pairs.items())


class MappingForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team fed by default"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Sources not mapped below feed this team; with none, they are listed for mapping."),
    )
    sources = forms.CharField(
        label=_("Repositories or services → team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: “owner/repository = team-slug” or “service id or name = team-slug”."),
    )
    environments = forms.CharField(
        label=_("Environments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: “name = production|staging|test”. Defaults: production, prod, live → production; "
            "staging, stage, preprod → staging; anything else → test."
        ),
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["team"].queryset = Team.objects.filter(org=org).order_by("name")  # type: ignore[attr-defined]

    def clean_sources(self) -> dict[str, str]:
        pairs = _pairs(self.cleaned_data.get("sources") or "", what="source")
        slugs = set(Team.objects.filter(org=self.org).values_list("slug", flat=True))
        unknown = sorted(v for v in pairs.values() if v not in slugs)
        if unknown:
            raise forms.ValidationError(_("Unknown team(s): %(slugs)s"), params={"slugs": ", ".join(unknown)})
        return pairs

    def clean_environments(self) -> dict[str, str]:
        pairs = _pairs(self.cleaned_data.get("environments") or "", what="environment")
        wrong = sorted(k for k, v in pairs.items() if v not in ENVIRONMENT_VALUES)
        if wrong:
            raise forms.ValidationError(
                _("Map to production, staging or test: %(names)s"), params={"names": ", ".join(wrong)}
            )
        return {k.lower(): v for k, v in pairs.items() if DEFAULT_ENVIRONMENTS.get(k.lower()) != v}


class ConnectionForm(MappingForm):
    provider = forms.ChoiceField(label=_("Provider"), choices=Connection.Provider.choices)
    name = forms.CharField(label=_("Name"), max_length=120)

    field_order = ["provider", "name", "team", "sources", "environments"]

    def clean_provider(self) -> str:
        value = str(self.cleaned_data["provider"])
        if value not in PROVIDERS:
            raise forms.ValidationError(_("Choose a provider from the list."))
        return value
