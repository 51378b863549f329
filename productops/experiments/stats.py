"""The statistics of an A/B test: numbers in, dataclasses out. No Django, no ORM; the only module of
the project that imports statsmodels or scipy.

Each variant is compared with the first (the control): absolute and relative lift, the two-sided
pooled two-proportion z-test, a 95 % (unpooled, Wald) confidence interval of the absolute lift; the
users per variant are checked against the planned split (sample-ratio mismatch, chi-square goodness
of fit); the sample size per variant needed to detect the minimum detectable effect."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import chisquare, norm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

SRM_THRESHOLD = 0.001  # below this p-value the traffic split is broken: no verdict
CI_LEVEL = 0.95
SPLIT_TOTAL = 100.0


class StatsInputError(ValueError):
    """Counts or a plan that cannot be analysed; the message says why."""


class Verdict:
    WON = "won"
    LOST = "lost"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class VariantCounts:
    name: str
    users: int
    conversions: int


@dataclass(frozen=True)
class VariantResult:
    name: str
    users: int
    conversions: int
    rate: float


@dataclass(frozen=True)
class Comparison:
    variant: str
    lift_abs: float
    lift_rel: float | None  # None when the control converts nobody
    p_value: float | None  # None when the pooled variance is zero (nobody or everybody converts)
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Analysis:
    variants: tuple[VariantResult, ...]
    comparisons: tuple[Comparison, ...]
    srm_p_value: float
    sample_size_per_variant: int | None  # None when control rate + MDE leaves [0, 1]

    @property
    def srm(self) -> bool:
        return self.srm_p_value < SRM_THRESHOLD


@dataclass(frozen=True)
class DecisionRule:
    """The pre-registered rule: won when p < alpha, lift_abs > min_lift and no guardrail breached;
    lost when p < alpha and lift_abs < 0; inconclusive otherwise."""

    alpha: float = 0.05
    power: float = 0.8
    min_lift: float = 0.0


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def check_split(split: Sequence[float], n_variants: int) -> None:
    if len(split) != n_variants:
        raise StatsInputError(f"the split has {len(split)} parts but there are {n_variants} variants")
    if any(not math.isfinite(share) or share <= 0 for share in split):
        raise StatsInputError("every part of the split must be a positive number")
    if not math.isclose(sum(split), SPLIT_TOTAL, abs_tol=1e-9):
        raise StatsInputError(f"the split must add up to 100, not {sum(split):g}")


def check_mde(mde: float) -> None:
    if not math.isfinite(mde) or not 0 < mde < 1:
        raise StatsInputError("the minimum detectable effect must be between 0 and 1 (exclusive)")


def check_counts(variants: Sequence[VariantCounts]) -> None:
    if len(variants) < 2:
        raise StatsInputError("at least two variants are needed: a control and a treatment")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise StatsInputError("variant names must be distinct")
    for v in variants:
        if v.users <= 0:
            raise StatsInputError(f"variant {v.name!r} has no users")
        if v.conversions < 0:
            raise StatsInputError(f"variant {v.name!r} has negative conversions")
        if v.conversions > v.users:
            raise StatsInputError(f"variant {v.name!r} has more conversions than users")


def sample_size_per_variant(
    control_rate: float, mde: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Users needed in each variant to detect `mde` (absolute) over `control_rate`."""
    check_mde(mde)
    if not 0 <= control_rate <= 1 or control_rate + mde > 1:
        return None
    effect = abs(proportion_effectsize(control_rate + mde, control_rate))
    if not math.isfinite(effect) or effect == 0:
        return None
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=1, alternative="two-sided"
    )
    return math.ceil(float(n))


def expected_days(sample_size: int | None, split: Sequence[float], daily_traffic: int) -> int | None:
    """Days until the smallest variant reaches the sample size, at `daily_traffic` users a day."""
    if sample_size is None or daily_traffic <= 0:
        return None
    smallest = min(split) / sum(split)
    return math.ceil(sample_size / (daily_traffic * smallest))


def srm_p_value(users: Sequence[int], split: Sequence[float]) -> float:
    total = sum(users)
    expected = [total * share / sum(split) for share in split]
    return float(chisquare(list(users), f_exp=expected).pvalue)


def compare(control: VariantCounts, variant: VariantCounts) -> Comparison:
    r_c = control.conversions / control.users
    r_v = variant.conversions / variant.users
    lift_abs = r_v - r_c
    with warnings.catch_warnings():
        # statsmodels divides by a zero standard error when nobody (or everybody) converts.
        warnings.simplefilter("ignore", RuntimeWarning)
        _z, p = proportions_ztest([variant.conversions, control.conversions], [variant.users, control.users])
    z = float(norm.ppf(1 - (1 - CI_LEVEL) / 2))
    se = math.sqrt(r_c * (1 - r_c) / control.users + r_v * (1 - r_v) / variant.users)
    return Comparison(
        variant=variant.name,
        lift_abs=lift_abs,
        lift_rel=lift_abs / r_c if r_c > 0 else None,
        p_value=_finite(float(p)),
        ci_low=lift_abs - z * se,
        ci_high=lift_abs + z * se,
    )


def analyse(
    variants: Sequence[VariantCounts],
    split: Sequence[float],
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> Analysis:
    check_counts(variants)
    check_split(split, len(variants))
    check_mde(mde)
    control = variants[0]
    control_rate = control.conversions / control.users
    return Analysis(
        variants=tuple(
            VariantResult(v.name, v.users, v.conversions, v.conversions / v.users) for v in variants
        ),
        comparisons=tuple(compare(control, v) for v in variants[1:]),
        srm_p_value=srm_p_value([v.users for v in variants], split),
        sample_size_per_variant=sample_size_per_variant(control_rate, mde, alpha=alpha, power=power),
    )


def comparison_verdict(comparison: Comparison, rule: DecisionRule, *, guardrail_breached: bool) -> str:
    p = comparison.p_value
    if p is None or p >= rule.alpha:
        return Verdict.INCONCLUSIVE
    if comparison.lift_abs > rule.min_lift and not guardrail_breached:
        return Verdict.WON
    if comparison.lift_abs < 0:
        return Verdict.LOST
    return Verdict.INCONCLUSIVE


def verdict(analysis: Analysis, rule: DecisionRule, *, guardrail_breached: bool) -> str | None:
    """The experiment's verdict: won when a treatment wins, lost when every treatment loses,
    inconclusive otherwise; None (withheld) on a sample-ratio mismatch."""
    if analysis.srm:
        return None
    verdicts = [
        comparison_verdict(c, rule, guardrail_breached=guardrail_breached) for c in analysis.comparisons
    ]
    if Verdict.WON in verdicts:
        return Verdict.WON
    if verdicts and all(v == Verdict.LOST for v in verdicts):
        return Verdict.LOST
    return Verdict.INCONCLUSIVE
