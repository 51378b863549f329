"""The first steps of a new organisation, shown on the home page to its managers until they are
all done or dismissed: teams, people, the first DRIVE sync, delivery data or a workspace document.
Each step's state comes from counts; the apps above collab count their own records and pass them
(workspace/pages.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from collab import services
from collab.http import OrgRequest
from collab.models import Invitation, Membership, Organisation, Role, Team
from collab.permissions import Cap, can, grant_refusal, grantable_roles, may_grant, require


@dataclass(frozen=True)
class Step:
    key: str
    title: Any
    done: bool
    url: str
    action: Any


def onboarding_steps(*, org: Organisation, schedules: int, delivery_records: int, imports: int) -> list[Step]:
    teams = Team.objects.filter(org=org).count()
    people = (
        Membership.objects.filter(org=org, is_active=True).count()
        + Invitation.objects.filter(org=org).count()
    )
    return [
        Step(
            "teams",
            gettext_lazy("Create your teams, with their topology"),
            teams > 0,
            reverse("collab:team_create"),
            gettext_lazy("Create a team"),
        ),
        Step(
            "people",
            gettext_lazy("Invite people"),
            people > 1,
            reverse("collab:invite_many"),
            gettext_lazy("Invite"),
        ),
        Step(
            "sync",
            gettext_lazy("Schedule the first DRIVE sync"),
            schedules > 0,
            reverse("rituals:schedule_create"),
            gettext_lazy("Schedule"),
        ),
        Step(
            "delivery",
            gettext_lazy("Connect delivery data (API token or CSV import)"),
            delivery_records > 0,
            reverse("delivery:api_tokens"),
            gettext_lazy("Connect"),
        ),
        Step(
            "import",
            gettext_lazy("Or import a workspace document"),
            imports > 0,
            reverse("workspace:workspace_import"),
            gettext_lazy("Import"),
        ),
    ]


def onboarding_visible(*, org: Organisation, membership: Membership | None, steps: list[Step]) -> bool:
    return (
        org.onboarding_dismissed_at is None
        and can(membership, Cap.MANAGE_ORG)
        and not all(step.done for step in steps)
    )


@transaction.atomic
def onboarding_dismiss_for(*, org: Organisation) -> Organisation:
    if org.onboarding_dismissed_at is None:
        org.onboarding_dismissed_at = timezone.now()
        org.save(update_fields=["onboarding_dismissed_at"])
    return org


@login_required
@require_POST
@require(Cap.MANAGE_ORG)
def onboarding_dismiss(request: OrgRequest) -> HttpResponse:
    onboarding_dismiss_for(org=request.org)
    messages.success(request, _("The first steps are hidden."))
    return redirect("home")


# --- Inviting many people at once ----------------------------------------------------------------


class InviteManyForm(forms.Form):
    emails = forms.CharField(
        label=gettext_lazy("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("One or more, separated by commas, spaces or new lines."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.ENGINEER)

    def __init__(self, *args: Any, by: Membership | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["role"].widget.choices = grantable_roles(by)

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data["emails"].replace(",", " ").replace(";", " ").split()
        emails = list(dict.fromkeys(e.strip().lower() for e in raw if e.strip()))
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise forms.ValidationError(_("Not e-mail addresses: %(list)s") % {"list": ", ".join(bad)})
        if not emails:
            raise forms.ValidationError(_("Give at least one e-mail address."))
        if len(emails) > 100:
            raise forms.ValidationError(_("At most 100 addresses at a time."))
        return emails

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if not may_grant(self.by, role):
            raise forms.ValidationError(grant_refusal(role))
        return role


@transaction.atomic
def invitations_create_many(
    *, org: Organisation, emails: list[str], role: str, by: Membership, base_url: str | None = None
) -> list[Invitation]:
    """One invitation per address, all or none: the first refusal (someone already a member…)
    rolls every one back, its message naming the address."""
    return [
        services.invitation_create(org=org, email=email, role=role, team=None, by=by, base_url=base_url)
        for email in emails
    ]


@login_required
@require(Cap.MANAGE_TEAMS)
def invite_many(request: OrgRequest) -> HttpResponse:
    form = InviteManyForm(request.POST or None, by=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            sent = invitations_create_many(
                org=request.org,
                emails=form.cleaned_data["emails"],
                role=form.cleaned_data["role"],
                by=request.membership,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form.add_error("emails", exc.messages)
        else:
            n = len(sent)
            messages.success(
                request, ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", n) % {"n": n}
            )
            return redirect("home")
    return render(request, "collab/invite_many.html", {"form": form})
