"""Labs' strategies and their evolution by pairwise comparison (docs/ODD.md §7.7).

A strategy is a small class with a `name`, traits and one method, `adopt`, that sets a
lab's benchmarking mode, its API intensity and its in-house evaluation; :data:`STRATEGIES`
registers them. A lab with benchmarking `none` is outside the strategy set. Every
`strategy.adapt_every` months each lab in the set revises once with :func:`revise`: with
probability `mutation` it tries one of the other strategies; otherwise it compares its
payoff with a random other lab's and copies that lab's whole strategy (mode, intensity and
evaluation share) with the Fermi probability 1 / (1 + exp(-beta (P_other - P_self)))
(Traulsen, Nowak & Pacheco 2006). The same :func:`revise` drives the well-mixed population
that sim.theory.docking docks against the exact process and the DSAIR model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

import numpy as np

from sim.config import Benchmarking, Openness
from sim.model.world import Logged

if TYPE_CHECKING:
    from sim.model.lab import Lab
    from sim.model.model import AccessModel


class LabStrategy:
    """How a lab learns from others: a benchmarking mode, an API intensity and an in-house
    evaluation level."""

    name: ClassVar[str]
    benchmarking: ClassVar[Benchmarking]
    needs_access: ClassVar[bool]
    """Relies on calling rivals' APIs, so it is exposed to revocation."""

    def adopt(self, lab: Lab, *, eval_level: float, intensity: float) -> None:
        """Play this strategy: `eval_level` is used only by in_house, `intensity` only by
        strategies that need access; the others get zero (it would have no effect)."""
        lab.benchmarking = self.benchmarking
        lab.eval_investment = eval_level if self.name == InHouse.name else 0.0
        lab.intensity = intensity if self.needs_access else 0.0


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
INDEX: dict[str, int] = {cls.name: i for i, cls in enumerate(STRATEGY_CLASSES)}
"""Position of each strategy in :data:`STRATEGY_CLASSES`, the index :func:`revise` uses."""


def strategy_of(lab: Lab) -> str | None:
    """The registered strategy a lab currently plays, or None for a lab outside the
    strategy set (benchmarking `none`: it learns from no one's models, so it neither
    revises nor is imitated, and is counted in no strategy share; docs/ODD.md §7.7)."""
    if lab.benchmarking is Benchmarking.none:
        return None
    if lab.benchmarking is Benchmarking.public_only and lab.eval_investment > 0:
        return InHouse.name
    return str(lab.benchmarking.value)


def fermi(x: float) -> float:
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Revision(NamedTuple):
    """Outcome of one revision: the strategy (index) played next and how it was reached."""

    strategy: int
    how: Literal["mutation", "imitation", "kept"]


def revise(
    current: int,
    other: int,
    payoff_self: float,
    payoff_other: float,
    *,
    beta: float,
    mutation: float,
    n_strategies: int,
    u_mutate: float,
    u_imitate: float,
    u_mutant: float,
) -> Revision:
    """Fermi imitation with mutation, for one focal agent playing `current` who has met
    one playing `other` (strategy indices in [0, n_strategies)).

    With probability `mutation` (u_mutate < mutation) the focal switches to one of the
    n_strategies - 1 OTHER strategies, uniformly (picked by u_mutant in [0, 1)); otherwise it
    takes `other` with the Fermi probability 1 / (1 + exp(-beta (payoff_other - payoff_self)))
    (u_imitate below it). Pure and fed with pre-drawn uniforms, so callers keep common random
    numbers; the main model (:func:`adapt`) and the well-mixed docking driver
    (sim.theory.docking) share it (Traulsen, Nowak & Pacheco 2006).
    """
    if u_mutate < mutation:
        if n_strategies < 2:
            return Revision(current, "kept")
        shift = min(int(u_mutant * (n_strategies - 1)), n_strategies - 2)
        return Revision((current + 1 + shift) % n_strategies, "mutation")
    if u_imitate < fermi(beta * (payoff_other - payoff_self)):
        return Revision(other, "imitation")
    return Revision(current, "kept")


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


def _describe(name: str | None, intensity: float, eval_level: float) -> str:
    """A strategy with the parameters it is played with, e.g. 'distill (intensity 0.3,
    evaluation 0.1)'."""
    if name is None:
        return "none"
    parts = [f"intensity {intensity:g}"] if STRATEGIES[name].needs_access else []
    if eval_level > 0:
        parts.append(f"evaluation {eval_level:g}")
    return f"{name} ({', '.join(parts)})" if parts else name


Strategy = tuple[Benchmarking, float, float, Openness, float]
"""What a lab can copy: benchmarking mode, intensity, evaluation share, openness, safety."""


def _imitate(model: AccessModel, lab: Lab, model_strategy: Strategy) -> None:
    """`lab` copies the model lab's whole strategy (mode, intensity and evaluation share;
    openness and safety share where the config says so)."""
    cfg = model.config.strategy
    mode, intensity, eval_level, openness, safety = model_strategy
    if cfg.adapt_openness and lab.openness is not openness:
        lab.openness = openness
        model.log(Logged.strategy_change, lab.name, None, f"openness -> {openness.value}")
    if cfg.adapt_safety:
        lab.safety = safety
    if eval_level + lab.safety >= 1.0:
        # The imitated evaluation share would leave this lab nothing for research; it
        # falls back on in_house_eval, which validation keeps below 1 - safety.
        eval_level = min(eval_level, cfg.in_house_eval)
    lab.benchmarking, lab.intensity, lab.eval_investment = mode, intensity, eval_level


def adapt(model: AccessModel, rng: np.random.Generator) -> None:
    """One round of revision: every lab in the strategy set, in random order, revises once
    with :func:`revise`.

    Revision is synchronous: payoffs and the strategies labs copy are read before anyone
    changes. An imitator copies the model lab's benchmarking mode, intensity and evaluation
    share (and, if configured, its openness and safety share); a mutant gets the strategy's
    defaults (`mutant_intensity`, `in_house_eval`). Draws have a fixed shape per round (four
    uniforms per lab, plus the order), so runs keep common random numbers.
    """
    cfg = model.config.strategy
    labs = model.labs
    n = len(labs)
    payoffs = [payoff(model, lab) for lab in labs]
    current = [strategy_of(lab) for lab in labs]
    before: list[Strategy] = [
        (lab.benchmarking, lab.intensity, lab.eval_investment, lab.openness, lab.safety)
        for lab in labs
    ]
    players = [i for i in range(n) if current[i] is not None]
    order = rng.permutation(n)
    u_partner, u_mutate, u_imitate, u_mutant = rng.random((4, n))
    m = len(players)
    for i in order:
        name = current[i]
        if name is None or m < 2:
            continue
        pos = players.index(i)
        k = min(int(u_partner[i] * (m - 1)), m - 2)
        j = players[k + (k >= pos)]
        other = current[j]
        assert other is not None
        r = revise(
            INDEX[name],
            INDEX[other],
            payoffs[i],
            payoffs[j],
            beta=cfg.beta,
            mutation=cfg.mutation,
            n_strategies=len(STRATEGY_CLASSES),
            u_mutate=float(u_mutate[i]),
            u_imitate=float(u_imitate[i]),
            u_mutant=float(u_mutant[i]),
        )
        lab = labs[i]
        if r.how == "kept":
            continue
        if r.how == "mutation":
            new = STRATEGY_CLASSES[r.strategy].name
            STRATEGIES[new].adopt(lab, eval_level=cfg.in_house_eval, intensity=cfg.mutant_intensity)
            reason = "mutation"
        else:
            _imitate(model, lab, before[j])
            reason = f"imitating {labs[j].name}"
        was = _describe(name, before[i][1], before[i][2])
        now = _describe(strategy_of(lab), lab.intensity, lab.eval_investment)
        if now != was:
            model.log(Logged.strategy_change, lab.name, None, f"{was} -> {now} ({reason})")
    for lab in labs:
        lab.revenue_since_revision = 0.0
        lab.capability_at_revision = lab.capability.copy()
