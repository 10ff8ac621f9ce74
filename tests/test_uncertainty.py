"""Effects under parameter uncertainty: the split of an effect's spread between parameter
draws and chance, and the hierarchical bootstrap's interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.uncertainty import (
    _hierarchical_bootstrap,
    effect_lines,
    pooled_effects,
    variance_split,
)


def _results(effects_by_draw: np.ndarray, noise: float, seeds: int, rng: np.random.Generator):
    """Paired results at one month: treated = control + the draw's effect + seed noise."""
    rows = []
    for d, effect in enumerate(effects_by_draw):
        for s in range(seeds):
            control = rng.normal()
            pair = f"d{d}s{s}"
            treated = control + effect + noise * rng.normal()
            for arm, value in (("treated", treated), ("control", control)):
                rows.append(
                    {"point_id": f"d{d}", "pair_id": pair, "step": 10, "arm": arm, "m": value}
                )
    return pd.DataFrame(rows)


def test_the_split_recovers_known_between_and_within_variances() -> None:
    rng = np.random.default_rng(1)
    mus = rng.normal(0.0, 2.0, size=2000)
    groups = [rng.normal(mu, 2.0, size=4) for mu in mus]
    between, within = variance_split(groups)
    # the draws' own spread (~4), not the raw variance of their means (which adds 4 / 4)
    assert between == pytest.approx(np.var(mus, ddof=1), rel=0.12)
    assert within == pytest.approx(4.0, rel=0.1)


def test_chance_alone_gives_no_parameter_share() -> None:
    rng = np.random.default_rng(2)
    table = pooled_effects(_results(np.zeros(30), 1.0, 6, rng), "m", [10], n_resamples=500)
    assert table.loc[0, "parameter_share"] < 0.1
    assert table.loc[0, "sd_chance"] == pytest.approx(1.0, rel=0.2)


def test_parameters_dominate_when_draws_differ_and_the_interval_covers_them() -> None:
    rng = np.random.default_rng(3)
    draws = rng.normal(1.0, 1.0, size=30)
    table = pooled_effects(_results(draws, 0.1, 4, rng), "m", [10], n_resamples=1000)
    row = table.loc[0]
    assert row["parameter_share"] > 0.9
    assert row["effect"] == pytest.approx(draws.mean(), abs=0.05)
    # the interval reflects the spread between draws (sd 1 over 30 draws: ±~0.35), far
    # wider than seed noise alone (0.1 over 120 pairs) would give
    assert row["ci_high"] - row["ci_low"] > 0.4
    assert row["ci_low"] < draws.mean() < row["ci_high"]


def test_refuses_bad_steps_and_confidence() -> None:
    rng = np.random.default_rng(4)
    results = _results(np.zeros(3), 1.0, 3, rng)
    with pytest.raises(ValueError, match="steps"):
        pooled_effects(results, "m", [99])
    with pytest.raises(ValueError, match="confidence"):
        pooled_effects(results, "m", [10], confidence=1.5)


def test_unequal_numbers_of_pairs_resample_draws_then_pairs_within_them() -> None:
    rng = np.random.default_rng(5)
    # Draws differing only in their means: the spread comes from resampling the draws.
    means = np.array([0.0, 1.0, 3.0, 4.0, 7.0])
    constant = [np.full(n, m) for n, m in zip((2, 3, 4, 5, 6), means, strict=True)]
    boot = _hierarchical_bootstrap(constant, 6000, rng)
    assert boot.mean() == pytest.approx(means.mean(), abs=0.05)
    assert boot.std() == pytest.approx(means.std() / np.sqrt(len(means)), rel=0.06)
    # Draws with the same mean: the spread comes from resampling the pairs within each.
    noisy = [rng.normal(0.0, 1.0, n) for n in (3, 5, 8, 13)]
    noisy = [g - g.mean() for g in noisy]
    expected = np.sqrt(np.mean([g.var() / len(g) for g in noisy]) / len(noisy))
    assert _hierarchical_bootstrap(noisy, 6000, rng).std() == pytest.approx(expected, rel=0.08)


def test_an_effect_the_data_cannot_tell_is_a_line_in_the_parameter() -> None:
    """Each draw's effect is 2 x its shock plus chance: the line reads ~0 at shock 0 and ~1
    at 0.5, each inside a narrow interval of its own."""
    rng = np.random.default_rng(6)
    shock = rng.uniform(0.0, 0.5, size=24)
    results = _results(2.0 * shock, 0.05, 4, rng)
    draw = results["point_id"].str.removeprefix("d").astype(int)
    results["param__population.revocation_shock"] = shock[draw]
    (row,) = effect_lines(
        results, "m", [10], "population.revocation_shock", (0.0, 0.5), n_resamples=500
    ).itertuples()
    assert row.at_low == pytest.approx(0.0, abs=0.05)
    assert row.at_high == pytest.approx(1.0, abs=0.05)
    assert row.slope == pytest.approx(2.0, abs=0.2)
    assert row.at_low_ci_low < row.at_low < row.at_low_ci_high < 0.1
    assert 0.9 < row.at_high_ci_low < row.at_high < row.at_high_ci_high < 1.1
    assert row.n_draws == 24
    with pytest.raises(ValueError, match=r"param__population\.trust_weight"):
        effect_lines(results, "m", [10], "population.trust_weight", (0.5, 5.0))
