"""People leaving: a manager removes a member (their records stay, under their name), and whoever
holds the managing role hands it to someone else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from collab import selectors
from collab.audit import Action, audit_record
from collab.forms import MembershipChoiceField, add_errors
from collab.http import OrgRequest
from collab.models import Membership, Role, TeamMember
from collab.permissions import Cap, may_grant, require, role_may_grant


@transaction.atomic
def membership_remove(*, membership: Membership, by: Membership) -> Membership:
    """Take `membership` out of the organisation: it can no longer sign in there and leaves its
    teams; what it wrote (specs, decisions, syncs…) stays attributed to it."""
    if membership.pk == by.pk or membership.user_id == by.user_id:
        raise ValidationError(_("You cannot remove yourself; hand your role over first."))
    if not membership.is_active:
        raise ValidationError(_("%(person)s is no longer a member.") % {"person": membership.user})
    if not may_grant(by, membership.role):
        raise ValidationError(
            _("%(person)s is more senior than you: only someone at least as senior removes them.")
            % {"person": membership.user}
        )
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    TeamMember.objects.filter(membership=membership).delete()
    audit_record(
        org=membership.org,
        actor=by,
        action=Action.MEMBER_REMOVED,
        target=str(membership.user),
        details={"person": str(membership.user)},
    )
    return membership


@transaction.atomic
def managing_role_transfer(*, by: Membership, to: Membership, new_role: str) -> Membership:
    """Give `to` the role `by` holds, and `by` the role `new_role` (one `by` may grant)."""
    if to.org_id != by.org_id or not to.is_active:
        raise ValidationError({"person": _("Choose an active member of your organisation.")})
    if to.pk == by.pk:
        raise ValidationError({"person": _("Choose someone else.")})
    if new_role not in Role.values or not role_may_grant(by.role, new_role):
        raise ValidationError({"new_role": _("Unknown role.")})
    handed = by.role
    to.role, by.role = handed, new_role
    to.save(update_fields=["role"])
    by.save(update_fields=["role"])
    audit_record(
        org=by.org,
        actor=by,
        action=Action.MANAGER_TRANSFERRED,
        target=str(to.user),
        details={"person": str(to.user), "role": handed},
    )
    return to


class HandOverForm(forms.Form):
    person = MembershipChoiceField(label=gettext_lazy("Person"), queryset=Membership.objects.none())
    new_role = forms.ChoiceField(label=gettext_lazy("Your role afterwards"), choices=Role.choices)

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Membership.objects.filter(org_id=by.org_id, is_active=True)
            .exclude(pk=by.pk)
            .select_related("user")
            .order_by("user__name")
        )
        roles = self.fields["new_role"]
        assert isinstance(roles, forms.ChoiceField)
        roles.choices = [(v, lbl) for v, lbl in Role.choices if role_may_grant(by.role, v)]


@login_required
@require_POST
@require(Cap.MANAGE_ORG)
def membership_remove_view(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.membership_list(org=request.org), pk=pk)
    try:
        membership_remove(membership=membership, by=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "403.html", status=403)
    messages.success(
        request, _("%(person)s was removed from the organisation.") % {"person": membership.user}
    )
    return redirect("collab:settings")


@login_required
@require(Cap.MANAGE_ORG)
def hand_over(request: OrgRequest) -> HttpResponse:
    form = HandOverForm(request.POST or None, by=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            to = managing_role_transfer(
                by=request.membership, to=form.cleaned_data["person"], new_role=form.cleaned_data["new_role"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.") % {"person": to.user, "role": to.get_role_display()},
            )
            return redirect("collab:settings")
    return render(request, "collab/hand_over.html", {"form": form})
