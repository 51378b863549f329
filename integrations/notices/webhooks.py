"""Incoming-webhook URLs: which ones we accept (https on the provider's own hosts), how the pages
show them (masked), and one POST to one of them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

MAX_URL_LENGTH = 1000
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

# Hosts that serve incoming webhooks: Slack's; Teams' Office 365 connectors and the Workflows
# (Power Automate) that replace them.
SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
TEAMS_SUFFIXES = (".webhook.office.com", ".logic.azure.com", ".api.powerplatform.com")

# Why a URL is refused (codes; forms turn them into sentences in the reader's language).
NOT_A_URL = "not_a_url"
NOT_HTTPS = "not_https"
NOT_PROVIDER_HOST = "not_provider_host"


def _host_ok(provider: str, host: str, path: str) -> bool:
    if provider == "slack":
        return host in SLACK_HOSTS and path.startswith("/services/")
    return any(host.endswith(suffix) for suffix in TEAMS_SUFFIXES)


def url_refusal(provider: str, url: str) -> str | None:
    """None when `url` is an incoming webhook of `provider` we post to, else the reason's code."""
    if not url or len(url) > MAX_URL_LENGTH or not url.isprintable() or any(c.isspace() for c in url):
        return NOT_A_URL
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return NOT_A_URL
    if not parts.scheme or not parts.netloc:
        return NOT_HTTPS  # "hooks.slack.com/services/…": the scheme is missing
    if not host or parts.username is not None or parts.password is not None:
        return NOT_A_URL
    if settings.NOTICES_ALLOW_LOCAL_URLS and host in LOCAL_HOSTS and parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "https":
        return NOT_HTTPS
    if port not in (None, 443):
        return NOT_PROVIDER_HOST
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return NOT_PROVIDER_HOST
    return None if _host_ok(provider, host, parts.path) else NOT_PROVIDER_HOST


def url_hint(url: str) -> str:
    """What a page shows of the URL: its host and its last four characters."""
    host = urlsplit(url).hostname or "?"
    return f"{host}/…{url[-4:]}"[:120]


# --- sending ---------------------------------------------------------------------------------------

HTTP_STATUS = "http_status"
TIMEOUT_ERROR = "timeout"
NETWORK = "network"
URL_REFUSED = "url_refused"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retry: bool = False  # a later try may succeed (429, 5xx, a timeout, the network)
    error: str = ""
    detail: str = ""
    retry_after: float | None = None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


# Teams' Office 365 connectors may answer 200 with this text when the message was not delivered
# (its rate limit, mostly): a failure a later try may fix.
TEAMS_DELIVERY_FAILED = "Webhook message delivery failed"


def post(url: str, payload: dict[str, Any]) -> Outcome:
    """POST the JSON payload, with timeouts; never raises for what the other side does."""
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT, follow_redirects=False)
    except httpx.TimeoutException as exc:
        return Outcome(ok=False, retry=True, error=TIMEOUT_ERROR, detail=type(exc).__name__)
    except httpx.HTTPError as exc:
        return Outcome(ok=False, retry=True, error=NETWORK, detail=type(exc).__name__)
    if 200 <= response.status_code < 300 and not response.text.startswith(TEAMS_DELIVERY_FAILED):
        return Outcome(ok=True)
    # Slack answers a short code ("no_service", "invalid_payload"): worth showing; never the URL.
    said = "".join(c for c in response.text[:100] if c.isprintable()).strip()
    detail = f"{response.status_code} {said}".strip()
    retry = response.status_code == 429 or response.status_code >= 500 or response.status_code < 300
    return Outcome(
        ok=False, retry=retry, error=HTTP_STATUS, detail=detail[:300], retry_after=_retry_after(response)
    )
