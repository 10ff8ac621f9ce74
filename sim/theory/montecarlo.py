"""Agent-based Monte Carlo of the pairwise-comparison imitation process of :mod:`.process`.

Each member of the population is a Mesa agent holding its strategy; one event picks a random
focal agent and a random other agent, exactly as in the exact birth-death chain, so the
estimates here converge to the closed forms there (Traulsen, Nowak & Pacheco 2006). Random
numbers are drawn from the model's numpy Generator in blocks and strategy counts are kept
incrementally, so payoffs need no pass over the agents.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from numbers import Integral

import mesa
import numpy as np
import numpy.typing as npt

from sim.theory.process import (
    FloatArray,
    _check_int,
    _check_pair,
    _check_payoffs,
    _check_real,
)

BLOCK = 8192
"""Random draws generated per numpy call."""


class Player(mesa.Agent):  # type: ignore[misc]
    """One member of the population; `strategy` indexes a row of the payoff matrix."""

    def __init__(self, model: ImitationModel, strategy: int) -> None:
        super().__init__(model)
        self.strategy = int(strategy)


class ImitationModel(mesa.Model):  # type: ignore[misc]
    """A well-mixed population of `Player`s updating by the Fermi imitation rule with mutation.

    Agent i starts with `strategies[i]`; one Mesa `step` is one generation of Z imitation
    events. `rng` seeds the Mesa model; the public functions pass a stream spawned from theirs.
    """

    def __init__(
        self,
        payoffs: npt.ArrayLike,
        beta: float,
        mu: float,
        strategies: Sequence[int],
        rng: np.random.Generator | int | None = None,
    ) -> None:
        a = _check_payoffs(payoffs)
        n = a.shape[0]
        _check_int("the population size Z = len(strategies)", len(strategies), 2)
        if any(
            isinstance(x, bool) or not isinstance(x, Integral) or not 0 <= x < n for x in strategies
        ):
            raise ValueError(f"strategies must be indices in [0, {n - 1}], got {strategies!r}")
        super().__init__(rng=rng)
        self.matrix: list[list[float]] = a.tolist()
        self.n_strategies = n
        self.beta = _check_real("beta", beta, 0.0)
        self.mu = _check_real("mu", mu, 0.0, 1.0)
        self.size = len(strategies)
        self.players: list[Player] = list(Player.create_agents(self, self.size, list(strategies)))
        self.counts: list[int] = [0] * n
        self.reset(strategies)
        self._draws = self._draw_blocks()

    def reset(self, strategies: Sequence[int]) -> None:
        """Give agent i strategy `strategies[i]` and recount."""
        for player, s in zip(self.players, strategies, strict=True):
            player.strategy = int(s)
        self.counts = [0] * self.n_strategies
        for s in strategies:
            self.counts[int(s)] += 1

    def _draw_blocks(self) -> Iterator[tuple[int, int, float, float, int]]:
        z, n = self.size, self.n_strategies
        while True:
            focal = self.rng.integers(0, z, BLOCK).tolist()
            other = self.rng.integers(0, z - 1, BLOCK).tolist()
            u_mutate = self.rng.random(BLOCK).tolist()
            u_imitate = self.rng.random(BLOCK).tolist()
            shift = self.rng.integers(0, n - 1, BLOCK).tolist()
            yield from zip(focal, other, u_mutate, u_imitate, shift, strict=True)

    def payoff(self, strategy: int) -> float:
        """Average payoff of a `strategy` player against the other Z - 1 agents."""
        row = self.matrix[strategy]
        total = sum(c * x for c, x in zip(self.counts, row, strict=True)) - row[strategy]
        return total / (self.size - 1)

    def imitation_probability(self, focal: int, model: int) -> float:
        """Fermi rule: 1 / (1 + exp(-beta (payoff_model - payoff_focal)))."""
        x = self.beta * (self.payoff(model) - self.payoff(focal))
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def event(self) -> bool:
        """One update of a random focal agent; returns whether its strategy changed."""
        i, j, u_mutate, u_imitate, shift = next(self._draws)
        focal = self.players[i]
        old = focal.strategy
        if u_mutate < self.mu:
            new = (old + 1 + shift) % self.n_strategies
        else:
            new = self.players[j + (j >= i)].strategy
            if new == old or u_imitate >= self.imitation_probability(old, new):
                return False
        focal.strategy = new
        self.counts[old] -= 1
        self.counts[new] += 1
        return True

    def step(self) -> None:
        """One generation: Z events, so each agent is on average once the focal one."""
        for _ in range(self.size):
            self.event()


def _child(rng: np.random.Generator) -> np.random.Generator:
    """An independent stream for the Mesa model, derived from (and advancing) `rng`."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return rng.spawn(1)[0]


def simulate_fixation(
    payoffs: npt.ArrayLike,
    Z: int,
    beta: float,
    resident: int,
    mutant: int,
    runs: int,
    rng: np.random.Generator,
) -> float:
    """Fraction of `runs` in which one `mutant` agent takes over Z - 1 `resident` agents.

    Monte Carlo estimate of :func:`sim.evolution.fixation_probability` (mu = 0); its standard
    error is sqrt(rho (1 - rho) / runs). Each run lasts until one strategy is lost, which takes
    exponentially long in beta Z in coexistence games.
    """
    a = _check_payoffs(payoffs)
    resident, mutant = _check_pair(a.shape[0], resident, mutant)
    runs = _check_int("runs", runs, 1)
    start = [mutant] + [resident] * (_check_int("Z", Z, 2) - 1)
    model = ImitationModel(a, beta, 0.0, start, _child(rng))
    fixed = 0
    for _ in range(runs):
        model.reset(start)
        while 0 < model.counts[mutant] < Z:
            model.event()
        fixed += model.counts[mutant] == Z
    return fixed / runs


def simulate_time_average(
    payoffs: npt.ArrayLike,
    Z: int,
    beta: float,
    mu: float,
    steps: int,
    rng: np.random.Generator,
    *,
    initial: int | None = None,
    burn_in: int = 0,
) -> FloatArray:
    """Fraction of `steps` imitation events after which k = 0..Z agents play strategy 1.

    Two strategies (2×2 `payoffs`); the population starts with `initial` (default Z // 2)
    strategy-1 agents, and the first `burn_in` events are not counted. The result estimates
    :func:`sim.evolution.stationary_distribution_mutation`, which has the same indexing.
    """
    a = _check_payoffs(payoffs)
    if a.shape != (2, 2):
        raise ValueError(f"payoffs must be a 2×2 matrix here, got shape {a.shape}")
    Z = _check_int("Z", Z, 2)
    steps = _check_int("steps", steps, 1)
    burn_in = _check_int("burn_in", burn_in, 0)
    k0 = Z // 2 if initial is None else _check_int("initial", initial, 0)
    if k0 > Z:
        raise ValueError(f"initial must be an integer in [0, {Z}], got {initial!r}")
    model = ImitationModel(a, beta, mu, [1] * k0 + [0] * (Z - k0), _child(rng))
    for _ in range(burn_in):
        model.event()
    visits = [0] * (Z + 1)
    for _ in range(steps):
        model.event()
        visits[model.counts[1]] += 1
    return np.asarray(visits, dtype=np.float64) / steps
