"""The shell and the organisation's people: home, switcher, settings, teams, invitations, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from collab import selectors, services
from collab.forms import (
    AcceptInvitationForm,
    InvitationForm,
    MembershipRoleForm,
    OrganisationForm,
    TeamEditForm,
    TeamForm,
    TeamMemberForm,
    add_errors,
)
from collab.http import OrgRequest
from collab.middleware import SESSION_KEY
from collab.models import Membership
from collab.permissions import Cap, can, capability_labels, grantable_roles, may_grant, require, role_matrix
from collab.ratelimits import ALL, rate_limited


@login_required
@require_POST
def org_switch(request: OrgRequest) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("org"),
        user=request.user,
        is_active=True,
        org__slug=request.POST.get("org", ""),
    )
    request.session[SESSION_KEY] = membership.org_id
    messages.success(request, _("You are now in %(org)s.") % {"org": membership.org.name})
    return redirect("home")


@login_required
def settings_view(request: OrgRequest) -> HttpResponse:
    org = request.org
    if org is None:
        return render(request, "collab/no_organisation.html")
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST":
        if not can(request.membership, Cap.MANAGE_ORG):
            return render(request, "403.html", status=403)
        if form.is_valid():
            # Only the fields this form edits: the metric targets are edited on another page.
            form.save(commit=False).save(update_fields=list(OrganisationForm.Meta.fields))
            messages.success(request, _("Organisation settings saved."))
            return redirect("collab:settings")
    me = request.membership
    memberships = list(selectors.membership_list(org=org))
    for m in memberships:
        m.may_change_role = me is not None and m.user_id != me.user_id and may_grant(me, m.role)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "teams": selectors.team_list(org=org),
        "memberships": memberships,
        "invitations": [i for i in selectors.invitation_list(org=org) if i.is_pending],
        "invite_form": InvitationForm(org=org, by=me),
        "role_choices": grantable_roles(me),
        "capabilities": capability_labels().values(),
        "role_matrix": role_matrix(),
    }
    return render(request, "collab/settings.html", context)


@login_required
@require_GET
def team_list(request: OrgRequest) -> HttpResponse:
    return render(request, "collab/team_list.html", {"teams": selectors.team_list(org=request.org)})


@login_required
@require(Cap.MANAGE_TEAMS)
def team_create(request: OrgRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(org=request.org, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s created.") % {"name": team.name})
            return redirect("collab:team_detail", slug=team.slug)
    return render(request, "collab/team_form.html", {"form": form})


@login_required
def team_detail(request: OrgRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(selectors.team_list(org=request.org), slug=slug)
    may_manage = can(request.membership, Cap.MANAGE_TEAMS)
    member_form = TeamMemberForm(org=request.org)
    edit_form = TeamEditForm(initial={"name": team.name, "topology": team.topology})
    if request.method == "POST":
        if not may_manage:
            return render(request, "403.html", status=403)
        action = request.POST.get("action")
        if action == "edit":
            edit_form = TeamEditForm(request.POST)
            if edit_form.is_valid():
                services.team_update(team=team, **edit_form.cleaned_data)
                messages.success(request, _("Team saved."))
                return redirect("collab:team_detail", slug=team.slug)
        elif action == "remove":
            member_id = request.POST.get("member", "")
            if not member_id.isdigit():
                raise Http404
            member = get_object_or_404(team.members.all(), pk=member_id)
            services.team_member_remove(member=member, by=request.membership)
            messages.success(request, _("Removed from the team."))
            return redirect("collab:team_detail", slug=team.slug)
        else:
            member_form = TeamMemberForm(request.POST, org=request.org)
            if member_form.is_valid():
                services.team_member_add(team=team, **member_form.cleaned_data)
                messages.success(request, _("Team member added."))
                return redirect("collab:team_detail", slug=team.slug)
    context = {
        "team": team,
        "members": selectors.team_members(team=team),
        "member_form": member_form,
        "edit_form": edit_form,
        "invite_form": InvitationForm(org=request.org, by=request.membership, initial={"team": team}),
        "may_manage": may_manage,
    }
    return render(request, "collab/team_detail.html", context)


@login_required
@require(Cap.MANAGE_ORG)
def membership_role(request: OrgRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.membership_list(org=request.org), pk=pk)
    form = MembershipRoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_role(
                membership=membership, role=form.cleaned_data["role"], by=request.membership
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return render(request, "403.html", status=403)
        messages.success(request, _("Role updated."))
    return redirect("collab:settings")


@login_required
@require(Cap.MANAGE_TEAMS)
def invitation_create(request: OrgRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, org=request.org, by=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                org=request.org,
                by=request.membership,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            nxt = request.POST.get("next", "")
            if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(nxt)
            return redirect("collab:settings")
    return render(request, "collab/invitation_form.html", {"form": form})


@login_required
@require_POST
@require(Cap.MANAGE_TEAMS)
def invitation_revoke(request: OrgRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitation_list(org=request.org), pk=pk)
    services.invitation_revoke(invitation=invitation, by=request.membership)
    messages.success(request, _("Invitation revoked."))
    return redirect("collab:settings")


@never_cache
@rate_limited("invitation-accept", "RATELIMIT_INVITATION_ACCEPT", methods=ALL)
def invitation_accept(request: OrgRequest, token: str) -> HttpResponse:
    invitation = selectors.pending_invitation(token=token)
    if invitation is None:
        return render(request, "collab/invitation_invalid.html", status=404)
    existing = services.User.objects.filter(email__iexact=invitation.email).order_by("id").first()
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("home")
            request.session[SESSION_KEY] = invitation.org_id
            messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.org.name})
            return redirect("home")
        return render(request, "collab/invitation_accept.html", {"invitation": invitation, "form": None})
    if existing is not None and existing.has_usable_password():
        login_url = reverse("login") + "?next=" + request.path
        messages.info(
            request, _("Log in as %(email)s to accept the invitation.") % {"email": invitation.email}
        )
        return redirect(login_url)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_get_or_create(email=invitation.email, name=form.cleaned_data["name"])
        user.name = form.cleaned_data["name"]
        user.set_password(form.cleaned_data["password1"])
        user.save(update_fields=["name", "password"])
        services.invitation_accept(invitation=invitation, user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = invitation.org_id
        messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.org.name})
        return redirect("home")
    return render(request, "collab/invitation_accept.html", {"invitation": invitation, "form": form})
