"""Benchmark the metrics pipeline on a large organisation in PostgreSQL (figures, not a test).

    .venv/bin/python bench/metrics_bench.py [--teams 40] [--features 20000] [--deployments 100000]
                                            [--weeks 156] [--regenerate] [--requests 20]

Generates (once; --regenerate to redo) an organisation with `teams` teams, `features` features
(specs, alignment sessions, revisions, acceptance reviews), `deployments` deployments (1-3 commits
each, incidents on 5 %), one DRIVE sync per team and week with its five sections, conflicts,
escalations and pulses, spread over `weeks` weeks ending this week, in a dedicated database
(`collab_bench` on the DATABASE_URL's server), with bulk_create. Then measures:

- loading the rows the engine needs (metrics.loaders) vs a full recompute (load + compute + upsert
  of every snapshot since the first record), cold (no snapshots) and warm (nothing changed; load
  and recompute measured alternately, the ratio is the median of each pair's);
- one team's recompute (its last 26 weeks and the organisation's), after a change;
- a dashboard page's server time vs a trivial logged-in page: seen again (cached), first seen
  after a recompute (its job renders the default pages into the cache), and not in the cache
  (another filter); its query count against an organisation of one team.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "collab_bench"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("CACHE_KEY_PREFIX", "bench")
os.environ.setdefault("TESTING", "1")  # static files without a manifest, a local host allowed
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from metrics_bench_org import BENCH_SLUG, SMALL_SLUG, generate  # noqa: E402


def ensure_database() -> None:
    exists = subprocess.run(  # noqa: S603
        ["psql", f"{SERVER}/postgres", "-Atc", f"select 1 from pg_database where datname = '{BENCH_DB}'"],  # noqa: S607, S608
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", f"{SERVER}/postgres", "-c", f"create database {BENCH_DB}"], check=True)  # noqa: S603, S607


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- measures ------------------------------------------------------------------------------------


def timed(function: Any, repeat: int) -> tuple[float, Any]:
    """The median time of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def forget_pages() -> None:
    """Drop the cached dashboard partials (only this benchmark's keys)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=f"{os.environ['CACHE_KEY_PREFIX']}:*metrics:page:*"):
        client.delete(key)


def page_time(client: Any, url: str, requests: int, *, cached: bool = True) -> tuple[float, int]:
    """Median server time of `url` (a page seen again, or `cached=False`: rendered anew each time,
    as after a recompute) and its number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: imports, template loading, connections
    times = []
    for _ in range(requests):
        if not cached:
            forget_pages()
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    if not cached:
        forget_pages()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def logged_in(org: Any) -> Any:
    from django.test import Client

    from collab.models import Membership

    membership = Membership.objects.filter(org=org, role="cto").select_related("user").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["active_org_id"] = org.pk
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--features", type=int, default=20_000)
    parser.add_argument("--deployments", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--pages-only", action="store_true", help="only the page timings")
    parser.add_argument("--recompute-only", action="store_true", help="only the recompute timings")
    args = parser.parse_args()

    ensure_database()
    setup_django()

    from collab.models import Organisation, Team

    org = Organisation.objects.filter(slug=BENCH_SLUG).first()
    if org is not None and args.regenerate:
        Organisation.objects.filter(slug__in=[BENCH_SLUG, SMALL_SLUG]).delete()
        org = None
    if org is None:
        org = generate(
            teams=args.teams, features=args.features, deployments=args.deployments, weeks=args.weeks
        )
    small = Organisation.objects.get(slug=SMALL_SLUG)
    from django.db import connection

    with connection.cursor() as cursor:  # current planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")

    team = Team.objects.filter(org=org).order_by("slug").first()
    if not args.pages_only:
        recompute_figures(org, team, args.repeat)
    if not args.recompute_only:
        pages(org, small, team, args.requests)


def recompute_figures(org: Any, team: Any, repeat: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from collab.models import Feature
    from metrics import services
    from metrics.loaders import load_frames_timed
    from metrics.models import MetricSnapshot

    print("\n== load vs full recompute (every week since the first record) ==")
    load, loaded = timed(lambda: load_frames_timed(org=org), repeat)
    print(f"load (12 queries + frames): {load:.2f} s for {loaded.rows} rows")
    MetricSnapshot.objects.filter(org=org).delete()
    with connection.cursor() as cursor:  # as autovacuum would (it is off on some test servers)
        cursor.execute(f"VACUUM ANALYZE {MetricSnapshot._meta.db_table}")
    began = time.perf_counter()
    cold = services.org_metrics_refresh(org_id=org.pk)
    cold_total = time.perf_counter() - began
    print(f"full recompute, cold: {cold_total:.2f} s = {cold_total / load:.2f}× the load  ({cold.summary()})")
    # Load and recompute alternately, so that both see the same machine (other jobs, caches).
    loads, warms, ratios, warm = [], [], [], None
    cpu: dict[str, list[float]] = {"load": [], "warm": []}
    for _ in range(repeat):
        for name, job in (
            ("load", lambda: load_frames_timed(org=org)),
            ("warm", lambda: services.org_metrics_refresh(org_id=org.pk)),
        ):
            process = time.process_time()
            seconds, result = timed(job, 1)
            cpu[name].append(time.process_time() - process)
            (loads if name == "load" else warms).append(seconds)
            if name == "warm":
                warm = result
        ratios.append(warms[-1] / loads[-1])
    print(
        f"full recompute, warm (nothing changed): {statistics.median(warms):.2f} s, load alongside "
        f"{statistics.median(loads):.2f} s: {statistics.median(ratios):.2f}× the load "
        f"(each pair: {', '.join(f'{r:.2f}' for r in ratios)})  ({warm.summary()})"
    )
    median = {name: statistics.median(values) for name, values in cpu.items()}
    print(
        f"  CPU seconds of this process (PostgreSQL's not counted): load {median['load']:.2f}, "
        f"recompute {median['warm']:.2f}; PostgreSQL runs on this machine's {os.cpu_count()} cores "
        f"too, shared with whatever else runs"
    )
    recent = services.shift_week(services.current_week(org), -(services.HISTORY_WEEKS + 12 - 1))
    recent_load, recent_loaded = timed(lambda: load_frames_timed(org=org, since=recent), repeat)
    print(
        f"load of the last {services.HISTORY_WEEKS}+12 weeks only: {recent_load:.2f} s for {recent_loaded.rows} rows"
    )

    print("\n== one team's recompute (its last 26 weeks and the organisation's) ==")
    feature = Feature.objects.filter(team=team).order_by("id").first()
    feature.delivered_at = timezone.now() - timedelta(hours=1)
    feature.effort_points = (feature.effort_points or 0) + 1
    feature.save(update_fields=["delivered_at", "effort_points"])
    began = time.perf_counter()
    changed = services.team_metrics_refresh(team_id=team.pk)
    print(f"after a change: {time.perf_counter() - began:.2f} s  ({changed.summary()})")
    unchanged_time, unchanged = timed(lambda: services.team_metrics_refresh(team_id=team.pk), repeat)
    print(f"unchanged: {unchanged_time:.2f} s  ({unchanged.summary()})")


def after_recompute_time(client: Any, url: str, requests: int, org: Any, team: Any) -> tuple[float, float]:
    """Median server time of `url` seen first after a recompute whose job warmed the page cache
    (a new finished run, then `dashboards.warm_pages` as the `warm_dashboards` task does), and the
    median time of that warming."""
    from django.utils import timezone

    from metrics import dashboards
    from metrics.models import RecomputeRun

    client.get(url)
    times, warming = [], []
    for _ in range(requests):
        forget_pages()
        now = timezone.now()
        RecomputeRun.objects.create(org=org, started_at=now, finished_at=now, ok=True, message="bench")
        began = time.perf_counter()
        dashboards.warm_pages(org=org, team=team)
        warming.append(time.perf_counter() - began)
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.median(warming)


def pages(org: Any, small: Any, team: Any, requests: int) -> None:
    from django.urls import reverse

    from metrics import services
    from metrics.models import RecomputeRun

    print(f"\n== pages (server time, median of {requests} requests) ==")
    services.org_metrics_refresh(org_id=small.pk)
    big_client, small_client = logged_in(org), logged_in(small)
    trivial_url = reverse("password_change")
    trivial, trivial_queries = page_time(big_client, trivial_url, requests)
    print(f"trivial logged-in page ({trivial_url}): {trivial * 1000:.1f} ms, {trivial_queries} queries")
    warm_requests = max(3, requests // 4)
    for url in [
        "/dashboards/",
        "/dashboards/?window=13w",
        f"/dashboards/teams/{team.slug}/",
        "/dashboards/health/",
        "/dashboards/dora/",
        "/dashboards/investment/",
        "/dashboards/escalations/",
    ]:
        seen, seen_queries = page_time(big_client, url, requests)
        warmed, warming = after_recompute_time(big_client, url, warm_requests, org, team)
        fresh, fresh_queries = page_time(big_client, url, requests, cached=False)
        small_url = url.replace(team.slug, "solo")
        _, small_queries = page_time(small_client, small_url, 3, cached=False)
        print(
            f"{url:<34} seen again {seen * 1000:5.1f} ms = {seen / trivial:.2f}× trivial, {seen_queries} queries; "
            f"first view after a recompute (warmed in {warming:.2f} s by the job) {warmed * 1000:5.1f} ms = "
            f"{warmed / trivial:.2f}×; not in the cache {fresh * 1000:5.1f} ms = {fresh / trivial:.2f}×, "
            f"{fresh_queries} queries ({small_queries} for 1 team)"
        )
    RecomputeRun.objects.filter(org=org, message="bench").delete()


if __name__ == "__main__":
    main()
