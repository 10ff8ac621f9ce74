"""Labs' strategies and their evolution by pairwise comparison (docs/ODD.md §7.7).

A strategy is a small class with a `name`, traits and one method, `adopt`, that sets a
lab's benchmarking mode and in-house evaluation; :data:`STRATEGIES` registers them.
Every `strategy.adapt_every` months each lab compares its payoff with a random other
lab's and imitates it with the Fermi probability 1 / (1 + exp(-beta (P_other - P_self)))
(Traulsen, Nowak & Pacheco 2006), the rule sim.evolution docks against the DSAIR model;
with probability `mutation` it instead tries a random strategy.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import Benchmarking

if TYPE_CHECKING:
    from sim.model.lab import Lab
    from sim.model.model import AccessModel


class LabStrategy:
    """How a lab learns from others: a benchmarking mode and an in-house evaluation level."""

    name: ClassVar[str]
    benchmarking: ClassVar[Benchmarking]
    needs_access: ClassVar[bool]
    """Relies on calling rivals' APIs, so it is exposed to revocation."""

    def adopt(self, lab: Lab, eval_level: float) -> None:
        lab.benchmarking = self.benchmarking
        lab.eval_investment = eval_level if self.name == InHouse.name else 0.0


class PublicOnly(LabStrategy):
    name = "public_only"
    benchmarking = Benchmarking.public_only
    needs_access = False


class RivalAPI(LabStrategy):
    name = "rival_api"
    benchmarking = Benchmarking.rival_api
    needs_access = True


class Distill(LabStrategy):
    name = "distill"
    benchmarking = Benchmarking.distill
    needs_access = True


class InHouse(LabStrategy):
    """Public benchmarks plus in-house evaluation: costly, but needs no one's API."""

    name = "in_house"
    benchmarking = Benchmarking.public_only
    needs_access = False


STRATEGY_CLASSES: tuple[type[LabStrategy], ...] = (PublicOnly, RivalAPI, Distill, InHouse)
STRATEGIES: dict[str, LabStrategy] = {cls.name: cls() for cls in STRATEGY_CLASSES}


def strategy_of(lab: Lab) -> str:
    """The registered strategy a lab currently plays."""
    if lab.benchmarking is Benchmarking.public_only and lab.eval_investment > 0:
        return InHouse.name
    if lab.benchmarking is Benchmarking.none:
        return PublicOnly.name
    return str(lab.benchmarking.value)


def payoff(model: AccessModel, lab: Lab) -> float:
    """How well the lab's strategy served it since the last revision: its mean monthly
    relative capability growth (in percent) plus `revenue_weight` times its mean revenue
    share of the market. Growth rather than level, so that labs imitate strategies that
    work rather than whoever happens to be biggest."""
    cfg = model.config.strategy
    months = max(cfg.adapt_every, 1)
    growth = float(np.mean(lab.capability / lab.capability_at_revision)) ** (1 / months) - 1
    revenue = lab.revenue_since_revision / months / max(model.config.market.market_value, 1e-12)
    return float(100 * growth + cfg.revenue_weight * revenue)


def adapt(model: AccessModel, rng: np.random.Generator) -> None:
    """One round of revision: every lab, in random order, imitates or mutates.

    Payoffs are read before anyone changes (synchronous revision). Draws have a fixed
    shape per round, so runs keep common random numbers.
    """
    cfg = model.config.strategy
    labs = model.labs
    n = len(labs)
    payoffs = [payoff(model, lab) for lab in labs]
    current = [strategy_of(lab) for lab in labs]
    order = rng.permutation(n)
    partners = rng.integers(0, n - 1, size=n)
    u_mutate, u_imitate = rng.random(n), rng.random(n)
    mutants = rng.integers(0, len(STRATEGY_CLASSES), size=n)
    for i in order:
        lab = labs[i]
        if u_mutate[i] < cfg.mutation:
            new = STRATEGY_CLASSES[mutants[i]].name
            reason = "mutation"
        else:
            j = partners[i] + (partners[i] >= i)
            x = cfg.beta * (payoffs[j] - payoffs[i])
            p = 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
            if u_imitate[i] >= p:
                continue
            new, reason = current[j], f"imitating {labs[j].name}"
            if cfg.adapt_openness and lab.openness is not labs[j].openness:
                lab.openness = labs[j].openness
                model.log("strategy_change", lab.name, None, f"openness -> {lab.openness.value}")
            if cfg.adapt_safety:
                lab.safety = labs[j].safety
        if new != current[i]:
            STRATEGIES[new].adopt(lab, cfg.in_house_eval)
            model.log("strategy_change", lab.name, None, f"{current[i]} -> {new} ({reason})")
    for lab in labs:
        lab.revenue_since_revision = 0.0
        lab.capability_at_revision = lab.capability.copy()
