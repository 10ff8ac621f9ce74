"""Exact results for the pairwise-comparison (Fermi) imitation process in a finite population.

The process: in a well-mixed population of Z agents a random focal agent picks a random other
agent and imitates it with probability 1 / (1 + exp(-beta * (payoff_model - payoff_focal)));
payoffs are averages over games against the other Z - 1 agents (no self-play). With
probability mu the focal instead switches to a random other strategy. Formulas from Traulsen,
Nowak & Pacheco (2006), Phys. Rev. E 74, 011909, and Fudenberg & Imhof (2006), J. Econ. Theory
131, 251; products of transition ratios are computed as sums of logs so that strong selection
(payoff differences of hundreds times beta of order one) neither overflows nor underflows.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

FloatArray = npt.NDArray[np.float64]


def _check_payoffs(payoffs: npt.ArrayLike) -> FloatArray:
    a = np.asarray(payoffs, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ValueError(
            f"payoffs must be a square n×n matrix with n >= 2, got an array of shape {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise ValueError(f"payoffs must be finite, got {a.tolist()}")
    return a


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_real(name: str, value: object, low: float, high: float = math.inf) -> float:
    """A finite real in [low, high] (high may be inf), else ValueError naming it."""
    allowed = f">= {low}" if math.isinf(high) else f"in [{low}, {high}]"
    message = f"{name} must be a finite number {allowed}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(message)
    x = float(value)
    if not (math.isfinite(x) and low <= x <= high):
        raise ValueError(message)
    return x


def _check_pair(n: int, resident: object, mutant: object) -> tuple[int, int]:
    pair = []
    for name, v in (("resident", resident), ("mutant", mutant)):
        if isinstance(v, bool) or not isinstance(v, Integral) or not 0 <= int(v) < n:
            raise ValueError(f"{name} must be a strategy index in [0, {n - 1}], got {v!r}")
        pair.append(int(v))
    if pair[0] == pair[1]:
        raise ValueError(f"resident and mutant must differ, got both {pair[0]}")
    return pair[0], pair[1]


def payoff_difference(
    payoffs: npt.ArrayLike, Z: int, resident: int, mutant: int, k: npt.ArrayLike
) -> FloatArray:
    """Payoff of a mutant minus that of a resident when k of the Z agents are mutants.

    Each agent averages over the other Z - 1 agents, so a mutant meets k - 1 mutants and a
    resident meets k of them (Traulsen, Nowak & Pacheco 2006).
    """
    a = _check_payoffs(payoffs)
    Z = _check_int("Z", Z, 2)
    r, m = _check_pair(a.shape[0], resident, mutant)
    kk = np.asarray(k, dtype=np.float64)
    pi_m = ((kk - 1) * a[m, m] + (Z - kk) * a[m, r]) / (Z - 1)
    pi_r = (kk * a[r, m] + (Z - kk - 1) * a[r, r]) / (Z - 1)
    return np.asarray(pi_m - pi_r, dtype=np.float64)


def _log_terms(payoffs: FloatArray, Z: int, beta: float, resident: int, mutant: int) -> FloatArray:
    """log prod_{k=1}^{i} T-(k)/T+(k) for i = 0..Z-1, with T-/T+ = exp(-beta * dPi(k))."""
    beta = _check_real("beta", beta, 0.0)
    diff = payoff_difference(payoffs, Z, resident, mutant, np.arange(1, Z))
    return np.concatenate(([0.0], -beta * np.cumsum(diff)))


def log_fixation_probability(
    payoffs: npt.ArrayLike, Z: int, beta: float, resident: int, mutant: int
) -> float:
    """Natural log of :func:`fixation_probability`, finite even where the probability underflows."""
    return -float(logsumexp(_log_terms(_check_payoffs(payoffs), Z, beta, resident, mutant)))


def fixation_probability(
    payoffs: npt.ArrayLike, Z: int, beta: float, resident: int, mutant: int
) -> float:
    """Probability that one `mutant` fixes in a population of Z - 1 `resident` agents.

    Only the two strategies `resident` and `mutant` (indices into the n×n `payoffs`, the row
    player's payoff against the column player) take part. Birth-death formula
    rho = 1 / (1 + sum_{i=1}^{Z-1} prod_{k=1}^{i} T-(k)/T+(k)) with T-/T+ = exp(-beta dPi(k))
    for the Fermi rule (Traulsen, Nowak & Pacheco 2006; Nowak 2006, Evolutionary Dynamics,
    ch. 6). Neutral drift (beta = 0) gives exactly 1/Z.
    """
    log_terms = _log_terms(_check_payoffs(payoffs), Z, beta, resident, mutant)
    top = float(log_terms.max())
    return math.exp(-top) / float(np.sum(np.exp(log_terms - top)))


def _normalised_exp(log_weights: FloatArray) -> FloatArray:
    w = np.exp(log_weights - log_weights.max())
    return np.asarray(w / w.sum(), dtype=np.float64)


def _log_gth(log_rates: FloatArray) -> FloatArray:
    """Stationary distribution of a chain given log off-diagonal rates, by the
    Grassmann-Taksar-Heyman elimination (subtraction-free, so stable for tiny rates),
    carried out in log space (Grassmann, Taksar & Heyman 1985, Oper. Res. 33, 1107)."""
    q = log_rates.copy()
    n = q.shape[0]
    for k in range(n - 1, 0, -1):
        q[:k, k] -= logsumexp(q[k, :k])
        q[:k, :k] = np.logaddexp(q[:k, :k], q[:k, k][:, None] + q[k, :k][None, :])
    log_pi = np.zeros(n)
    for k in range(1, n):
        log_pi[k] = logsumexp(log_pi[:k] + q[:k, k])
    return _normalised_exp(log_pi)


def stationary_distribution(payoffs: npt.ArrayLike, Z: int, beta: float) -> FloatArray:
    """Long-run frequency of each pure strategy in the limit of rare mutations.

    The population is almost always monomorphic; a mutant of a uniformly chosen other strategy
    j arises in a population of i and fixes with probability rho_{i->j}, which defines the
    embedded Markov chain over the n strategies (Fudenberg & Imhof 2006; Imhof, Fudenberg &
    Nowak 2005, PNAS 102, 10797). Returns its stationary distribution (length n, sums to 1).
    """
    a = _check_payoffs(payoffs)
    Z = _check_int("Z", Z, 2)
    beta = _check_real("beta", beta, 0.0)
    n = a.shape[0]
    log_rates = np.full((n, n), -np.inf)
    for i in range(n):
        for j in range(n):
            if i != j:
                log_rates[i, j] = log_fixation_probability(a, Z, beta, i, j) - math.log(n - 1)
    return _log_gth(log_rates)


def _log_fermi(x: FloatArray) -> FloatArray:
    return np.asarray(-np.logaddexp(0.0, -x), dtype=np.float64)


def stationary_distribution_mutation(
    payoffs: npt.ArrayLike, Z: int, beta: float, mu: float
) -> FloatArray:
    """Exact stationary distribution of the two-strategy imitation process with mutation.

    Index k = 0..Z of the result is the probability that exactly k agents play strategy 1
    (second row/column of the 2×2 `payoffs`); k = 0 is everyone playing strategy 0. The chain
    is birth-death, so detailed balance P(k+1)/P(k) = T+(k)/T-(k+1) solves it exactly, with
    T+(k) = (Z-k)/Z [(1-mu) k/(Z-1) F(dPi(k)) + mu] and T-(k) likewise (Traulsen, Nowak &
    Pacheco 2006). mu must be > 0: at mu = 0 the chain has two absorbing states.
    """
    a = _check_payoffs(payoffs)
    if a.shape != (2, 2):
        raise ValueError(f"payoffs must be a 2×2 matrix here, got shape {a.shape}")
    Z = _check_int("Z", Z, 2)
    beta = _check_real("beta", beta, 0.0)
    mu = _check_real("mu", mu, 0.0, 1.0)
    if mu == 0.0:
        raise ValueError("mu must be in (0, 1] for a unique stationary distribution, got 0")
    k = np.arange(Z + 1, dtype=np.float64)
    diff = payoff_difference(a, Z, 0, 1, k)  # payoff of strategy 1 minus strategy 0
    with np.errstate(divide="ignore"):
        log_keep = math.log1p(-mu) if mu < 1 else -math.inf
        log_mu = math.log(mu)
        log_up = np.log((Z - k) / Z) + np.logaddexp(
            log_keep + np.log(k / (Z - 1)) + _log_fermi(beta * diff), log_mu
        )
        log_down = np.log(k / Z) + np.logaddexp(
            log_keep + np.log((Z - k) / (Z - 1)) + _log_fermi(-beta * diff), log_mu
        )
    log_p = np.concatenate(([0.0], np.cumsum(log_up[:-1] - log_down[1:])))
    return _normalised_exp(log_p)
