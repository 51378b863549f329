"""Rate limits on the doors anyone can knock at (sign-up, password reset, invitations, calendar
feeds, the API), counted in the cache (Redis) by django-ratelimit. Each limit is a setting
(RATELIMIT_SIGNUP = "5/h" …, README's configuration table), read at request time. Over it, the
caller gets 429 with `Retry-After` and a page that says when to try again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit import ALL
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

__all__ = ["ALL", "rate_limited", "retry_after", "too_many_requests"]

Key = str | Callable[[str, HttpRequest], str]


def retry_after(
    request: HttpRequest,
    *,
    group: str,
    setting: str,
    key: Key = "ip",
    methods: Sequence[str | None] = ALL,
) -> int | None:
    """Count this request against the limit named by `setting`; the seconds to wait when it is
    over, else None. A cache that does not answer lets the request through (and says so in the log):
    the limits protect the service, they must not take it down."""
    rate = getattr(settings, setting, "")
    if not rate:
        return None
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, method=methods, increment=True)
    except (RedisError, OSError) as exc:
        logger.warning("rate limit %s not checked: %s", group, exc)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, (wait + 59) // 60)
    context = {"wait_minutes": minutes, "retry_at": timezone.now() + timedelta(seconds=wait)}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(
    group: str, setting: str, *, key: Key = "ip", methods: Sequence[str | None] = ("POST",)
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """View decorator: 429 once the caller (by `key`, the address by default) has made more
    `methods` requests than the setting allows."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            wait = retry_after(request, group=group, setting=setting, key=key, methods=methods)
            if wait is not None:
                return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
