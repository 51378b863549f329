"""Time the poll every screen of a live sync makes each second.

    DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/sync_poll_bench.py [--screens 30] [--polls 200]

Builds a throwaway organisation with a live DRIVE sync and `screens` people in its team (each a
logged-in session, like 30 laptops and a shared screen), then measures, in this process:

1. the poll view alone (no middleware): server time and queries of an unchanged poll;
2. the whole Django stack (every middleware, through the test client), sequentially: server time
   and queries per unchanged poll — as deployed today, and with collab's OrganisationMiddleware
   skipping its lookup for views marked `skips_org_lookup` (the change asked of the lead, patched
   in for the measurement only);
3. the changed poll (the live region re-rendered for one screen);
4. `screens` threads polling at once, to show the headroom over the 30 polls a second needed.

The organisation is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")  # no DEBUG query log, a placeholder secret key

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import Resolver404, resolve, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from collab import middleware as org_middleware  # noqa: E402
from collab.models import Membership, Organisation, Team, TeamMember, User  # noqa: E402
from rituals.models import Ritual, Sync  # noqa: E402
from rituals.syncs import services  # noqa: E402
from rituals.syncs.views import live  # noqa: E402

HOST = "localhost"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.2f} ms · p95 {p95 * 1000:.2f} ms · n={len(ordered)}"


def build(screens: int) -> tuple[Organisation, Sync, list[Membership]]:
    stamp = int(time.time() * 1000)
    org = Organisation.objects.create(slug=f"bench-{stamp}", name="Poll bench", time_zone="Europe/Paris")
    team = Team.objects.create(org=org, slug="bench", name="Bench squad")
    people = []
    for n in range(screens):
        user = User.objects.create_user(
            email=f"bench-{stamp}-{n}@example.test", password=None, name=f"Screen {n}"
        )
        membership = Membership.objects.create(org=org, user=user, role="pm" if n == 0 else "engineer")
        TeamMember.objects.create(team=team, membership=membership, role=membership.role)
        people.append(membership)
    sync = services.sync_create(
        org=org,
        team=team,
        template=services.template_for(org, Ritual.DRIVE),
        facilitator=people[0],
        scheduled_at=timezone.now(),
    )
    section = sync.sections.get(code="delivery")
    for n in range(12):
        services.item_add(sync=sync, section=section, title=f"Item {n}", author=people[n % screens])
    services.sync_start(sync=sync)
    return org, sync, people


def logged_in(membership: Membership) -> Client:
    client = Client(SERVER_NAME=HOST)
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["active_org_id"] = membership.org_id
    session.save()
    return client


def poll_url(client: Client, sync: Sync) -> str:
    page = client.get(reverse("rituals:sync_present", args=[sync.pk])).content.decode()
    start = page.index('hx-get="') + len('hx-get="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], list[int], Any]:
    durations, queries = [], []
    response = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            durations.append(time.perf_counter() - started)
        queries.append(len(captured))
    return durations, queries, response


@contextmanager
def middleware_skipping_marked_views() -> Iterator[None]:
    """The change asked of the lead, patched in for this measurement only: the organisation lookup
    is left out for views marked `skips_org_lookup`."""
    original = org_middleware.OrganisationMiddleware.__call__
    if "skips_org_lookup" in Path(org_middleware.__file__).read_text():
        yield  # already there
        return

    def call(self: Any, request: Any) -> Any:
        try:
            marked = getattr(resolve(request.path_info).func, "skips_org_lookup", False)
        except Resolver404:
            marked = False
        if marked:
            request.membership = request.org = None
            return self.get_response(request)
        return original(self, request)

    org_middleware.OrganisationMiddleware.__call__ = call  # type: ignore[method-assign]
    try:
        yield
    finally:
        org_middleware.OrganisationMiddleware.__call__ = original  # type: ignore[method-assign]


def concurrent(sync: Sync, people: list[Membership], polls: int) -> tuple[list[float], float]:
    lock = threading.Lock()
    durations: list[float] = []

    def screen(index: int) -> None:
        client = logged_in(people[index])
        url = poll_url(client, sync)
        local = []
        for _ in range(polls):
            started = time.perf_counter()
            response = client.get(url, HTTP_HX_REQUEST="true")
            local.append(time.perf_counter() - started)
            assert response.status_code == 204, response.status_code
        with lock:
            durations.extend(local)
        connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        list(pool.map(screen, range(len(people))))
    return durations, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--polls", type=int, default=200, help="unchanged polls per measurement")
    args = parser.parse_args()
    if HOST not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append(HOST)

    org, sync, people = build(args.screens)
    try:
        facilitator = logged_in(people[0])
        url = poll_url(facilitator, sync)
        print(f"Sync {sync.key}: {args.screens} screens, {sync.items.count()} items, DB {connection.vendor}")

        factory = RequestFactory(SERVER_NAME=HOST)
        cookies = {k: v.value for k, v in facilitator.cookies.items()}

        def view_only() -> Any:
            request = factory.get(url, HTTP_HX_REQUEST="true")
            request.COOKIES.update(cookies)
            return live.sync_poll(request, sync.pk)

        timed(view_only, 20)
        durations, queries, response = timed(view_only, args.polls)
        assert response.status_code == 204
        print(f"1. poll view alone, unchanged:        {percentiles(durations)} · queries {max(queries)}")

        timed(lambda: facilitator.get(url, HTTP_HX_REQUEST="true"), 20)
        durations, queries, response = timed(lambda: facilitator.get(url, HTTP_HX_REQUEST="true"), args.polls)
        assert response.status_code == 204
        print(f"2a. whole stack today, unchanged:     {percentiles(durations)} · queries {max(queries)}")

        with middleware_skipping_marked_views():
            patched = logged_in(people[0])
            url = poll_url(patched, sync)
            timed(lambda: patched.get(url, HTTP_HX_REQUEST="true"), 20)
            durations, queries, response = timed(lambda: patched.get(url, HTTP_HX_REQUEST="true"), args.polls)
            assert response.status_code == 204
            print(f"2b. whole stack, lookup skipped:      {percentiles(durations)} · queries {max(queries)}")

            stale = re.sub(r"rev=\d+", "rev=0", url)
            durations, queries, response = timed(lambda: patched.get(stale, HTTP_HX_REQUEST="true"), 50)
            assert response.status_code == 200
            print(f"3. changed poll (re-render):          {percentiles(durations)} · queries {max(queries)}")

            durations, wall = concurrent(sync, people, max(1, args.polls // 10))
            rate = len(durations) / wall
            print(
                f"4. {args.screens} screens at once, unchanged: {percentiles(durations)} · "
                f"{rate:.0f} polls/s in one process (needed: {args.screens}/s)"
            )
    finally:
        Sync.objects.filter(org=org).delete()
        users = list(User.objects.filter(memberships__org=org).values_list("pk", flat=True))
        org.delete()
        User.objects.filter(pk__in=users).delete()


if __name__ == "__main__":
    main()
