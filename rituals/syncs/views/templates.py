"""Ritual template settings: sections, prompts and time boxes, per organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.http import OrgRequest
from collab.permissions import Cap, can, require
from rituals.syncs import selectors, services
from rituals.syncs.forms import SectionFormSet, TemplateForm, section_initial, sections_from_formset


@login_required
@require_GET
def template_list(request: OrgRequest) -> HttpResponse:
    org = request.org
    if org is None:
        return render(request, "collab/no_organisation.html")
    services.templates_ensure_defaults(org)
    templates = list(selectors.template_list(org=org))
    for template in templates:
        template.total_minutes = sum(s.planned_minutes for s in template.sections.all())  # type: ignore[attr-defined]
    return render(
        request,
        "rituals/syncs/template_list.html",
        {"templates": templates, "can_edit": can(request.membership, Cap.MANAGE_ORG)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@require(Cap.MANAGE_ORG)
def template_edit(request: OrgRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.template_list(org=request.org), pk=pk)
    existing = list(template.sections.all())
    if request.method == "POST":
        form = TemplateForm(request.POST)
        formset = SectionFormSet(request.POST, prefix="sections")
        if form.is_valid() and formset.is_valid():
            try:
                services.template_update(
                    template=template,
                    name=_keep(form.cleaned_data["name"], template.name),
                    description=_keep(form.cleaned_data["description"], template.description),
                    sections=sections_from_formset(formset, existing),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Template saved. Syncs prepared from now on use it."))
                return redirect("rituals:template_list")
    else:
        form = TemplateForm(
            initial={
                "name": _(template.name),
                "description": _(template.description) if template.description else "",
            }
        )
        formset = SectionFormSet(initial=section_initial(existing), prefix="sections")
    total = sum(s.planned_minutes for s in existing)
    return render(
        request,
        "rituals/syncs/template_form.html",
        {"template": template, "form": form, "formset": formset, "total": total},
    )


def _keep(typed: str, stored: str) -> str:
    """A default name or description left untouched stays a msgid (it reads in every language)."""
    return stored if stored and typed.strip() == _(stored) else typed


@login_required
@require_POST
@require(Cap.MANAGE_ORG)
def template_reset(request: OrgRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.template_list(org=request.org), pk=pk)
    services.template_reset(template=template)
    messages.success(request, _("The default sections are back."))
    return redirect("rituals:template_edit", pk=template.pk)
