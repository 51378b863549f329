"""The quick start's process tree: Celery worker and beat, the web server, and their clean stop.

`manage.py demo` uses it; manage.py starts the embedded PostgreSQL/Redis when no URL is set
(workspace/embedded.py), so every child inherits the same DATABASE_URL/REDIS_URL.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

MAIN_PAGES = ("/", "/features/", "/rituals/", "/conflicts/", "/dashboards/", "/settings/")


@dataclass
class Stack:
    host: str = "127.0.0.1"
    port: int = 8000
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Where the children's output goes (one file each, e.g. .data/logs/worker.log) so the terminal
    # stays quiet; None prints it in the terminal.
    log_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_path(self, name: str) -> Path | None:
        return self.log_dir / f"{name}.log" if self.log_dir is not None else None

    def _spawn(self, name: str, args: list[str], quiet: bool) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        path = self.log_path(name)
        out: Any = subprocess.DEVNULL if quiet else None
        if path is not None and not quiet:
            path.parent.mkdir(parents=True, exist_ok=True)
            out = path.open("ab")
        # Own process group per child, so stopping it also stops its pool processes.
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, *args], env=env, start_new_session=True, stdout=out, stderr=out
        )
        if hasattr(out, "close"):
            out.close()  # the child holds its own copy

    def start_worker(self, *, quiet: bool = False) -> None:
        self._spawn(
            "worker",
            [
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "-Q",
                "celery,batch",
                "--without-gossip",
                "--without-mingle",
                "-n",
                "demo@%h",
            ],
            quiet,
        )

    def start_beat(self, *, quiet: bool = False) -> None:
        schedule = Path(settings.BASE_DIR) / ".data" / "celerybeat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "beat", ["-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "-s", str(schedule)], quiet
        )

    def start_web(self, *, quiet: bool = False) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        self._spawn("web", [manage, "runserver", f"{self.host}:{self.port}", "--noreload"], quiet)

    def wait_for_web(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_alive()
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2)  # noqa: S310 - our own local URL
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"the web server did not answer on {self.url} within {timeout:.0f} s")

    def assert_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} process exited with status {proc.returncode}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def wait_for_worker(timeout: float = 60) -> None:
    from celery import current_app as app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise RuntimeError(f"no Celery worker answered within {timeout:.0f} s")


def celery_round_trip(timeout: float = 30) -> None:
    from workspace.tasks import ping

    answer = ping.delay().get(timeout=timeout)
    if answer != "pong":
        raise RuntimeError(f"the Celery round trip answered {answer!r}")


def check_pages(base_url: str, email: str, password: str) -> list[str]:
    """Log in over HTTP like a browser and fetch the main pages; returns the problems found."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    problems: list[str] = []
    login_page = opener.open(base_url + "/accounts/login/", timeout=20).read().decode()  # noqa: S310
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
    if token is None:
        return ["the login page has no CSRF token"]
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    )
    request = urllib.request.Request(  # noqa: S310
        base_url + "/accounts/login/", data=data.encode(), headers={"Referer": base_url + "/accounts/login/"}
    )
    response = opener.open(request, timeout=20)
    if response.geturl().rstrip("/").endswith("/accounts/login"):
        return [f"logging in as {email} failed"]
    for path in MAIN_PAGES:
        try:
            page = opener.open(base_url + path, timeout=30)  # noqa: S310
            if page.status != 200:
                problems.append(f"GET {path} answered {page.status}")
        except urllib.error.HTTPError as exc:
            problems.append(f"GET {path} answered {exc.code}")
    try:
        opener.open(base_url + "/healthz", timeout=20)  # noqa: S310
    except urllib.error.HTTPError as exc:
        problems.append(f"/healthz answered {exc.code}: {exc.read().decode()[:300]}")
    return problems
