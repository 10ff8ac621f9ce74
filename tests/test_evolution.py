"""Theory checks of the exact Fermi-process results and of the agent-based Monte Carlo."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from sim.theory import (
    ImitationModel,
    Player,
    dsair,
    fixation_probability,
    log_fixation_probability,
    simulate_fixation,
    simulate_time_average,
    stationary_distribution,
    stationary_distribution_mutation,
)
from sim.theory.docking import average_payoff, simulate_revisions
from sim.theory.process import payoff_difference

PD = np.array([[3.0, 0.0], [5.0, 1.0]])
"""Prisoner's dilemma, (C, D): D dominates."""
COORDINATION = np.array([[2.0, 0.0], [0.0, 1.0]])
HAWK_DOVE = np.array([[1.0, 3.0], [4.0, 0.5]])
"""Coexistence game: each strategy invades the other."""
EARLY_DSAIR = np.array([[51.0, 0.0], [151.5, 76.0]])
"""DSAIR at b=4, c=1, s=3, p_r=0.5, B=1e4, W=100, worked out by hand from the paper's formulas."""


def matrices(n: int) -> st.SearchStrategy[np.ndarray]:
    entries = st.floats(-50, 50, allow_nan=False)
    return st.lists(entries, min_size=n * n, max_size=n * n).map(
        lambda xs: np.array(xs).reshape(n, n)
    )


def fermi(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def selection_sum(a: np.ndarray, Z: int, r: int, m: int) -> float:
    """sum_{k=1}^{Z-1} (Pi_m(k) - Pi_r(k)) in closed form, from sum k = Z(Z-1)/2."""
    return float(0.5 * ((Z - 2) * (a[m, m] - a[r, r]) + Z * (a[m, r] - a[r, m])))


@pytest.mark.parametrize("Z", [2, 3, 10, 100, 1000])
def test_neutral_drift_fixes_with_probability_one_over_z(Z: int) -> None:
    a = np.array([[1.0, -7.0, 2.0], [40.0, 0.0, 3.0], [5.0, 6.0, -1.0]])
    assert fixation_probability(a, Z, 0.0, 0, 1) == 1 / Z
    assert fixation_probability(a, Z, 0.0, 2, 0) == 1 / Z


@settings(max_examples=60, deadline=None)
@given(
    d=st.floats(-5, 5, allow_nan=False),
    base=st.floats(-10, 10, allow_nan=False),
    beta=st.floats(0.001, 2),
    Z=st.integers(2, 200),
)
def test_constant_advantage_matches_gamblers_ruin(
    d: float, base: float, beta: float, Z: int
) -> None:
    """With dPi(k) = d for all k, T-/T+ = exp(-beta d) and rho = expm1(-bd)/expm1(-bdZ)."""
    x = beta * d
    if abs(x) * Z > 600 or abs(x) < 1e-9:
        return
    a = np.array([[base, base], [base + d, base + d]])
    expected = math.expm1(-x) / math.expm1(-x * Z)
    assert fixation_probability(a, Z, beta, 0, 1) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@settings(max_examples=80, deadline=None)
@given(a=matrices(3), beta=st.floats(0, 5), Z=st.integers(2, 300), pair=st.permutations([0, 1, 2]))
def test_fixation_ratio_is_exp_of_beta_times_payoff_sum(
    a: np.ndarray, beta: float, Z: int, pair: list[int]
) -> None:
    """rho_m / rho_r = prod T+/T- = exp(beta * sum_k dPi(k)) for the Fermi rule."""
    r, m = pair[0], pair[1]
    log_ratio = log_fixation_probability(a, Z, beta, r, m) - log_fixation_probability(
        a, Z, beta, m, r
    )
    expected = beta * selection_sum(a, Z, r, m)
    assert log_ratio == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(a=matrices(2), beta=st.floats(0, 3))
def test_two_agents_fix_by_a_single_fermi_comparison(a: np.ndarray, beta: float) -> None:
    """With Z = 2 each player meets only the other: rho = F(beta (a_mr - a_rm))."""
    expected = fermi(beta * (a[1, 0] - a[0, 1]))
    assert fixation_probability(a, 2, beta, 0, 1) == pytest.approx(expected, rel=1e-12)


def test_strong_selection_with_large_payoffs_neither_overflows_nor_underflows() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for beta in (0.01, 1.0, 100.0):
            lost = log_fixation_probability(EARLY_DSAIR, 100, beta, 1, 0)
            assert math.isfinite(lost) and lost < 0
            assert 0.0 <= fixation_probability(EARLY_DSAIR, 100, beta, 1, 0) < 1e-30
            assert 0.0 < fixation_probability(EARLY_DSAIR, 100, beta, 0, 1) <= 1.0
            pi = stationary_distribution(EARLY_DSAIR, 100, beta)
            assert np.all(np.isfinite(pi)) and pi[1] == pytest.approx(1.0)
            p = stationary_distribution_mutation(EARLY_DSAIR, 100, beta, 1e-3)
            assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 4), data=st.data(), beta=st.floats(0, 10), Z=st.integers(2, 150))
def test_small_mutation_distribution_is_a_distribution(
    n: int, data: st.DataObject, beta: float, Z: int
) -> None:
    pi = stationary_distribution(data.draw(matrices(n)), Z, beta)
    assert pi.shape == (n,)
    assert np.all(pi >= 0)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12)


def test_small_mutation_distribution_solves_the_embedded_chain() -> None:
    """pi T = pi with T_ij = rho_{i->j} / (n - 1) (Fudenberg & Imhof 2006), by a linear solve."""
    a = np.array([[1.0, 0.0, 2.0], [3.0, 1.0, 0.0], [0.0, 2.5, 1.5]])
    Z, beta = 30, 0.4
    t = np.array(
        [
            [fixation_probability(a, Z, beta, i, j) / 2 if i != j else 0.0 for j in range(3)]
            for i in range(3)
        ]
    )
    t += np.diag(1 - t.sum(axis=1))
    lhs = np.vstack([(t.T - np.eye(3))[:-1], np.ones(3)])
    expected = np.linalg.solve(lhs, [0.0, 0.0, 1.0])
    np.testing.assert_allclose(stationary_distribution(a, Z, beta), expected, rtol=1e-9)
    pi2 = stationary_distribution(PD, Z, beta)
    assert pi2[1] / pi2[0] == pytest.approx(
        fixation_probability(PD, Z, beta, 0, 1) / fixation_probability(PD, Z, beta, 1, 0)
    )


@settings(max_examples=60, deadline=None)
@given(a=matrices(2), beta=st.floats(0, 5), Z=st.integers(2, 150), mu=st.floats(1e-9, 1))
def test_mutation_distribution_is_a_distribution(
    a: np.ndarray, beta: float, Z: int, mu: float
) -> None:
    p = stationary_distribution_mutation(a, Z, beta, mu)
    assert p.shape == (Z + 1,)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def full_chain(a: np.ndarray, Z: int, beta: float, mu: float) -> np.ndarray:
    """Transition matrix over k written out from the rule: focal, then model or mutation."""
    t = np.zeros((Z + 1, Z + 1))
    for k in range(Z + 1):
        pay1 = ((k - 1) * a[1, 1] + (Z - k) * a[1, 0]) / (Z - 1)
        pay0 = (k * a[0, 1] + (Z - k - 1) * a[0, 0]) / (Z - 1)
        if k < Z:
            copy = k / (Z - 1) * fermi(beta * (pay1 - pay0))
            t[k, k + 1] = (Z - k) / Z * (mu + (1 - mu) * copy)
        if k > 0:
            copy = (Z - k) / (Z - 1) * fermi(beta * (pay0 - pay1))
            t[k, k - 1] = k / Z * (mu + (1 - mu) * copy)
        t[k, k] = 1 - t[k].sum()
    return t


@pytest.mark.parametrize(("a", "beta", "mu"), [(HAWK_DOVE, 0.7, 0.01), (PD, 2.0, 0.2)])
def test_mutation_distribution_is_left_eigenvector_of_the_full_chain(
    a: np.ndarray, beta: float, mu: float
) -> None:
    Z = 12
    p = stationary_distribution_mutation(a, Z, beta, mu)
    np.testing.assert_allclose(p @ full_chain(a, Z, beta, mu), p, rtol=1e-10, atol=1e-15)


def test_mutation_only_gives_the_binomial_ehrenfest_distribution() -> None:
    Z = 25
    p = stationary_distribution_mutation(PD, Z, 3.0, 1.0)
    np.testing.assert_allclose(p, binom.pmf(np.arange(Z + 1), Z, 0.5), rtol=1e-10)


def test_neutral_mutation_distribution_is_symmetric() -> None:
    p = stationary_distribution_mutation(HAWK_DOVE, 40, 0.0, 0.003)
    np.testing.assert_allclose(p, p[::-1], rtol=1e-12)


@pytest.mark.parametrize("a", [PD, COORDINATION, HAWK_DOVE, EARLY_DSAIR / 50])
def test_mutation_distribution_tends_to_small_mutation_limit(a: np.ndarray) -> None:
    """As mu -> 0 the mass at k = 0 and k = Z converges, linearly in mu, to the monomorphic
    weights; the coexistence game needs the smallest mu, its mixed state being metastable."""
    Z, beta = 30, 0.5
    pi = stationary_distribution(a, Z, beta)
    errors = []
    for mu in (1e-3, 1e-5, 1e-7, 1e-9, 1e-11, 1e-13):
        p = stationary_distribution_mutation(a, Z, beta, mu)
        errors.append(abs(p[0] - pi[0]) + abs(p[-1] - pi[1]))
    assert all(later < earlier for earlier, later in itertools.pairwise(errors))
    assert errors[-1] < 1e-7
    assert errors[-2] / errors[-1] == pytest.approx(100, rel=0.05)


@pytest.mark.parametrize(
    ("a", "Z", "beta", "resident", "mutant"),
    [
        (HAWK_DOVE, 10, 0.0, 0, 1),
        (np.array([[0.0, 0.0], [1.0, 1.0]]), 15, 0.5, 0, 1),
        (PD, 15, 0.3, 0, 1),
        (COORDINATION, 12, 1.0, 1, 0),
        (EARLY_DSAIR, 15, 0.02, 0, 1),
        (np.array([[1.0, 0.0, 9.0], [2.0, 1.0, 9.0], [9.0, 9.0, 9.0]]), 10, 0.5, 0, 1),
    ],
)
def test_monte_carlo_fixation_within_three_standard_errors(
    a: np.ndarray, Z: int, beta: float, resident: int, mutant: int
) -> None:
    runs = 3000
    exact = fixation_probability(a, Z, beta, resident, mutant)
    estimate = simulate_fixation(a, Z, beta, resident, mutant, runs, np.random.default_rng(7))
    se = math.sqrt(exact * (1 - exact) / runs)
    assert abs(estimate - exact) <= 3 * se


@pytest.mark.parametrize(("a", "beta", "mu"), [(HAWK_DOVE, 0.5, 0.05), (COORDINATION, 1.0, 0.1)])
def test_monte_carlo_time_average_within_three_standard_errors(
    a: np.ndarray, beta: float, mu: float
) -> None:
    """Independent replicates give the standard error of the mean frequency of strategy 1."""
    Z, replicates = 12, 8
    exact = stationary_distribution_mutation(a, Z, beta, mu)
    rngs = np.random.default_rng(11).spawn(replicates)
    runs = np.array([simulate_time_average(a, Z, beta, mu, 20_000, g, burn_in=2_000) for g in rngs])
    k = np.arange(Z + 1) / Z
    means = runs @ k
    se = means.std(ddof=1) / math.sqrt(replicates)
    assert abs(means.mean() - exact @ k) <= 3 * se
    assert 0.5 * np.abs(runs.mean(axis=0) - exact).sum() < 0.03


def test_same_seed_same_monte_carlo_result() -> None:
    def both(seed: int) -> tuple[float, np.ndarray]:
        rng = np.random.default_rng(seed)
        fixed = simulate_fixation(PD, 12, 0.5, 0, 1, 200, rng)
        return fixed, simulate_time_average(HAWK_DOVE, 10, 0.5, 0.05, 2_000, rng)

    first, second, other = both(3), both(3), both(4)
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[1], other[1])


def test_monte_carlo_leaves_global_generators_alone() -> None:
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    simulate_time_average(HAWK_DOVE, 10, 0.5, 0.05, 1_000, np.random.default_rng(0))
    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == np_state[0]
    np.testing.assert_array_equal(after[1], np_state[1])


def test_agents_hold_the_strategies_the_counts_report() -> None:
    a = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    strategies = [0] * 5 + [1] * 4 + [2] * 3
    model = ImitationModel(a, 0.8, 0.1, strategies, np.random.default_rng(5))
    for _ in range(50):
        model.step()
    players = list(model.agents_by_type[Player])
    assert len(players) == 12
    tally = np.bincount([p.strategy for p in players], minlength=3)
    assert tally.tolist() == model.counts
    assert model.payoff(1) == pytest.approx((a[1] @ tally - a[1, 1]) / 11)


def test_docking_payoffs_are_the_process_averages() -> None:
    a = dsair.payoffs(4.0, 1.0, 1.5, 0.7, 1e4, dsair.EARLY_W)
    Z = 10
    for k in range(1, Z):
        counts = [Z - k, k]
        diff = average_payoff(a.tolist(), counts, 1) - average_payoff(a.tolist(), counts, 0)
        assert diff == pytest.approx(payoff_difference(a, Z, 0, 1, k))


def test_docking_driver_is_seeded_and_batched() -> None:
    def run(seed: int) -> np.ndarray:
        return simulate_revisions(
            HAWK_DOVE, 8, 0.5, 0.1, 4_000, np.random.default_rng(seed), batches=4
        )

    first, again, other = run(1), run(1), run(2)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (4, 2) and not np.array_equal(first, other)
    np.testing.assert_allclose(first.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="multiple of batches"):
        simulate_revisions(PD, 8, 0.5, 0.1, 1_001, np.random.default_rng(), batches=4)
    with pytest.raises(ValueError, match="initial"):
        simulate_revisions(PD, 8, 0.5, 0.1, 100, np.random.default_rng(), initial=[3, 3])


@pytest.mark.slow(seconds=40)
@pytest.mark.parametrize(
    ("W", "s", "p_r", "beta"),
    [(dsair.EARLY_W, 1.5, 0.7, 0.02), (dsair.LATE_W, 1.5, 0.8, 1.0)],
    ids=["early", "late"],
)
def test_the_models_revision_rule_reproduces_the_exact_dsair_frequencies(
    W: float, s: float, p_r: float, beta: float
) -> None:
    """Dock the code the model runs: a well-mixed population revising with
    sim.model.strategies.revise, on DSAIR payoffs (b=4, c=1, B=1e4), has the time-averaged
    SAFE/UNSAFE frequencies of the exact birth-death chain with mutation, within 3 batch-
    means standard errors that are small enough for a 10% relative error to fail. Early
    regime below the risk-dominance threshold: UNSAFE prevails; late regime above the
    collective threshold: SAFE prevails (Han et al. 2020)."""
    Z, mu, batches = 10, 0.05, 60
    a = dsair.payoffs(4.0, 1.0, s, p_r, 1e4, W)
    unsafe = float(stationary_distribution_mutation(a, Z, beta, mu) @ (np.arange(Z + 1) / Z))
    exact = np.array([1 - unsafe, unsafe])
    runs = simulate_revisions(
        a, Z, beta, mu, 600_000, np.random.default_rng(2020), burn_in=5_000, batches=batches
    )
    estimate = runs.mean(axis=0)
    se = runs.std(axis=0, ddof=1) / math.sqrt(batches)
    assert np.all(0.1 * exact > 3 * se), "too few samples to detect a 10% relative error"
    assert np.all(np.abs(estimate - exact) <= 3 * se), (estimate, exact, se)
    assert abs(unsafe - 0.5) > 10 * se[dsair.UNSAFE], "selection must matter at this point"
    collective, risk = dsair.thresholds(4.0, 1.0, s, 1e4, W)
    if W == dsair.EARLY_W:
        assert p_r < risk and unsafe > 0.5
    else:
        assert p_r > collective and unsafe < 0.5


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: fixation_probability(PD, 1, 0.1, 0, 1), "Z"),
        (lambda: fixation_probability(PD, 10.5, 0.1, 0, 1), "Z"),  # type: ignore[arg-type]
        (lambda: fixation_probability(PD, 10, -0.1, 0, 1), "beta"),
        (lambda: fixation_probability(PD, 10, math.nan, 0, 1), "beta"),
        (lambda: fixation_probability(PD, 10, 0.1, 0, 0), "resident and mutant"),
        (lambda: fixation_probability(PD, 10, 0.1, 0, 2), "mutant"),
        (lambda: fixation_probability(np.ones((2, 3)), 10, 0.1, 0, 1), "payoffs"),
        (lambda: stationary_distribution(np.ones(4), 10, 0.1), "payoffs"),
        (lambda: stationary_distribution_mutation(PD, 10, 0.1, 1.5), "mu"),
        (lambda: stationary_distribution_mutation(PD, 10, 0.1, 0.0), "mu"),
        (lambda: stationary_distribution_mutation(np.ones((3, 3)), 10, 0.1, 0.1), "payoffs"),
        (lambda: simulate_fixation(PD, 10, 0.1, 0, 1, 0, np.random.default_rng()), "runs"),
        (lambda: simulate_fixation(PD, 10, 0.1, 0, 1, 5, 42), "rng"),  # type: ignore[arg-type]
        (lambda: simulate_time_average(PD, 10, 0.1, -0.1, 5, np.random.default_rng()), "mu"),
        (
            lambda: simulate_time_average(PD, 10, 0.1, 0.1, 5, np.random.default_rng(), initial=11),
            "initial",
        ),
    ],
)
def test_invalid_input_names_the_parameter(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
