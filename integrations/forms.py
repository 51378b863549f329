from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from collab.models import Organisation, Team
from integrations.delivery_history import MAX_DAYS as HISTORY_MAX_DAYS
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


TRACKER_STATUS_VALUES = ("idea", "framing", "in_progress", "delivered", "dropped")
TRACKER_KIND_VALUES = ("product", "tech_debt", "platform", "bug")


class TrackerForm(MappingForm):
    """A Jira or Linear connection: where its issues go, how their statuses, types and labels read
    as ours, which of them become features, and the API token for history and action items."""

    site = forms.URLField(
        assume_scheme="https",
        label=_("Jira site"),
        required=False,
        max_length=200,
        help_text=_("Your Jira Cloud address, e.g. https://acme.atlassian.net."),
    )
    email = forms.EmailField(
        label=_("Jira account e-mail"),
        required=False,
        help_text=_("The account the API token belongs to."),
    )
    project = forms.CharField(
        label=_("Project or team key"),
        required=False,
        max_length=64,
        help_text=_("Jira project key or Linear team key (ENG): history and action items go there."),
    )
    statuses = forms.CharField(
        label=_("Status mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One a line: “their status = idea|framing|in_progress|delivered|dropped”. A status not "
            "listed follows its category (to do → idea, in progress → in progress, done → delivered) "
            "and is listed above until you map it."
        ),
    )
    kinds = forms.CharField(
        label=_("Kind mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: “issue type or label = product|tech_debt|platform|bug”. Bugs are bugs and "
            "anything else is product unless mapped."
        ),
    )
    estimate_field = forms.CharField(
        label=_("Estimate field"),
        required=False,
        max_length=64,
        help_text=_(
            "The field read as effort points: Jira's story points are usually customfield_10016; "
            "Linear's is estimate."
        ),
    )
    only = forms.CharField(
        label=_("Only issues of this type or label"),
        required=False,
        max_length=120,
        help_text=_("Blank: every issue of the mapped projects becomes a feature."),
    )
    issue_type = forms.CharField(
        label=_("Issue type of action items"),
        required=False,
        max_length=64,
        help_text=_("Jira: the issue type of action items sent from a sync (Task by default)."),
    )
    token = forms.CharField(
        label=_("API token"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Reads history and creates issues; stored encrypted. Leave blank to keep the current one."
        ),
    )

    field_order = ["team", "sources", "project", "site", "email", "token", "statuses", "kinds"]

    def __init__(self, *args: Any, provider: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["environments"]
        self.fields["sources"].label = _("Projects or teams → team")
        self.fields["sources"].help_text = _(
            "One a line: “project or team key = team-slug”. Keys not listed feed the default team."
        )
        if provider != "jira":
            for name in ("site", "email", "issue_type"):
                del self.fields[name]

    def clean_environments(self) -> dict[str, str]:
        return {}

    def clean_site(self) -> str:
        value = str(self.cleaned_data.get("site") or "").rstrip("/")
        if value and not value.startswith("https://"):
            raise forms.ValidationError(_("Use the https:// address of your site."))
        return value

    def clean_statuses(self) -> dict[str, str]:
        pairs = _pairs(self.cleaned_data.get("statuses") or "", what="status")
        wrong = sorted(k for k, v in pairs.items() if v not in TRACKER_STATUS_VALUES)
        if wrong:
            raise forms.ValidationError(
                _("Map to idea, framing, in_progress, delivered or dropped: %(names)s"),
                params={"names": ", ".join(wrong)},
            )
        return pairs

    def clean_kinds(self) -> dict[str, str]:
        pairs = _pairs(self.cleaned_data.get("kinds") or "", what="type or label")
        wrong = sorted(k for k, v in pairs.items() if v not in TRACKER_KIND_VALUES)
        if wrong:
            raise forms.ValidationError(
                _("Map to product, tech_debt, platform or bug: %(names)s"), params={"names": ", ".join(wrong)}
            )
        return pairs

    def tracker(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("site", "email", "project", "statuses", "kinds", "estimate_field", "only", "issue_type")
        return {name: data[name] for name in names if name in data and data[name]}

    @staticmethod
    def initial_of(connection: Connection) -> dict[str, Any]:
        tracker = connection.tracker
        initial: dict[str, Any] = {
            "team": connection.team,
            "sources": pairs_text(connection.sources),
            **{k: v for k, v in tracker.items() if isinstance(v, str)},
        }
        for name in ("statuses", "kinds"):
            value = tracker.get(name)
            initial[name] = pairs_text(value) if isinstance(value, dict) else ""
        return initial


class BackfillForm(forms.Form):
    query = forms.CharField(
        label=_("Which issues"),
        required=False,
        max_length=1000,
        help_text=_(
            "Jira: a JQL query (blank: every issue of the project). Linear: an IssueFilter in JSON "
            "(blank: every issue of the team)."
        ),
    )


SOURCE_PATTERN = r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$"


class HistoryForm(forms.Form):
    """What a delivery connection's history reads: the repository or project (GitHub, GitLab), how
    many days back (not GitHub: its deployments list has no date filter) and the read token (kept
    encrypted; blank keeps the one stored)."""

    source = forms.RegexField(
        label=_("Repository or project"),
        regex=SOURCE_PATTERN,
        required=False,
        max_length=200,
        error_messages={"invalid": _("Write it as owner/name (GitLab: group/subgroup/name).")},
    )
    days = forms.IntegerField(label=_("Days back"), min_value=1, initial=90)
    token = forms.CharField(
        label=_("Read token"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Kept encrypted and never shown again; leave blank to keep the one stored."),
    )

    def __init__(self, *args: Any, connection: Connection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection = connection
        provider = connection.provider
        if provider in {"pagerduty", "opsgenie"}:
            del self.fields["source"]
        if provider == "github":
            del self.fields["days"]
        else:
            most = HISTORY_MAX_DAYS[provider]
            days = self.fields["days"]
            days.validators.append(MaxValueValidator(most))
            days.widget.attrs["max"] = most
            days.help_text = _("At most %(days)s days.") % {"days": most}

    def clean_source(self) -> str:
        source = str(self.cleaned_data.get("source") or "")
        if not source:
            raise forms.ValidationError(_("Name the repository or project to read."))
        return source

    def clean_token(self) -> str:
        token = str(self.cleaned_data.get("token") or "")
        if not token.isprintable():
            raise forms.ValidationError(_("A token is printable characters only."))
        if not token and not self.connection.token_encrypted:
            raise forms.ValidationError(_("Give a token that may read this history."))
        return token
