"""OKR and glossary pages (reached from the settings)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.features import glossary, okrs
from collab.features.forms import GlossaryTermForm, KeyResultForm, ObjectiveForm, objective_initial
from collab.features.permissions import may_edit_okrs
from collab.features.views import _org, me
from collab.forms import add_errors
from collab.http import OrgRequest
from collab.models import KeyResult, Objective
from collab.permissions import Cap, can
from collab.weeks import quarter_of_date

# --- OKRs ---------------------------------------------------------------------------------------


def _require_okr_editor(request: OrgRequest) -> None:
    if not may_edit_okrs(me(request)):
        raise PermissionDenied(
            _("Only PMs, tech leads, the CTO, product leadership and Product Ops edit OKRs.")
        )


def _objective(request: OrgRequest, key: str) -> Objective:
    try:
        return okrs.objective_get(org=_org(request), key=key)
    except Objective.DoesNotExist as exc:
        raise Http404(_("No such objective.")) from exc


def _key_result(request: OrgRequest, key: str) -> KeyResult:
    try:
        return okrs.key_result_get(org=_org(request), key=key)
    except KeyResult.DoesNotExist as exc:
        raise Http404(_("No such key result.")) from exc


@login_required
def okr_list(request: OrgRequest) -> HttpResponse:
    org = _org(request)
    quarters = okrs.objective_quarters(org=org)
    quarter = request.GET.get("quarter", "")
    quarter = quarter if quarter in quarters else ""
    objectives = list(okrs.objective_list(org=org, quarter=quarter))
    return render(
        request,
        "collab/okrs/okr_list.html",
        {
            "objectives": objectives,
            "quarters": quarters,
            "quarter": quarter,
            "may_edit": may_edit_okrs(me(request)),
        },
    )


@login_required
def objective_create(request: OrgRequest) -> HttpResponse:
    _require_okr_editor(request)
    org = _org(request)
    form = ObjectiveForm(
        request.POST or None, org=org, initial={"quarter": quarter_of_date(timezone.localdate())}
    )
    if request.method == "POST" and form.is_valid():
        try:
            objective = okrs.objective_create(org=org, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Objective created; add its business and technical key results."))
            return redirect("collab:objective_edit", key=objective.key)
    return render(request, "collab/okrs/objective_form.html", {"form": form, "objective": None})


@login_required
def objective_edit(request: OrgRequest, key: str) -> HttpResponse:
    objective = _objective(request, key)
    _require_okr_editor(request)
    form = ObjectiveForm(request.POST or None, org=objective.org, initial=objective_initial(objective))
    if request.method == "POST" and form.is_valid():
        try:
            okrs.objective_update(objective=objective, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Objective saved."))
            return redirect("collab:okr_list")
    return _objective_page(request, objective, form=form, kr_form=KeyResultForm())


def _objective_page(
    request: OrgRequest,
    objective: Objective,
    *,
    form: ObjectiveForm,
    kr_form: KeyResultForm,
    status: int = 200,
) -> HttpResponse:
    """An objective's page: its form, its key results and the form that adds one."""
    context = {
        "form": form,
        "objective": objective,
        "kr_form": kr_form,
        "key_results": list(objective.key_results.all()),
    }
    return render(request, "collab/okrs/objective_form.html", context, status=status)


@login_required
@require_POST
def objective_delete(request: OrgRequest, key: str) -> HttpResponse:
    objective = _objective(request, key)
    _require_okr_editor(request)
    okrs.objective_delete(objective=objective, by=request.membership)
    messages.success(request, _("Objective deleted."))
    return redirect("collab:okr_list")


@login_required
@require_POST
def key_result_create(request: OrgRequest, key: str) -> HttpResponse:
    objective = _objective(request, key)
    _require_okr_editor(request)
    form = KeyResultForm(request.POST)
    if form.is_valid():
        try:
            okrs.key_result_create(objective=objective, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Key result added."))
            return redirect("collab:objective_edit", key=objective.key)
    obj_form = ObjectiveForm(org=objective.org, initial=objective_initial(objective))
    return _objective_page(request, objective, form=obj_form, kr_form=form, status=400)


@login_required
def key_result_edit(request: OrgRequest, key: str) -> HttpResponse:
    key_result = _key_result(request, key)
    _require_okr_editor(request)
    form = KeyResultForm(
        request.POST or None,
        instance=None,
        initial={name: getattr(key_result, name) for name in okrs.KR_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            okrs.key_result_update(key_result=key_result, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Key result saved."))
            return redirect("collab:objective_edit", key=key_result.objective.key)
    return render(request, "collab/okrs/key_result_form.html", {"form": form, "key_result": key_result})


@login_required
@require_POST
def key_result_delete(request: OrgRequest, key: str) -> HttpResponse:
    key_result = _key_result(request, key)
    _require_okr_editor(request)
    objective_key = key_result.objective.key
    okrs.key_result_delete(key_result=key_result, by=request.membership)
    messages.success(request, _("Key result deleted."))
    return redirect("collab:objective_edit", key=objective_key)


# --- Glossary -----------------------------------------------------------------------------------


def _require_glossary_manager(request: OrgRequest) -> None:
    if not can(me(request), Cap.MANAGE_ORG):
        raise PermissionDenied(_("Only Product Ops and leadership manage the glossary."))


@login_required
def glossary_list(request: OrgRequest) -> HttpResponse:
    org = _org(request)
    may_manage = can(me(request), Cap.MANAGE_ORG)
    terms = glossary.glossary_terms(org=org)
    if request.method == "GET" and not terms.exists():
        # First visit: start from the seed's four translations.
        glossary.glossary_seed_defaults(org)
    form = GlossaryTermForm(request.POST or None, initial={"language": (request.LANGUAGE_CODE or "en")[:2]})
    if request.method == "POST":
        _require_glossary_manager(request)
        if form.is_valid():
            try:
                entry = glossary.glossary_term_create(org=org, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("“%(term)s” added.") % {"term": entry.term})
                return redirect("collab:glossary")
    all_terms = list(terms)
    return render(
        request,
        "collab/glossary/glossary_list.html",
        {
            "languages": [
                ("en", "English", [t for t in all_terms if t.language == "en"]),
                ("fr", "Français", [t for t in all_terms if t.language == "fr"]),
            ],
            "form": form,
            "may_manage": may_manage,
            "count": len(all_terms),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def glossary_edit(request: OrgRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(glossary.glossary_terms(org=_org(request)), pk=pk)
    _require_glossary_manager(request)
    form = GlossaryTermForm(
        request.POST or None,
        initial={
            "term": entry.term,
            "business_term": entry.business_term,
            "language": entry.language,
            "explanation": entry.explanation,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            glossary.glossary_term_update(entry=entry, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Glossary term saved."))
            return redirect("collab:glossary")
    return render(request, "collab/glossary/glossary_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def glossary_delete(request: OrgRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(glossary.glossary_terms(org=_org(request)), pk=pk)
    _require_glossary_manager(request)
    glossary.glossary_term_delete(entry=entry, by=request.membership)
    messages.success(request, _("“%(term)s” removed from the glossary.") % {"term": entry.term})
    return redirect("collab:glossary")


@login_required
@require_POST
def glossary_defaults(request: OrgRequest) -> HttpResponse:
    _require_glossary_manager(request)
    added = glossary.glossary_seed_defaults(_org(request))
    if added:
        messages.success(request, _("%(n)s default terms added back.") % {"n": added})
    else:
        messages.info(request, _("The default terms are all there already."))
    return redirect("collab:glossary")
