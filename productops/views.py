"""Experiment pages: the list with the share won, create and edit the pre-registered plan, the
experiment page (plan, checklist, results, analysis, revisions), start, record results, stop; and
the organisation's experiment template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_errors
from collab.http import OrgRequest
from productops import selectors, services
from productops.experiments.stats import SRM_THRESHOLD
from productops.forms import ExperimentForm, ResultsForm, StopForm, TemplateForm
from productops.models import Experiment
from productops.permissions import may_edit_experiments, require_experiment_editor
from productops.requests import flash_errors, request_editor, request_org


def _experiment(request: OrgRequest, pk: int) -> Experiment:
    try:
        return selectors.experiment_get(org=request_org(request), pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("No such experiment.")) from exc


@login_required
@require_GET
def experiment_list(request: OrgRequest) -> HttpResponse:
    org = request_org(request)
    status = request.GET.get("status", "")
    status = status if status in Experiment.Status.values else ""
    return render(
        request,
        "productops/experiment_list.html",
        {
            "experiments": selectors.experiment_list(org=org, status=status),
            "outcomes": selectors.experiment_outcomes(org=org),
            "statuses": Experiment.Status.choices,
            "status": status,
            "may_edit": may_edit_experiments(request.membership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def experiment_create(request: OrgRequest) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_experiment_editor)
    template = services.template_ensure(org=org)
    initial = ExperimentForm.initial_from_template(template)
    if feature_key := request.GET.get("feature", "")[:64]:
        initial["feature"] = selectors.experiment_features(org=org).filter(key=feature_key).first()
    form = ExperimentForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            experiment = services.experiment_create(org=org, by=by, plan=form.plan())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Experiment created. Tick the pre-launch checklist, then start it."))
            return redirect("productops:experiment_detail", pk=experiment.pk)
    return render(request, "productops/experiment_form.html", {"form": form, "experiment": None})


@login_required
@require_http_methods(["GET", "POST"])
def experiment_edit(request: OrgRequest, pk: int) -> HttpResponse:
    org, by = request_org(request), request_editor(request, require_experiment_editor)
    experiment = _experiment(request, pk)
    form = ExperimentForm(
        request.POST or None, org=org, initial=ExperimentForm.initial_from_experiment(experiment)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.experiment_update(experiment=experiment, by=by, plan=form.plan())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if experiment.is_locked:
                messages.success(request, _("Saved as a revision of the pre-registered plan."))
            return redirect("productops:experiment_detail", pk=experiment.pk)
    return render(request, "productops/experiment_form.html", {"form": form, "experiment": experiment})


@login_required
@require_GET
def experiment_detail(request: OrgRequest, pk: int) -> HttpResponse:
    experiment = _experiment(request, pk)
    return render(
        request,
        "productops/experiment_detail.html",
        {
            "experiment": experiment,
            "revisions": _revision_rows(experiment),
            "may_edit": may_edit_experiments(request.membership),
            "checklist_done": all(entry["done"] for entry in experiment.checklist),
            "srm_threshold": SRM_THRESHOLD,
            "analysis": _analysis_view(experiment),
            "stop_form": StopForm(),
        },
    )


def _shown(field: str, value: Any) -> str:
    if field == "variants" and isinstance(value, list):
        return ", ".join(f"{v['name']} {float(v['share']):g} %" for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _label(field: str) -> Any:
    model_field = Experiment._meta.get_field(field)
    return getattr(model_field, "verbose_name", field)


def _revision_rows(experiment: Experiment) -> list[dict[str, Any]]:
    """Each revision with its changes as (field label, old, new), in the reader's language."""
    rows = []
    for revision in selectors.experiment_revisions(experiment=experiment):
        changes = [
            (_label(field), _shown(field, c["old"]), _shown(field, c["new"]))
            for field, c in revision.changes.items()
        ]
        rows.append({"at": revision.at, "by": revision.by, "changes": changes})
    return rows


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _analysis_view(experiment: Experiment) -> dict[str, Any] | None:
    """The stored analysis with rates and lifts in percent (points) for display."""
    analysis = experiment.analysis
    if not analysis:
        return None
    return {
        "variants": [{**v, "rate_pct": _pct(v["rate"])} for v in analysis["variants"]],
        "comparisons": [
            {
                **c,
                "lift_abs_pct": _pct(c["lift_abs"]),
                "lift_rel_pct": _pct(c["lift_rel"]),
                "ci_low_pct": _pct(c["ci_low"]),
                "ci_high_pct": _pct(c["ci_high"]),
            }
            for c in analysis["comparisons"]
        ],
        "srm_p_value": analysis["srm_p_value"],
        "srm": analysis["srm"],
        "sample_size_per_variant": analysis["sample_size_per_variant"],
    }


@login_required
@require_POST
def experiment_checklist(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_experiment_editor)
    experiment = _experiment(request, pk)
    done = {
        int(v) for v in request.POST.getlist("done") if v.isdigit() and int(v) < len(experiment.checklist)
    }
    try:
        services.experiment_checklist_update(experiment=experiment, done=done)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("productops:experiment_detail", pk=experiment.pk)


@login_required
@require_POST
def experiment_start(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_experiment_editor)
    experiment = _experiment(request, pk)
    try:
        services.experiment_start(experiment=experiment)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Experiment started: its plan is now locked; edits become revisions."))
    return redirect("productops:experiment_detail", pk=experiment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def experiment_results(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_experiment_editor)
    experiment = _experiment(request, pk)
    if experiment.status != Experiment.Status.RUNNING:
        messages.error(request, _("Results are recorded while the experiment runs."))
        return redirect("productops:experiment_detail", pk=experiment.pk)
    form = ResultsForm(request.POST or None, experiment=experiment)
    if request.method == "POST" and form.is_valid():
        try:
            experiment = services.experiment_record_results(
                experiment=experiment,
                counts=form.counts(),
                guardrails_breached=form.cleaned_data.get("guardrails_breached", []),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if experiment.verdict:
                messages.success(request, _("Results recorded and analysed."))
            else:
                messages.warning(
                    request, _("Sample-ratio mismatch: the test is broken, no verdict is given.")
                )
            return redirect("productops:experiment_detail", pk=experiment.pk)
    return render(
        request, "productops/experiment_results_form.html", {"form": form, "experiment": experiment}
    )


@login_required
@require_POST
def experiment_stop(request: OrgRequest, pk: int) -> HttpResponse:
    request_editor(request, require_experiment_editor)
    experiment = _experiment(request, pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the experiment stops."))
        return redirect("productops:experiment_detail", pk=experiment.pk)
    try:
        services.experiment_stop(experiment=experiment, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("productops:experiment_detail", pk=experiment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: OrgRequest) -> HttpResponse:
    org = request_org(request)
    request_editor(request, require_experiment_editor)
    template = services.template_ensure(org=org)
    form: Any = TemplateForm(request.POST or None, initial=TemplateForm.initial_from(template))
    if request.method == "POST" and form.is_valid():
        services.template_update(org=org, **form.values())
        messages.success(request, _("Experiment template saved."))
        return redirect("productops:experiment_list")
    return render(request, "productops/template_form.html", {"form": form})
