"""Benchmark the metrics pipeline on a large organisation in PostgreSQL (figures, not a test).

    .venv/bin/python bench/metrics_bench.py [--scale 1] [--json] [--teams 40] [--features 20000]
                                            [--deployments 100000] [--weeks 156] [--regenerate]
                                            [--requests 20]

`--scale 10`: 400 teams, 200,000 features, 1,000,000 deployments. `BENCH_DB` names the database
(default `collab_bench`; one per scale). `--json` prints, last, the figures as one JSON object:
load_s, recompute_unchanged_s, recompute_cold_s, one_change_s, dashboard_cached_ratio_max,
dashboard_uncached_ratio_max (the pages; the overview's teams compared, loaded after first paint
and growing with the number of teams, apart: teams_fragment_cached_ratio and
teams_fragment_uncached_ratio), worker_peak_mib (the first recompute's process), and the goals met.

Generates (once; --regenerate to redo) an organisation with `teams` teams, `features` features
(specs, alignment sessions, revisions, acceptance reviews), `deployments` deployments (1-3 commits
each, incidents on 5 %), one DRIVE sync per team and week with its five sections, conflicts,
escalations and pulses, spread over `weeks` weeks ending this week, in a dedicated database
(`BENCH_DB`, default `collab_bench`, on the DATABASE_URL's server), with bulk_create. Then measures:

- loading the rows the engine needs (metrics.loaders); the first recompute (no snapshot stored,
  in a fresh process as a worker runs it: its time and peak memory); a full recompute with nothing
  changed; the nightly catch-up with nothing changed (load and catch-up measured alternately);
- one deployment recorded through the intake API's service for one team, then the team's
  recompute (what its change triggers);
- a dashboard page's server time (and the overview's teams compared, which it loads after first
  paint) vs a trivial logged-in page requested just before each of its requests: seen again
  (cached), first seen after a recompute (its job renders the default pages into the cache), and
  not in the cache (rendered anew); its query count against an organisation of one team.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "collab_bench")
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
    from django.conf import settings

    client = redis.Redis.from_url(settings.CACHE_URL)  # the cache's database, not the broker's
    for key in client.scan_iter(match=f"{os.environ['CACHE_KEY_PREFIX']}:*metrics:page:*"):
        client.delete(key)


def page_time(
    client: Any, url: str, requests: int, *, cached: bool = True, trivial_url: str, headers: Any = None
) -> tuple[float, float, int]:
    """Median server time of `url` (a page seen again, or `cached=False`: rendered anew each time,
    as after a recompute), the median time of the trivial page requested just before each of
    them (the machine's pace drifts over a run: each ratio compares requests made together), and
    the page's number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = headers or {}
    client.get(url, headers=headers)  # warm: imports, template loading, connections
    times, trivial_times = [], []
    for _ in range(requests):
        if not cached:
            forget_pages()
        began = time.perf_counter()
        client.get(trivial_url)
        trivial_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    if not cached:
        forget_pages()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return statistics.median(times), statistics.median(trivial_times), len(queries)


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
    parser.add_argument(
        "--scale", type=int, default=1, help="10: 400 teams, 200,000 features, 1,000,000 deployments"
    )
    parser.add_argument("--teams", type=int, default=None, help="40 × scale")
    parser.add_argument("--features", type=int, default=None, help="20,000 × scale")
    parser.add_argument("--deployments", type=int, default=None, help="100,000 × scale")
    parser.add_argument("--json", action="store_true", help="print, last, the figures as one JSON object")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--worker-cold", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--pages-only", action="store_true", help="only the page timings")
    parser.add_argument("--recompute-only", action="store_true", help="only the recompute timings")
    args = parser.parse_args()
    args.teams = args.teams or 40 * args.scale
    args.features = args.features or 20_000 * args.scale
    args.deployments = args.deployments or 100_000 * args.scale
    if args.worker_cold:
        worker_cold(args.worker_cold)
        return

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
    if args.generate_only:
        return
    small = Organisation.objects.get(slug=SMALL_SLUG)
    from django.db import connection

    with connection.cursor() as cursor:  # current planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")

    team = Team.objects.filter(org=org).order_by("slug").first()
    figures: dict[str, Any] = {"scale": args.scale, "teams": args.teams, "deployments": args.deployments}
    if not args.pages_only:
        recompute_figures(org, team, args.repeat, figures)
    if not args.recompute_only:
        from metrics import services
        from metrics.models import MetricSnapshot

        if not MetricSnapshot.objects.filter(org=org).exists():  # --pages-only on a fresh database
            services.org_metrics_refresh(org_id=org.pk)
        pages(org, small, team, args.requests, figures)
    if "load_s" in figures:
        load = figures["load_s"]
        figures["goals"] = {
            "unchanged_le_0.2x_load": figures["recompute_unchanged_s"] <= 0.2 * load,
            "one_change_le_0.2x_load": figures["one_change_s"] <= 0.2 * load,
            "cold_le_4x_load": figures["recompute_cold_s"] <= 4 * load,
            "worker_under_2GiB": figures["worker_peak_mib"] < 2048,
        }
    if "dashboard_cached_ratio_max" in figures:
        figures.setdefault("goals", {}).update(
            {
                "dashboards_cached_le_1.5x": figures["dashboard_cached_ratio_max"] <= 1.5,
                "dashboards_uncached_le_2x": figures["dashboard_uncached_ratio_max"] <= 2,
            }
        )
    if args.json:
        print(json.dumps(figures, sort_keys=True))


def worker_cold(org_id: int) -> None:
    """In a fresh interpreter, as a worker's task would: the organisation's first recompute (no
    snapshot stored); prints its time and this process's peak memory as JSON."""
    import django

    django.setup()
    from metrics import services

    began = time.perf_counter()
    report = services.org_metrics_refresh(org_id=org_id)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "summary": report.summary() if report else ""}))


def recompute_figures(org: Any, team: Any, repeat: int, figures: dict[str, Any]) -> None:
    from django.db import connection
    from django.utils import timezone

    from metrics import services
    from metrics.loaders import load_frames_timed
    from metrics.models import MetricSnapshot, Watermark

    print("\n== load vs recomputes (every week since the first record) ==")
    load, loaded = timed(lambda: load_frames_timed(org=org), repeat)
    print(f"load (12 queries + frames): {load:.2f} s for {loaded.rows} rows")
    figures["rows"] = loaded.rows
    MetricSnapshot.objects.filter(org=org).delete()
    Watermark.objects.filter(org=org).delete()
    with connection.cursor() as cursor:  # as autovacuum would (it is off on some test servers)
        cursor.execute(f"VACUUM ANALYZE {MetricSnapshot._meta.db_table}")
    # The first recompute in a fresh process, as a worker runs it: its time and peak memory.
    child = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--worker-cold", str(org.pk)], capture_output=True, text=True, check=True
    )
    cold = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"first recompute (cold, in a fresh worker-like process): {cold['seconds']:.2f} s = "
        f"{cold['seconds'] / load:.2f}× the load, peak memory {cold['peak_mib']:.0f} MiB  ({cold['summary']})"
    )
    figures["recompute_cold_s"] = cold["seconds"]
    figures["worker_peak_mib"] = cold["peak_mib"]
    full_time, full = timed(lambda: services.org_metrics_refresh(org_id=org.pk), 1)
    print(f"full recompute, nothing changed (compares everything): {full_time:.2f} s  ({full.summary()})")
    figures["recompute_full_s"] = full_time

    # The nightly catch-up with nothing changed, and the load, alternately (the same machine).
    loads, warms, ratios, warm = [], [], [], None
    for _ in range(repeat):
        seconds, _loaded = timed(lambda: load_frames_timed(org=org), 1)
        loads.append(seconds)
        seconds, warm = timed(lambda: services.org_metrics_catch_up(org_id=org.pk), 1)
        warms.append(seconds)
        ratios.append(warms[-1] / loads[-1])
    load = statistics.median(loads + [load])
    figures["load_s"] = load
    figures["recompute_unchanged_s"] = statistics.median(warms)
    print(
        f"nightly catch-up, nothing changed: {statistics.median(warms) * 1000:.1f} ms, load alongside "
        f"{statistics.median(loads):.2f} s: {statistics.median(ratios):.3f}× the load  ({warm.summary()})"
    )

    print("\n== one deployment added to one team, then the recompute it triggers ==")
    # Recorded through the intake API's service: its commit announces the change (the receiver
    # logs it, with the instant it counts from); the job it enqueues is run here, in place.
    from delivery.api import services as intake
    from delivery.api.validation import CommitData, DeploymentData

    enqueue, services.team_metrics_refresh_later = services.team_metrics_refresh_later, lambda **kwargs: None
    changes = []
    try:
        for n in range(repeat):
            at = timezone.now() - timedelta(minutes=30 + n)
            intake.deployment_record(
                org=org,
                data=DeploymentData(
                    key=f"bench-change-{time.time_ns()}",
                    team=team.slug,
                    environment="production",
                    result="success",
                    finished_at=at,
                    commits=(CommitData(sha=f"{time.time_ns():x}", authored_at=at - timedelta(hours=5)),),
                ),
                source="bench",
            )
            began = time.perf_counter()
            changed = services.team_metrics_refresh(team_id=team.pk)
            changes.append(time.perf_counter() - began)
            print(f"  {changes[-1]:.3f} s  ({changed.summary()})")
    finally:
        services.team_metrics_refresh_later = enqueue
    figures["one_change_s"] = statistics.median(changes)
    print(f"one change: {figures['one_change_s']:.3f} s = {figures['one_change_s'] / load:.3f}× the load")
    caught, report = timed(lambda: services.org_metrics_catch_up(org_id=org.pk), 1)
    print(f"then the nightly catch-up: {caught * 1000:.1f} ms  ({report.summary()})")


def after_recompute_time(
    client: Any, url: str, requests: int, org: Any, team: Any, *, trivial_url: str
) -> tuple[float, float, float]:
    """Median server time of `url` seen first after a recompute whose job warmed the page cache
    (a new finished run, then `dashboards.warm_pages` as the `warm_dashboards` task does), and the
    median time of that warming."""
    from django.utils import timezone

    from metrics import dashboards
    from metrics.models import RecomputeRun

    client.get(url)
    times, warming, trivial_times = [], [], []
    for _ in range(requests):
        forget_pages()
        now = timezone.now()
        RecomputeRun.objects.create(org=org, started_at=now, finished_at=now, ok=True, message="bench")
        began = time.perf_counter()
        dashboards.warm_pages(org=org, team=team)
        warming.append(time.perf_counter() - began)
        began = time.perf_counter()
        client.get(trivial_url)
        trivial_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.median(trivial_times), statistics.median(warming)


def pages(org: Any, small: Any, team: Any, requests: int, figures: dict[str, Any]) -> None:
    from django.urls import reverse

    from metrics import services
    from metrics.models import RecomputeRun

    print(f"\n== pages (server time, median of {requests} requests) ==")
    services.org_metrics_refresh(org_id=small.pk)
    big_client, small_client = logged_in(org), logged_in(small)
    trivial_url = reverse("password_change")
    trivial, _, trivial_queries = page_time(big_client, trivial_url, requests, trivial_url=trivial_url)
    print(f"trivial logged-in page ({trivial_url}): {trivial * 1000:.1f} ms, {trivial_queries} queries")
    warm_requests = max(3, requests // 4)
    cached, uncached = [], []
    fragment = {"HX-Request": "true"}
    for url, headers in [
        ("/dashboards/", None),
        ("/dashboards/team-table/", fragment),  # the overview's teams compared, loaded after first paint
        ("/dashboards/?window=13w", None),
        (f"/dashboards/teams/{team.slug}/", None),
        ("/dashboards/health/", None),
        ("/dashboards/dora/", None),
        ("/dashboards/investment/", None),
        ("/dashboards/escalations/", None),
    ]:
        seen, seen_trivial, seen_queries = page_time(
            big_client, url, requests, trivial_url=trivial_url, headers=headers
        )
        fresh, fresh_trivial, fresh_queries = page_time(
            big_client, url, requests, cached=False, trivial_url=trivial_url, headers=headers
        )
        small_url = url.replace(team.slug, "solo")
        *_, small_queries = page_time(
            small_client, small_url, 3, cached=False, trivial_url=trivial_url, headers=headers
        )
        ratios = [seen / seen_trivial]
        warmed_text = ""
        if headers is None:  # a page's first view after a recompute (a fragment: as seen again)
            warmed, warmed_trivial, warming = after_recompute_time(
                big_client, url, warm_requests, org, team, trivial_url=trivial_url
            )
            ratios.append(warmed / warmed_trivial)
            warmed_text = (
                f"first view after a recompute (warmed in {warming:.2f} s by the job) {warmed * 1000:5.1f} ms = "
                f"{warmed / warmed_trivial:.2f}×; "
            )
        print(
            f"{url:<34} seen again {seen * 1000:5.1f} ms = {seen / seen_trivial:.2f}× trivial, {seen_queries} "
            f"queries; {warmed_text}not in the cache {fresh * 1000:5.1f} ms = {fresh / fresh_trivial:.2f}×, "
            f"{fresh_queries} queries ({small_queries} for 1 team)"
        )
        if headers is None:
            cached += ratios
            uncached.append(fresh / fresh_trivial)
        else:  # the overview's teams compared: every team's row and chart, growing with the teams
            figures["teams_fragment_cached_ratio"] = ratios[0]
            figures["teams_fragment_uncached_ratio"] = fresh / fresh_trivial
    figures["trivial_page_ms"] = trivial * 1000
    figures["dashboard_cached_ratio_max"] = max(cached)
    figures["dashboard_uncached_ratio_max"] = max(uncached)
    RecomputeRun.objects.filter(org=org, message="bench").delete()


if __name__ == "__main__":
    main()
