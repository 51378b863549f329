from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from collab.models import Membership, Organisation, Role, Team, Topology
from collab.permissions import grant_refusal, grantable_roles, may_grant


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: each field's errors on that field when the form
    has it, the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name (slug)"),
        max_length=64,
        required=False,
        help_text=_("Used in links; made from the name when left empty."),
    )
    topology = forms.ChoiceField(
        label=_("Topology"),
        choices=Topology.choices,
        help_text=_("Team Topologies: how this team interacts with the others."),
    )


class TeamEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    topology = forms.ChoiceField(label=_("Topology"), choices=Topology.choices)


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.name or obj.user.email} · {obj.get_role_display()}"


class TeamMemberForm(forms.Form):
    membership = MembershipChoiceField(label=_("Person"), queryset=Membership.objects.none())
    role = forms.ChoiceField(label=_("Role in the team"), choices=Role.choices)

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Membership.objects.filter(org=org, is_active=True).select_related("user").order_by("user__name")
        )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.ENGINEER)
    team = forms.ModelChoiceField(label=_("Team (optional)"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, org: Organisation, by: Membership | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.filter(org=org).order_by("name")
        # Offer only the roles the inviter may grant; the others get a clear refusal if posted.
        self.fields["role"].widget.choices = grantable_roles(by)

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if not may_grant(self.by, role):
            raise forms.ValidationError(grant_refusal(role))
        return role


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "time_zone", "language")

    def clean_time_zone(self) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        value = self.cleaned_data["time_zone"]
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(
                _("Unknown time zone; use an IANA name such as Europe/Paris.")
            ) from exc
        return value


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth.password_validation import validate_password

        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str:
    """The sign-in address as django-axes counts failures (AXES_USERNAME_CALLABLE): lowercase, so
    typing it in another case neither signs in differently nor escapes the lockout."""
    from django.conf import settings

    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials if credentials else getattr(request, "POST", {})
    return str(source.get(field) or "").strip().lower()
