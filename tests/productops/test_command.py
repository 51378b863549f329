from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from productops.experiments import stats
from productops.experiments.stats import VariantCounts
from tests.conftest import subprocess_env


def run(*args: str) -> str:
    out = StringIO()
    call_command("experiments", "analyse", *args, stdout=out)
    return out.getvalue()


def test_json_has_the_documented_shape_and_numbers():
    got = json.loads(
        run(
            "--split", "50,50", "--mde", "0.02",
            "--variant", "control:1000:100", "--variant", "treatment:1000:130", "--json",
        )
    )  # fmt: skip
    assert set(got) == {"variants", "comparisons", "srm_p_value", "sample_size_per_variant"}
    assert got["variants"] == [
        {"name": "control", "users": 1000, "conversions": 100, "rate": 0.1},
        {"name": "treatment", "users": 1000, "conversions": 130, "rate": 0.13},
    ]
    analysis = stats.analyse(
        [VariantCounts("control", 1000, 100), VariantCounts("treatment", 1000, 130)], [50, 50], 0.02
    )
    comparison = analysis.comparisons[0]
    assert got["comparisons"] == [
        {
            "variant": "treatment",
            "lift_abs": comparison.lift_abs,
            "lift_rel": comparison.lift_rel,
            "p_value": comparison.p_value,
            "ci_low": comparison.ci_low,
            "ci_high": comparison.ci_high,
        }
    ]
    assert got["srm_p_value"] == analysis.srm_p_value
    assert got["sample_size_per_variant"] == analysis.sample_size_per_variant == 3835


def test_without_json_prints_a_readable_table_with_the_srm_warning():
    text = run("--split", "50,50", "--mde", "0.02", "--variant", "c:1000:100", "--variant", "t:1200:130")
    assert "SAMPLE-RATIO MISMATCH" in text


BAD = [
    (
        ["--split", "50,50", "--mde", "0.02", "--variant", "c:100:120", "--variant", "t:100:10"],
        "more conversions than users",
    ),
    (["--split", "50,50,0", "--mde", "0.02", "--variant", "c:100:10", "--variant", "t:100:10"], "3 parts"),
    (
        ["--split", "60,50", "--mde", "0.02", "--variant", "c:100:10", "--variant", "t:100:10"],
        "add up to 100",
    ),
    (["--split", "50,50", "--mde", "0.02", "--variant", "c:0:0", "--variant", "t:100:10"], "no users"),
    (
        ["--split", "50,50", "--mde", "0.02", "--variant", "c:many:10", "--variant", "t:100:10"],
        "whole numbers",
    ),
    (
        ["--split", "50,50", "--mde", "0.02", "--variant", "c:100:1.5", "--variant", "t:100:10"],
        "whole numbers",
    ),
    (
        ["--split", "fifty,50", "--mde", "0.02", "--variant", "c:100:10", "--variant", "t:100:10"],
        "not a comma-separated",
    ),
    (["--split", "50,50", "--mde", "two", "--variant", "c:100:10", "--variant", "t:100:10"], "not a number"),
    (["--split", "50,50", "--mde", "0", "--variant", "c:100:10", "--variant", "t:100:10"], "between 0 and 1"),
    (
        ["--split", "50,50", "--mde", "0.02", "--variant", "c:100", "--variant", "t:100:10"],
        "NAME:USERS:CONVERSIONS",
    ),
    (["--split", "100", "--mde", "0.02", "--variant", "c:100:10"], "at least two variants"),
]


@pytest.mark.parametrize(("args", "reason"), BAD)
def test_bad_input_is_an_error_with_the_reason(args, reason):
    with pytest.raises(CommandError, match=reason) as error:
        run(*args, "--json")
    assert error.value.returncode == 1


def test_bad_input_exits_1_with_the_reason_on_stderr():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "experiments", "analyse", "--split", "50,50", "--mde", "0.02",
         "--variant", "c:100:120", "--variant", "t:100:10", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=subprocess_env(),
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert result.returncode == 1
    assert "more conversions than users" in result.stderr
    assert result.stdout == ""
