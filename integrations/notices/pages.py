"""Settings → Connections → Slack and Teams: channels (add, change, replace the URL, pause, delete),
a test message, and the messages sent to each with "send again" for the failed ones."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from collab.http import OrgRequest
from collab.permissions import Cap, require
from integrations.models_notices import NoticeChannel
from integrations.notices import selectors, services
from integrations.notices.forms import ChannelForm, ChannelSettingsForm, ReplaceUrlForm
from integrations.notices.webhooks import HTTP_STATUS, NETWORK, TIMEOUT_ERROR, URL_REFUSED

ERROR_LABELS = {
    HTTP_STATUS: gettext_lazy("the tool answered an error"),
    TIMEOUT_ERROR: gettext_lazy("the tool did not answer in time"),
    NETWORK: gettext_lazy("the tool could not be reached"),
    URL_REFUSED: gettext_lazy("the webhook URL is no longer accepted"),
}


def _detail(
    request: OrgRequest,
    channel: NoticeChannel,
    *,
    form: ChannelSettingsForm | None = None,
    url_form: ReplaceUrlForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or ChannelSettingsForm(
        org=request.org,
        initial={
            "name": channel.name,
            "team": channel.team,
            "notices": channel.notices,
            "conflict_days": channel.conflict_days,
        },
    )
    sends = selectors.recent_sends(channel=channel)
    context: dict[str, Any] = {
        "channel": channel,
        "form": form,
        "url_form": url_form or ReplaceUrlForm(provider=channel.provider),
        "sends": [
            (send, str(ERROR_LABELS.get(send.error, send.error)), selectors.may_send_again(send))
            for send in sends
        ],
    }
    return render(request, "integrations/notices/channel_detail.html", context, status=status)


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
@never_cache
def channels(request: OrgRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None, org=request.org)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            channel = services.channel_create(
                org=request.org,
                provider=data["provider"],
                name=data["name"],
                url=data["url"],
                team=data["team"],
                notices=data["notices"],
                conflict_days=data["conflict_days"],
                by=request.membership,
            )
            messages.success(request, _("Channel added. Send a test message to check it."))
            return redirect("integrations:notice_channel", pk=channel.pk)
        status = 400
    context = {"form": form, "channels": selectors.channel_list(org=request.org)}
    return render(request, "integrations/notices/channel_list.html", context, status=status)


def _channel(request: OrgRequest, pk: UUID) -> NoticeChannel:
    return get_object_or_404(selectors.channel_list(org=request.org), pk=pk)


@login_required
@require(Cap.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
@never_cache
def channel_detail(request: OrgRequest, pk: UUID) -> HttpResponse:
    channel = _channel(request, pk)
    if request.method == "POST":
        form = ChannelSettingsForm(request.POST, org=request.org)
        if not form.is_valid():
            return _detail(request, channel, form=form, status=400)
        data = form.cleaned_data
        services.channel_update(
            channel=channel,
            name=data["name"],
            team=data["team"],
            notices=data["notices"],
            conflict_days=data["conflict_days"],
        )
        messages.success(request, _("Channel saved."))
        return redirect("integrations:notice_channel", pk=channel.pk)
    return _detail(request, channel)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def channel_url(request: OrgRequest, pk: UUID) -> HttpResponse:
    channel = _channel(request, pk)
    form = ReplaceUrlForm(request.POST, provider=channel.provider)
    if not form.is_valid():
        return _detail(request, channel, url_form=form, status=400)
    services.channel_replace_url(channel=channel, url=form.cleaned_data["url"], by=request.membership)
    messages.success(request, _("Webhook URL replaced."))
    return redirect("integrations:notice_channel", pk=channel.pk)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def channel_test(request: OrgRequest, pk: UUID) -> HttpResponse:
    channel = _channel(request, pk)
    services.test_send(channel=channel)
    if channel.paused:
        messages.warning(request, _("This channel is paused: resume it for the test message to go."))
    else:
        messages.success(request, _("Test message on its way: it appears below once sent."))
    return redirect("integrations:notice_channel", pk=channel.pk)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def channel_pause(request: OrgRequest, pk: UUID) -> HttpResponse:
    channel = _channel(request, pk)
    services.channel_pause(channel=channel, paused=not channel.paused)
    messages.success(
        request, _("Channel paused: nothing is sent to it.") if channel.paused else _("Channel resumed.")
    )
    return redirect("integrations:notice_channel", pk=channel.pk)


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def channel_delete(request: OrgRequest, pk: UUID) -> HttpResponse:
    channel = _channel(request, pk)
    services.channel_delete(channel=channel, by=request.membership)
    messages.success(request, _("Channel deleted."))
    return redirect("integrations:notice_channels")


@login_required
@require(Cap.MANAGE_ORG)
@require_POST
def send_again(request: OrgRequest, pk: UUID, send_pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    send = get_object_or_404(selectors.send_of(org=request.org, channel_id=channel.pk, pk=send_pk))
    if selectors.may_send_again(send):
        services.send_again(send=send)
        messages.success(request, _("The message will be sent again."))
    return redirect("integrations:notice_channel", pk=channel.pk)
