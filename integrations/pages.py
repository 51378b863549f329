"""Settings → Connections: add, map, rotate, pause and delete connections; their recent deliveries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from collab.http import OrgRequest
from collab.permissions import Cap, require
from integrations import delivery_history, reasons, selectors, services, tracker_history
from integrations.forms import BackfillForm, ConnectionForm, HistoryForm, MappingForm, TrackerForm, pairs_text
from integrations.models import Backfill, Connection


def _hook_url(request: OrgRequest, connection: Connection) -> str:
    return request.build_absolute_uri(
        reverse("integrations:hook", kwargs={"provider": connection.provider, "connection_id": connection.pk})
    )


def _mapping_form(request: OrgRequest, connection: Connection, data: Any = None) -> MappingForm:
    if connection.is_tracker:
        return TrackerForm(
            data, org=request.org, provider=connection.provider, initial=TrackerForm.initial_of(connection)
        )
    return MappingForm(
        data,
        org=request.org,
        initial={
            "team": connection.team,
            "sources": pairs_text(connection.sources),
            "environments": pairs_text(connection.environments),
        },
    )


def _has_history(connection: Connection) -> bool:
    return connection.is_tracker or connection.provider in delivery_history.PROVIDERS


def _backfill_context(connection: Connection, history_form: HistoryForm | None = None) -> dict[str, Any]:
    backfill = Backfill.objects.filter(connection=connection).first()
    context: dict[str, Any] = {
        "backfill": backfill,
        "backfill_error": reasons.label(backfill.error) if backfill and backfill.error else "",
        "has_token": bool(connection.token_encrypted),
    }
    if connection.is_tracker:
        context["backfill_form"] = BackfillForm(initial={"query": backfill.query if backfill else ""})
    else:
        context["history_form"] = history_form or HistoryForm(
            connection=connection, initial=delivery_history.last_query(backfill)
        )
    return context


def _detail(
    request: OrgRequest,
    connection: Connection,
    *,
    form: MappingForm | None = None,
    history_form: HistoryForm | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    form = form or _mapping_form(request, connection)
    deliveries = selectors.recent_deliveries(connection=connection)
    context: dict[str, Any] = {
        "connection": connection,
        "form": form,
        "secret": secret,
        "hook_url": _hook_url(request, connection),
        "deliveries": [(d, reasons.label(d.reason) if d.reason else "") for d in deliveries],
        "unmapped": [
            s for s in selectors.unmapped_sources(connection=connection) if s not in connection.sources
        ],
        "unmapped_statuses": selectors.unmapped_statuses(connection=connection)
        if connection.is_tracker
        else [],
    }
    if _has_history(connection):
        context.update(_backfill_context(connection, history_form))
    return render(request, "integrations/connection_detail.html", context, status=status)


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
@never_cache
def connections(request: OrgRequest) -> HttpResponse:
    form = ConnectionForm(request.POST or None, org=request.org)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            connection, secret = services.connection_create(
                org=request.org,
                provider=data["provider"],
                name=data["name"],
                team=data["team"],
                sources=data["sources"],
                environments=data["environments"],
            )
            # The secret is shown in this response only: no redirect.
            return _detail(request, connection, secret=secret, status=201)
        status = 400
    context = {"form": form, "connections": selectors.connection_list(org=request.org)}
    return render(request, "integrations/connection_list.html", context, status=status)


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
@never_cache
def connection_detail(request: OrgRequest, pk: UUID) -> HttpResponse:
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    if request.method == "POST":
        form = _mapping_form(request, connection, request.POST)
        if not form.is_valid():
            return _detail(request, connection, form=form, status=400)
        services.connection_map(
            connection=connection,
            team=form.cleaned_data["team"],
            sources=form.cleaned_data["sources"],
            environments=form.cleaned_data.get("environments") or {},
            tracker=form.tracker() if isinstance(form, TrackerForm) else None,
        )
        if isinstance(form, TrackerForm) and form.cleaned_data.get("token"):
            services.connection_set_token(connection=connection, token=form.cleaned_data["token"])
        messages.success(request, _("Mappings saved."))
        return redirect("integrations:connection", pk=connection.pk)
    if request.GET.get("part") == "backfill" and _has_history(connection):
        return render(
            request,
            "integrations/connection_detail.html#backfill",
            {"connection": connection, **_backfill_context(connection)},
        )
    return _detail(request, connection)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def connection_backfill(request: OrgRequest, pk: UUID) -> HttpResponse:
    """Import the tracker's existing issues, or a delivery connection's past deployments and
    incidents: a Celery task reads them; the page shows its progress."""
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    if connection.provider in delivery_history.PROVIDERS:
        return _history_start(request, connection)
    form = BackfillForm(request.POST)
    if not connection.is_tracker or not form.is_valid():
        messages.error(request, _("Only Jira and Linear connections import existing issues."))
        return redirect("integrations:connection", pk=connection.pk)
    if not connection.token_encrypted:
        messages.error(request, _("Set an API token first: the import reads the issues with it."))
        return redirect("integrations:connection", pk=connection.pk)
    try:
        tracker_history.backfill_start(connection=connection, query=form.cleaned_data["query"])
    except tracker_history.HistoryError:
        messages.error(
            request, _('The Linear filter is a JSON object, e.g. {"state": {"type": {"neq": "canceled"}}}.')
        )
        return redirect("integrations:connection", pk=connection.pk)
    messages.success(request, _("The import has started: its progress shows below."))
    return redirect(reverse("integrations:connection", kwargs={"pk": connection.pk}) + "#backfill")


def _history_start(request: OrgRequest, connection: Connection) -> HttpResponse:
    history_form = HistoryForm(request.POST, connection=connection)
    if not history_form.is_valid():
        return _detail(request, connection, history_form=history_form, status=400)
    data = history_form.cleaned_data
    delivery_history.history_start(
        connection=connection,
        source=data.get("source") or "",
        days=data.get("days") or 90,
        token=data.get("token") or "",
    )
    messages.success(request, _("Reading the history has started: its progress shows below."))
    return redirect(reverse("integrations:connection", kwargs={"pk": connection.pk}) + "#backfill")


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
@never_cache
def connection_rotate(request: OrgRequest, pk: UUID) -> HttpResponse:
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    given = request.POST.get("secret", "").strip()
    if given and not (16 <= len(given) <= 200 and given.isprintable()):
        messages.error(request, _("A secret has 16 to 200 printable characters."))
        return redirect("integrations:connection", pk=connection.pk)
    secret = services.connection_rotate(connection=connection, secret=given)
    if given:
        messages.success(request, _("Secret replaced."))
        return redirect("integrations:connection", pk=connection.pk)
    return _detail(request, connection, secret=secret)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def connection_pause(request: OrgRequest, pk: UUID) -> HttpResponse:
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    services.connection_pause(connection=connection, paused=not connection.paused)
    if connection.paused:
        messages.success(request, _("Connection paused: its webhook now answers 404."))
    else:
        messages.success(request, _("Connection resumed."))
    return redirect("integrations:connection", pk=connection.pk)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def connection_delete(request: OrgRequest, pk: UUID) -> HttpResponse:
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    services.connection_delete(connection=connection)
    messages.success(request, _("Connection deleted."))
    return redirect("integrations:connections")


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def delivery_retry(request: OrgRequest, pk: UUID, delivery_pk: int) -> HttpResponse:
    connection = get_object_or_404(selectors.connection_list(org=request.org), pk=pk)
    delivery = get_object_or_404(
        selectors.delivery_of(org=request.org, connection_id=connection.pk, pk=delivery_pk)
    )
    services.delivery_retry(delivery=delivery)
    messages.success(request, _("The delivery will be processed again."))
    return redirect("integrations:connection", pk=connection.pk)
