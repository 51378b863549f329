"""Contract check: Schemathesis against a live server, the OpenAPI document held to the implementation.

Migrates the database of DATABASE_URL, creates an organisation, a team and an API token, starts
`manage.py runserver` on a free 127.0.0.1 port, runs `schemathesis run` on /api/v1/openapi.json with
every check, the examples, coverage and fuzzing phases, a fixed seed and a bounded number of examples
per operation, stops the server and exits with Schemathesis' status (non-zero on any failure). The
rules across fields are met by tests/contract/hooks.py, which it loads through SCHEMATHESIS_HOOKS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_contract REDIS_URL=redis://127.0.0.1:6379/5 \
      .venv/bin/python tests/contract/schemathesis_run.py [extra schemathesis options]
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20")
SEED = os.environ.get("SCHEMATHESIS_SEED", "1")
TEAM_SLUG = "0"

# One organisation, one team, one live token: printed on the last line for the runner to read.
SETUP = f"""
from django.utils import timezone
from collab.models import Feature, Organisation, Team
from delivery.api.services import token_create
from delivery.models import Deployment
org, _ = Organisation.objects.get_or_create(slug="contract", defaults={{"name": "Contract"}})
# The team of the overrides ("{TEAM_SLUG}": also the smallest slug, which the coverage phase sends
# without overrides), and the records the document's examples name.
team, _ = Team.objects.get_or_create(org=org, slug="{TEAM_SLUG}", defaults={{"name": "Contract"}})
example_team, _ = Team.objects.get_or_create(org=org, slug="checkout", defaults={{"name": "Checkout"}})
Feature.objects.get_or_create(
    org=org, key="F-12",
    defaults={{"team": example_team, "title": "Example", "kind": "product", "status": "framing"}},
)
for key in ("D-contract", "0", "D-1001"):
    Deployment.objects.get_or_create(
        org=org, key=key,
        defaults={{"team": team, "environment": "production", "result": "success", "finished_at": timezone.now()}},
    )
print(token_create(org=org, name="schemathesis", by=None)[1])
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name):
            sys.exit(f"Set {name}.")
    # Production-like error handling (no debug pages), without the HTTPS redirect of production.
    env.update(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CACHE_KEY_PREFIX=env.get("CACHE_KEY_PREFIX") or "contract",
        LOG_LEVEL=env.get("LOG_LEVEL") or "WARNING",
        # Thousands of requests a minute from one token: the contract is checked, not the limit
        # (429 is documented on every operation; tests/collab/test_ratelimits.py reaches it).
        RATELIMIT_API="1000000/m",
    )
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(f"manage.py {args[0]} failed")
    return done.stdout


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("the server stopped before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    sys.exit(f"no answer from {url} after {timeout:.0f}s")


def main(extra: list[str]) -> int:
    env = server_env()
    manage("migrate", "--noinput", env=env)
    token = manage("shell", "-c", SETUP, env=env).strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "python"), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if "-v" not in extra else None,
    )
    try:
        wait_until_up(f"{base}/api/v1/openapi.json", server)
        command = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            SEED,
            "--max-examples",
            MAX_EXAMPLES,
            # One worker: Hypothesis parses lambda sources with `ast`, and two threads parsing at once
            # trip CPython 3.11's "AST constructor recursion depth mismatch" (seen in CI).
            "--workers",
            "1",
            "--no-color",
            "--generation-database",
            "none",
            "-H",
            f"Authorization: Bearer {token}",
            *[arg for arg in extra if arg != "-v"],
        ]
        hooks = {"SCHEMATHESIS_HOOKS": "tests.contract.hooks"}  # the rules across fields
        return subprocess.run(command, cwd=ROOT, env=env | hooks, check=False).returncode  # noqa: S603
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
