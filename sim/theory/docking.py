"""Dock the revision rule the main model runs against the exact imitation process.

:func:`simulate_revisions` drives a well-mixed population of Z agents with the very function
labs use to revise their strategies, :func:`sim.model.strategies.revise`: each event picks a
focal agent and a model agent uniformly (the model among the other Z - 1); the focal mutates
with probability mu to a uniformly chosen other strategy, else imitates the model with the
Fermi probability, with payoffs averaged over the other Z - 1 agents (no self-play) as in
:mod:`.process`. Its time-averaged strategy frequencies estimate those of
:func:`sim.theory.process.stationary_distribution_mutation` (Traulsen, Nowak & Pacheco 2006),
so a test can check that the code the model runs is the process the theory solves.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.model.strategies import revise
from sim.theory.process import FloatArray, _check_int, _check_payoffs, _check_real

BLOCK = 8192
"""Events whose random draws are generated per numpy call."""


def average_payoff(matrix: list[list[float]], counts: list[int], strategy: int) -> float:
    """Payoff of a `strategy` player averaged over the other Z - 1 agents, `counts[t]` of
    whom (itself included) play t: the averages behind
    :func:`sim.theory.process.payoff_difference`."""
    row = matrix[strategy]
    total = sum(c * x for c, x in zip(counts, row, strict=True)) - row[strategy]
    return total / (sum(counts) - 1)


def _initial_counts(initial: npt.ArrayLike | None, n: int, Z: int) -> list[int]:
    """Agents per strategy at the start: `initial` checked, or as even as possible."""
    if initial is None:
        return [Z // n + (s < Z % n) for s in range(n)]
    counts = [int(c) for c in np.asarray(initial).tolist()]
    if len(counts) != n or min(counts) < 0 or sum(counts) != Z:
        raise ValueError(f"initial must give {n} non-negative counts summing to Z = {Z}")
    return counts


def _check_game(
    payoffs: npt.ArrayLike, Z: int, beta: float, mu: float
) -> tuple[FloatArray, int, float, float]:
    """The game and population of :func:`simulate_revisions`, checked (ValueError)."""
    return (
        _check_payoffs(payoffs),
        _check_int("Z", Z, 2),
        _check_real("beta", beta, 0.0),
        _check_real("mu", mu, 0.0, 1.0),
    )


def _check_schedule(
    events: int, burn_in: int, batches: int, rng: np.random.Generator
) -> tuple[int, int, int]:
    """The events, burn-in and batches of :func:`simulate_revisions`, checked (ValueError)."""
    events = _check_int("events", events, 1)
    burn_in = _check_int("burn_in", burn_in, 0)
    batches = _check_int("batches", batches, 1)
    if events % batches:
        raise ValueError(f"events must be a multiple of batches = {batches}, got {events}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return events, burn_in, batches


def simulate_revisions(
    payoffs: npt.ArrayLike,
    Z: int,
    beta: float,
    mu: float,
    events: int,
    rng: np.random.Generator,
    *,
    initial: npt.ArrayLike | None = None,
    burn_in: int = 0,
    batches: int = 1,
) -> FloatArray:
    """Batch means of the strategy frequencies under :func:`sim.model.strategies.revise`.

    `payoffs` is the n×n game (row player's payoff against the column player); the
    population of Z starts with `initial` agents per strategy (default: as even as possible)
    and runs `burn_in` events unrecorded, then `events` recorded ones cut into `batches`
    consecutive batches of equal length. Returns a (batches, n) array: row b holds the
    fraction of agents playing each strategy, averaged over the events of batch b (after
    each event). The grand mean estimates the stationary mean frequencies; the spread of the
    rows gives its standard error by batch means when batches are long against the
    process's correlation time.

    Longer than most functions on purpose: the event loop stays in one piece, on plain
    lists, so that it reads as the revision process event by event (draw a focal agent and
    a model, revise, tally); only its arguments' checks are split out.
    """
    a, Z, beta, mu = _check_game(payoffs, Z, beta, mu)
    n = a.shape[0]
    events, burn_in, batches = _check_schedule(events, burn_in, batches, rng)
    counts = _initial_counts(initial, n, Z)
    strategy = [s for s, c in enumerate(counts) for _ in range(c)]
    matrix: list[list[float]] = a.tolist()
    per_batch = events // batches
    sums = np.zeros((batches, n))
    batch_sum = [0] * n
    done = 0
    total = burn_in + events
    while done < total:
        size = min(BLOCK, total - done)
        focal = rng.integers(0, Z, size).tolist()
        other = rng.integers(0, Z - 1, size).tolist()
        u = rng.random((3, size)).tolist()
        for e in range(size):
            i = focal[e]
            j = other[e]
            j += j >= i
            s, t = strategy[i], strategy[j]
            new = revise(
                s,
                t,
                average_payoff(matrix, counts, s),
                average_payoff(matrix, counts, t),
                beta=beta,
                mutation=mu,
                n_strategies=n,
                u_mutate=u[0][e],
                u_imitate=u[1][e],
                u_mutant=u[2][e],
            ).strategy
            if new != s:
                strategy[i] = new
                counts[s] -= 1
                counts[new] += 1
            step = done + e - burn_in
            if step >= 0:
                for k in range(n):
                    batch_sum[k] += counts[k]
                if (step + 1) % per_batch == 0:
                    sums[step // per_batch] = batch_sum
                    batch_sum = [0] * n
        done += size
    return np.asarray(sums / (per_batch * Z), dtype=np.float64)
