from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMBEDDED"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_importing_the_settings_without_a_database_url_names_it_and_starts_nothing(tmp_path):
    result = run(
        "import config.settings",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        EMBEDDED_DATA_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert not any(tmp_path.iterdir())  # no embedded server was started


def test_a_one_off_command_does_not_start_embedded_servers(tmp_path):
    result = run(
        "import sys, manage; sys.argv = ['manage.py', 'check']; manage.main()",
        DEBUG="1",
        EMBEDDED_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert not any(tmp_path.iterdir())
