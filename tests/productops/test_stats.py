from __future__ import annotations

import math

import pytest
from scipy.stats import chisquare, norm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from productops.experiments import stats
from productops.experiments.stats import DecisionRule, VariantCounts, Verdict

CASES = [
    ([("control", 1000, 100), ("treatment", 1000, 130)], [50, 50], 0.02),
    ([("control", 5000, 500), ("treatment", 5100, 480)], [50, 50], 0.01),
    ([("a", 2000, 300), ("b", 8000, 1300)], [20, 80], 0.03),
    ([("control", 3000, 90), ("b", 3050, 120), ("c", 2990, 60)], [33.3, 33.3, 33.4], 0.005),
    # sample-ratio mismatch: 1000 vs 1200 users on a 50/50 split
    ([("control", 1000, 100), ("treatment", 1200, 130)], [50, 50], 0.02),
]


def expected(variants, split, mde):
    (c_name, n_c, x_c), *rest = variants
    r_c = x_c / n_c
    comparisons = []
    for name, n_v, x_v in rest:
        r_v = x_v / n_v
        lift = r_v - r_c
        _z, p = proportions_ztest([x_v, x_c], [n_v, n_c])
        half = norm.ppf(0.975) * math.sqrt(r_c * (1 - r_c) / n_c + r_v * (1 - r_v) / n_v)
        comparisons.append((name, lift, lift / r_c, float(p), lift - half, lift + half))
    users = [n for _name, n, _x in variants]
    srm = chisquare(users, f_exp=[sum(users) * s / sum(split) for s in split]).pvalue
    size = math.ceil(
        NormalIndPower().solve_power(
            effect_size=abs(proportion_effectsize(r_c + mde, r_c)),
            alpha=0.05,
            power=0.8,
            ratio=1,
            alternative="two-sided",
        )
    )
    return comparisons, float(srm), size


@pytest.mark.parametrize(("variants", "split", "mde"), CASES)
def test_analysis_matches_statsmodels_and_scipy(variants, split, mde):
    analysis = stats.analyse([VariantCounts(*v) for v in variants], split, mde)
    comparisons, srm, size = expected(variants, split, mde)
    assert [(v.name, v.users, v.conversions, v.rate) for v in analysis.variants] == [
        (name, n, x, x / n) for name, n, x in variants
    ]
    assert [
        (c.variant, c.lift_abs, c.lift_rel, c.p_value, c.ci_low, c.ci_high) for c in analysis.comparisons
    ] == comparisons
    assert analysis.srm_p_value == srm
    assert analysis.sample_size_per_variant == size


def test_sample_ratio_mismatch_is_flagged_below_one_in_a_thousand():
    broken = stats.analyse([VariantCounts("c", 1000, 100), VariantCounts("t", 1200, 130)], [50, 50], 0.02)
    fine = stats.analyse([VariantCounts("c", 1000, 100), VariantCounts("t", 1010, 130)], [50, 50], 0.02)
    assert broken.srm_p_value < 0.001
    assert broken.srm
    assert not fine.srm
    assert stats.verdict(broken, DecisionRule(), guardrail_breached=False) is None


def test_no_conversion_anywhere_gives_no_p_value_and_no_relative_lift():
    analysis = stats.analyse([VariantCounts("c", 100, 0), VariantCounts("t", 100, 0)], [50, 50], 0.02)
    assert analysis.comparisons[0].p_value is None
    assert analysis.comparisons[0].lift_rel is None


@pytest.mark.parametrize(
    ("treatment", "breached", "verdict"),
    [
        (("t", 10000, 1150), False, Verdict.WON),
        (("t", 10000, 1150), True, Verdict.INCONCLUSIVE),
        (("t", 10000, 850), False, Verdict.LOST),
        (("t", 10000, 1010), False, Verdict.INCONCLUSIVE),
    ],
)
def test_verdict_follows_the_pre_registered_rule(treatment, breached, verdict):
    analysis = stats.analyse([VariantCounts("c", 10000, 1000), VariantCounts(*treatment)], [50, 50], 0.02)
    assert stats.verdict(analysis, DecisionRule(), guardrail_breached=breached) == verdict


def test_minimum_lift_is_part_of_the_rule():
    analysis = stats.analyse(
        [VariantCounts("c", 10000, 1000), VariantCounts("t", 10000, 1150)], [50, 50], 0.02
    )
    assert (
        stats.verdict(analysis, DecisionRule(min_lift=0.02), guardrail_breached=False) == Verdict.INCONCLUSIVE
    )


def test_expected_days_follow_the_smallest_share():
    assert stats.expected_days(3835, [50, 50], 1000) == 8
    assert stats.expected_days(3835, [20, 80], 1000) == 20
    assert stats.expected_days(None, [50, 50], 1000) is None


def test_sample_size_is_none_when_the_effect_leaves_the_unit_interval():
    assert stats.sample_size_per_variant(0.99, 0.02) is None
