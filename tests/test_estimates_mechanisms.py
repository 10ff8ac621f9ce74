"""The intervals of sim.analysis have the width and shape their docs state, on synthetic
data whose answer is known (issue 12, item 10): the confidence level sets the width, the
stratified group bootstrap resamples runs within cells, the pooled bootstrap resamples
draws and then pairs within each, and the bootstrap intervals are percentile intervals,
not basic (reflected) ones.

Each test fails when its mechanism is switched off (a level ignored, a resampling stage
dropped or pooled across cells, the interval reflected)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.estimates import effects, group_ci, group_estimates
from sim.analysis.hypotheses import HYPOTHESES, summarise
from sim.analysis.uncertainty import pooled_effects

STEP = 10


def paired(differences: np.ndarray, draws: int = 1) -> pd.DataFrame:
    """Paired results at one month whose treated − control differences are `differences`
    (split evenly over `draws` sweep points); controls are arbitrary."""
    rng = np.random.default_rng(99)
    rows = []
    for i, d in enumerate(differences):
        control = rng.normal()
        for arm, value in (("treated", control + d), ("control", control)):
            rows.append(
                {
                    "point_id": f"d{i % draws}",
                    "pair_id": f"p{i}",
                    "step": STEP,
                    "arm": arm,
                    "m": value,
                }
            )
    return pd.DataFrame(rows)


def runs(values: np.ndarray, cells: np.ndarray | None = None) -> pd.DataFrame:
    """One group of runs at one month (and, for group_estimates, one row per run)."""
    cells = np.zeros(len(values), dtype=int) if cells is None else cells
    return pd.DataFrame(
        {"g": "a", "cell": cells, "step": STEP, "run_id": range(len(values)), "m": values}
    )


# --- the confidence level -----------------------------------------------------------------

Interval = Callable[[np.ndarray, float], tuple[float, float]]


def by_effects(x: np.ndarray, level: float) -> tuple[float, float]:
    row = effects(paired(x), "m", confidence=level).iloc[0]
    return row["ci_low"], row["ci_high"]


def by_group_ci(x: np.ndarray, level: float) -> tuple[float, float]:
    row = group_ci(runs(x), "m", "g", confidence=level).iloc[0]
    return row["ci_low"], row["ci_high"]


def by_group_estimates(x: np.ndarray, level: float) -> tuple[float, float]:
    row = group_estimates(runs(x), "g", ["m"], confidence=level).iloc[0]
    return row["ci_low"], row["ci_high"]


def by_pooled_effects(x: np.ndarray, level: float) -> tuple[float, float]:
    row = pooled_effects(paired(x, draws=40), "m", [STEP], confidence=level).iloc[0]
    return row["ci_low"], row["ci_high"]


@pytest.mark.parametrize(
    "interval", [by_effects, by_group_ci, by_group_estimates, by_pooled_effects]
)
def test_the_confidence_level_sets_the_width_of_the_interval(interval: Interval) -> None:
    """On 400 normal draws a mean's interval is about 2·z·s/√n wide: a 50% interval is
    0.674/1.960 = 0.34 times a 95% one (the two-stage bootstrap of pooled effects is wider
    than s/√n, but its ratio is the same)."""
    x = np.random.default_rng(0).normal(0.3, 1.0, size=400)
    se = x.std() / np.sqrt(len(x))
    lo95, hi95 = interval(x, 0.95)
    lo50, hi50 = interval(x, 0.5)
    assert lo95 < lo50 < x.mean() < hi50 < hi95
    ratio = (hi50 - lo50) / (hi95 - lo95)
    assert ratio == pytest.approx(stats.norm.ppf(0.75) / stats.norm.ppf(0.975), abs=0.03)
    if interval is not by_pooled_effects:
        assert hi95 - lo95 == pytest.approx(2 * 1.96 * se, rel=0.06)


# --- the stratified group bootstrap ------------------------------------------------------


def test_the_group_bootstrap_resamples_runs_within_cells_so_only_their_noise_counts() -> None:
    """A group's point averages its cells with equal weight; its interval resamples runs
    within each cell, so its half-width is about 1.96·√(Σ s_c²/n_c)/K for K cells: it
    grows with the runs' noise and ignores how far apart the cells are (docs/ODD.md,
    the policy sweep)."""
    rng = np.random.default_rng(1)
    k, n = 4, 50
    cells = np.repeat(np.arange(k), n)
    apart = np.repeat([0.0, 5.0, 10.0, 20.0], n)

    def half_width(noise: float, shift: np.ndarray) -> tuple[float, float]:
        values = shift + noise * rng.normal(size=k * n)
        frame = runs(values, cells)
        row = group_estimates(frame, "g", ["m"], ["cell"], n_resamples=4000).iloc[0]
        s2 = frame.groupby("cell")["m"].var(ddof=0).to_numpy()
        expected = 1.96 * np.sqrt((s2 / n).sum()) / k
        assert row["mean"] == pytest.approx(values.reshape(k, n).mean(axis=1).mean())
        assert row["cells"] == k
        return (row["ci_high"] - row["ci_low"]) / 2, expected

    for noise in (0.5, 2.0):
        got, expected = half_width(noise, apart)
        assert got == pytest.approx(expected, rel=0.1)
    # Resampled across cells, their spread (sd 7.4) would make it ~1, not ~0.07.
    quiet, _ = half_width(0.5, apart)
    noisy, _ = half_width(2.0, apart)
    assert noisy == pytest.approx(4 * quiet, rel=0.2)


def test_the_pooled_bootstrap_resamples_draws_then_the_pairs_within_each() -> None:
    """Pooled over posterior draws, the interval is a two-stage bootstrap (docs/ODD.md §6.4):
    draws resampled, then each chosen draw's pairs, so its variance is the draws' part,
    s_b²/D, plus the pairs' part, mean(s_w²)/(D·m) (plug-in variances). With chance alone
    and 4 pairs a draw, the second part is 3/4 of the first: dropping either stage would
    narrow the interval by a quarter or more."""
    d, m = 40, 4
    x = np.random.default_rng(2).normal(0.0, 1.0, size=d * m)
    frame = paired(x, draws=d)
    row = pooled_effects(frame, "m", [STEP], n_resamples=4000).iloc[0]
    by_draw = [x[i::d] for i in range(d)]  # paired() puts pair i in draw i % d
    between = np.var([g.mean() for g in by_draw]) / d
    within = np.mean([np.var(g) for g in by_draw]) / (d * m)
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert half == pytest.approx(1.96 * np.sqrt(between + within), rel=0.08)


# --- percentile, not basic ----------------------------------------------------------------

SKEWED = np.r_[np.zeros(19), 20.0]
"""Twenty paired differences, one of them 20: a resample's mean is the number of times it
draws the 20, Binomial(20, 1/20), so the exact 95% percentile interval is [0, 3] around a
mean of 1 (its 2.5% and 97.5% quantiles; P(≤ 2) = 0.92, P(≤ 3) = 0.98), where the basic
interval reflects it to [−1, 2] and a normal one is symmetric."""


@pytest.mark.parametrize(
    "interval",
    [
        lambda x: by_effects(x, 0.95),
        lambda x: by_group_estimates(x, 0.95),
        lambda x: (summarise(HYPOTHESES[0], x).low, summarise(HYPOTHESES[0], x).high),
    ],
    ids=["effects", "group_estimates", "hypotheses"],
)
def test_bootstrap_intervals_are_percentile_intervals(
    interval: Callable[[np.ndarray], tuple[float, float]],
) -> None:
    binomial = stats.binom(20, 1 / 20)
    assert binomial.cdf(2) < 0.975 < binomial.cdf(3) and binomial.cdf(0) > 0.025
    low, high = interval(SKEWED)
    assert (low, high) == pytest.approx((0.0, 3.0))
    assert high - SKEWED.mean() > SKEWED.mean() - low  # the long tail is on the right
