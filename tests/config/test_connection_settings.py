from __future__ import annotations

import pytest

from tests.config.test_settings import run

PRINT_AGE = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"


@pytest.mark.parametrize(
    ("env", "age"),
    [
        ({"DEBUG": "1"}, "0"),  # the development server: a thread a request, no connection kept
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "60"),  # gunicorn
        ({"DEBUG": "1", "CONN_MAX_AGE": "30"}, "30"),
    ],
)
def test_connections_persist_only_outside_development(env, age):
    result = run(
        f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); {PRINT_AGE}",
        DATABASE_URL="postgres://nobody@127.0.0.1:5432/none",
        REDIS_URL="redis://127.0.0.1:6379/0",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == age
