"""`manage.py experiments analyse --split 50,50 --mde 0.02 --variant NAME:USERS:CONVERSIONS
--variant NAME:USERS:CONVERSIONS [--json]`.

Analyses an A/B test's counts (the first variant is the control): rates, lift, p-value and 95 %
confidence interval of each variant against the control, the sample-ratio-mismatch p-value and the
sample size per variant needed for the minimum detectable effect. Bad input goes to stderr with
exit status 1."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from productops.experiments import stats


def parse_split(text: str) -> list[float]:
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError as exc:
        raise stats.StatsInputError(f"the split {text!r} is not a comma-separated list of numbers") from exc
    return parts


def parse_variant(text: str) -> stats.VariantCounts:
    name, sep, rest = text.partition(":")
    users, sep2, conversions = rest.partition(":")
    if not name or not sep or not sep2:
        raise stats.StatsInputError(f"the variant {text!r} is not NAME:USERS:CONVERSIONS")
    try:
        return stats.VariantCounts(name, int(users), int(conversions))
    except ValueError as exc:
        raise stats.StatsInputError(
            f"the variant {text!r} needs whole numbers of users and conversions"
        ) from exc


def parse_mde(text: str) -> float:
    try:
        mde = float(text)
    except ValueError as exc:
        raise stats.StatsInputError(f"the minimum detectable effect {text!r} is not a number") from exc
    if not math.isfinite(mde):
        raise stats.StatsInputError("the minimum detectable effect must be a finite number")
    return mde


def report(analysis: stats.Analysis) -> dict[str, Any]:
    return {
        "variants": [asdict(v) for v in analysis.variants],
        "comparisons": [asdict(c) for c in analysis.comparisons],
        "srm_p_value": analysis.srm_p_value,
        "sample_size_per_variant": analysis.sample_size_per_variant,
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f} %"


def table(analysis: stats.Analysis) -> str:
    lines = [f"{'variant':<16}{'users':>10}{'conv.':>10}{'rate':>10}"]
    lines += [f"{v.name:<16}{v.users:>10}{v.conversions:>10}{v.rate:>10.4f}" for v in analysis.variants]
    lines.append("")
    for c in analysis.comparisons:
        p = "—" if c.p_value is None else f"{c.p_value:.4g}"
        lines.append(
            f"{c.variant}: lift {_pct(c.lift_abs)} (relative {_pct(c.lift_rel)}), p = {p}, "
            f"95 % CI [{_pct(c.ci_low)}, {_pct(c.ci_high)}]"
        )
    srm = " — SAMPLE-RATIO MISMATCH: the test is broken" if analysis.srm else ""
    lines.append(f"SRM p-value: {analysis.srm_p_value:.4g}{srm}")
    lines.append(f"sample size per variant: {analysis.sample_size_per_variant or '—'}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Analyse the counts of an A/B test."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{analyse}")
        analyse = actions.add_parser("analyse", help="lift, p-value, confidence interval, SRM, sample size")
        analyse.add_argument("--split", required=True, metavar="50,50", help="planned split, adds up to 100")
        analyse.add_argument(
            "--mde", required=True, metavar="0.02", help="minimum detectable effect (absolute)"
        )
        analyse.add_argument(
            "--variant",
            action="append",
            required=True,
            metavar="NAME:USERS:CONVERSIONS",
            help="once per variant, the control first",
        )
        analyse.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            variants = [parse_variant(text) for text in options["variant"]]
            analysis = stats.analyse(variants, parse_split(options["split"]), parse_mde(options["mde"]))
        except stats.StatsInputError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report(analysis), allow_nan=False))
        else:
            self.stdout.write(table(analysis))
