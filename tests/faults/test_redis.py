from __future__ import annotations

from time import monotonic

import pytest
from django.core.cache import cache
from django.urls import reverse

from metrics import services
from tests.faults.conftest import recovered
from tests.faults.redis_server import REFUSING_URL, SilentRedis, redis_at
from tests.metrics import queues

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

test_queue = queues.test_queue

FAST = 6.0  # seconds: a request never waits on Redis for long (every call times out in 1-2 s)


@pytest.fixture(params=["refusing", "not answering"])
def redis_fault(request):
    if request.param == "refusing":
        yield REFUSING_URL
        return
    server = SilentRedis()
    try:
        yield server.url
    finally:
        server.close()


def test_the_request_path_answers_quickly_and_falls_back_while_redis_is_down(
    redis_fault, make_member, team, client_for, test_queue
):
    ops = make_member("product_ops")
    client = client_for(ops)
    org = team.org
    with redis_at(redis_fault):
        began = monotonic()
        response = client.post(reverse("metrics:recompute"))
        recompute_seconds = monotonic() - began
        assert response.status_code == 302
        assert org.recompute_runs.filter(ok=True).count() == 1  # computed on the request instead

        began = monotonic()
        page = client.get(reverse("metrics:overview"))
        page_seconds = monotonic() - began
        assert page.status_code == 200
        assert "The job queue (Redis) is unreachable" in page.content.decode()

        began = monotonic()
        services.team_metrics_refresh_later(team_id=team.pk)  # a change: logged and skipped
        change_seconds = monotonic() - began
    print(  # noqa: T201
        f"\n[fault] Redis {redis_fault}: recompute {recompute_seconds:.2f} s, "
        f"dashboard {page_seconds:.2f} s, change {change_seconds:.2f} s"
    )
    assert recompute_seconds < FAST
    assert page_seconds < FAST
    assert change_seconds < FAST

    # Redis back: the next change is queued (nothing of the outage blocks it), once.
    began = monotonic()
    services.team_metrics_refresh_later(team_id=team.pk)
    services.team_metrics_refresh_later(team_id=team.pk)
    assert [m["headers"]["task"] for m in test_queue.messages()] == ["metrics.tasks.team_metrics_refresh"]
    assert cache.get(services.queued_key(org.pk)) is not None
    recovered(f"Redis {redis_fault}, then back: the next change queued", monotonic() - began)
