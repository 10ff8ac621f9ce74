"""The six implications of an API cutoff as paired, falsifiable experiments (docs/HYPOTHESES.md).

Each :class:`Hypothesis` names a mechanism, a treated world, its null (the same world without
the mechanism or the intervention, on the same seeds), the outcome it moves and the sign the
mechanism predicts. :func:`measure` runs the pairs and returns the mean paired difference with
a 95% percentile-bootstrap interval; ``docs/hypotheses.py`` writes the table of
docs/HYPOTHESES.md and ``tests/test_hypotheses.py`` checks each sign on fewer seeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import (
    Benchmarking,
    Config,
    EventConfig,
    EventKind,
    PolicyConfig,
    PolicyName,
    PopulationConfig,
    ScenarioConfig,
    StrategyConfig,
)
from sim.experiment.run import replicate_seeds, run, without

CUTOFF = EventConfig(
    kind=EventKind.revoke_access, at=24, provider="incumbent_api", lab="rival", evaluation_only=True
)
LAUNCH = EventConfig(kind=EventKind.launch, at=25, lab="rival", capability_jump=0.1)


def archetype(n_developers: int = 2000) -> Config:
    """The claude_cutoff preset (configs/scenario/claude_cutoff.yaml) built in Python: the
    rival uses the incumbent's API to build, and is cut to evaluation only at month 24."""
    base = Config(population=PopulationConfig(n_developers=n_developers))
    labs = dict(base.labs)
    labs["rival"] = dataclasses.replace(labs["rival"], benchmarking=Benchmarking.distill)
    scenario = ScenarioConfig(name="claude_cutoff", events=(CUTOFF, LAUNCH))
    return base.replace(labs=labs, scenario=scenario)


def strategic_world(n_developers: int = 2000, **strategic: float) -> Config:
    """The archetype without the scripted cutoff, the incumbent's API deciding for itself
    (policy=strategic), with the rival's building use as the leakage at stake."""
    config = archetype(n_developers)
    providers = dict(config.providers)
    providers["incumbent_api"] = dataclasses.replace(
        providers["incumbent_api"], policy=PolicyName.strategic
    )
    scenario = ScenarioConfig(name="strategic", events=(LAUNCH,))
    changes = dataclasses.replace(config.strategic, **strategic)  # type: ignore[arg-type]
    return config.replace(providers=providers, scenario=scenario, strategic=changes)


def disarmed(config: Config, provider: str = "incumbent_api") -> Config:
    """The same world with `provider` unable to revoke or carve out: a strategic provider's
    counterfactual."""
    providers = dict(config.providers)
    providers[provider] = dataclasses.replace(providers[provider], may_revoke=False)
    return config.replace(providers=providers)


def without_cutoff(config: Config) -> Config:
    """The archetype's null: the same world without its scripted cutoff, as the sweeps'
    control arm is made (background restrictions stay)."""
    return without(config, [EventKind.revoke_access])


def with_ruling(upheld: bool) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        ruling = EventConfig(kind=EventKind.ruling, at=12, upheld=upheld)
        events = (*config.scenario.events, ruling)
        return config.replace(scenario=dataclasses.replace(config.scenario, events=events))

    return change


Outcome = Callable[[pd.DataFrame, pd.DataFrame], float]
"""The outcome of one run, from its time series and events."""
RESTRICTIONS = ("throttle", "carve_out", "revocation")


def restrictions(events: pd.DataFrame, after: int = 0) -> float:
    """Throttles, carve-outs and revocations logged after month `after`."""
    kinds = events["kind"].isin(list(RESTRICTIONS))
    return float((kinds & (events["step"] > after)).sum())


@dataclass(frozen=True)
class Hypothesis:
    key: str
    implication: str
    claim: str
    world: Callable[[int], Config]
    null: Callable[[Config], Config]
    outcome: Outcome
    unit: str
    sign: int
    """+1: treated above null; -1: below."""


def window_mean(
    metric: str, start: int, stop: int
) -> Callable[[pd.DataFrame, pd.DataFrame], float]:
    def outcome(ts: pd.DataFrame, _: pd.DataFrame) -> float:
        return float(ts.loc[(ts["step"] >= start) & (ts["step"] <= stop), metric].mean())

    return outcome


def total(metric: str) -> Outcome:
    def outcome(ts: pd.DataFrame, _: pd.DataFrame) -> float:
        return float(ts[metric].iloc[1:].sum())

    return outcome


def evolving(n: int, policy: PolicyName, beta: float = 20.0) -> Config:
    base = Config(
        population=PopulationConfig(n_developers=n),
        policy=PolicyConfig(name=policy, revoke_duration=None),
        strategy=StrategyConfig(adapt_every=3, beta=beta),
    )
    return base


HYPOTHESES: tuple[Hypothesis, ...] = (
    Hypothesis(
        "privilege",
        "Access becomes a privilege",
        "A provider that weighs its stakes restricts a client whose leakage it detects, "
        "and none where nobody leaks.",
        strategic_world,
        lambda c: c.replace(
            labs={n: dataclasses.replace(lab, intensity=0.0) for n, lab in c.labs.items()}
        ),
        lambda ts, ev: restrictions(ev),
        "restrictions per run",
        +1,
    ),
    Hypothesis(
        "revoking_pays",
        "Access becomes a privilege: does revoking pay?",
        "A strategic provider's payoff over 60 months exceeds the same provider's when it "
        "cannot revoke or carve out.",
        strategic_world,
        disarmed,
        total("payoff__incumbent_api"),
        "compute units over 60 months",
        +1,
    ),
    Hypothesis(
        "secrecy",
        "Innovation vs secrecy",
        "The cutoff slows the revoked lab and the frontier: the rival's capability, months 25-60.",
        archetype,
        without_cutoff,
        window_mean("capability__rival", 25, 60),
        "capability index",
        -1,
    ),
    Hypothesis(
        "reputation",
        "Reputation and developer trust",
        "The cutoff costs the revoker developers' trust, months 25-36.",
        archetype,
        without_cutoff,
        window_mean("trust__incumbent_api", 25, 36),
        "trust (0-1)",
        -1,
    ),
    Hypothesis(
        "auditing",
        "Stricter terms and auditing",
        "Providers that weigh their stakes tighten monitoring after detecting leakage "
        "(null: monitoring_step = 0), and more ordinary developers are flagged wrongly.",
        strategic_world,
        lambda c: c.replace(strategic=dataclasses.replace(c.strategic, monitoring_step=0.0)),
        window_mean("monitoring__incumbent_api", 1, 60),
        "detection hazard per unit volume",
        +1,
    ),
    Hypothesis(
        "in_house",
        "Rise of in-house evaluation",
        "A lab cut off builds more in-house evaluation capacity, months 25-60.",
        archetype,
        without_cutoff,
        window_mean("eval_capacity__rival", 25, 60),
        "compute units",
        +1,
    ),
    Hypothesis(
        "in_house_selected",
        "Rise of in-house evaluation: selected, not drifting",
        "Under strategy evolution where detection means permanent revocation, the in-house "
        "share exceeds the share with no selection (beta = 0), months 37-60.",
        lambda n: evolving(n, PolicyName.revoke_on_detection),
        lambda c: c.replace(strategy=dataclasses.replace(c.strategy, beta=0.0)),
        window_mean("strategy_share__in_house", 37, 60),
        "share of labs",
        +1,
    ),
    Hypothesis(
        "precedent",
        "Legal precedents",
        "A ruling at month 12 that strikes down the misuse clause deters restrictions by a "
        "strategic provider afterwards (null: no ruling).",
        lambda n: with_ruling(False)(strategic_world(n)),
        lambda c: c.replace(
            scenario=dataclasses.replace(
                c.scenario,
                events=tuple(e for e in c.scenario.events if e.kind is not EventKind.ruling),
            )
        ),
        lambda ts, ev: restrictions(ev, after=12),
        "restrictions after month 12",
        -1,
    ),
)


@dataclass(frozen=True)
class Measured:
    key: str
    mean: float
    low: float
    high: float
    pairs: int
    sign_holds: bool


def measure(
    h: Hypothesis, pairs: int = 16, n_developers: int = 2000, seed: int = 0, n_jobs: int = 1
) -> Measured:
    """Mean paired difference (treated - null) with a 95% percentile-bootstrap interval."""
    from joblib import Parallel, delayed

    world = h.world(n_developers)
    configs = [
        cfg
        for s in replicate_seeds(seed, pairs)
        for cfg in (world.replace(seed=s), h.null(world.replace(seed=s)))
    ]
    outs = Parallel(n_jobs=n_jobs)(delayed(_outcome)(h.key, c) for c in configs)
    diffs = np.array(outs[0::2]) - np.array(outs[1::2])
    return summarise(h, diffs)


def _outcome(key: str, config: Config) -> float:
    h = next(x for x in HYPOTHESES if x.key == key)
    result = run(config)
    return h.outcome(result.timeseries, result.events)


def summarise(h: Hypothesis, diffs: np.ndarray) -> Measured:
    mean = float(diffs.mean())
    if np.ptp(diffs) == 0:
        low = high = mean
    else:
        ci = stats.bootstrap(
            (diffs,), np.mean, confidence_level=0.95, method="percentile", random_state=0
        ).confidence_interval
        low, high = float(ci.low), float(ci.high)
    holds = (low > 0) if h.sign > 0 else (high < 0)
    return Measured(h.key, mean, low, high, len(diffs), holds)
