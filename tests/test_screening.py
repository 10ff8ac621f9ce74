"""Every parameter matters: a one-at-a-time screen of every numeric config field.

Each parameter is run at the two ends of its range (its documented bounds, or half and
double its value where a bound is open or missing; integers rounded) in the smallest world
where it acts, on the same seeds at both ends. It passes when some summary output (the final
value and the mean over months of every numeric column of the time series) moves by more
than seed noise: |mean paired difference| > 3 standard errors, or any difference at all
where the output does not vary from seed to seed.

It is a screen for inert parameters, not a measure of effect size: the seeds are paired
(common random numbers), so a parameter that acts on nothing gives exactly zero differences,
but one that perturbs any random path passes on one of ~200 outputs, however small its
systematic effect (at 3 SE over 4 seeds each output exceeds it by chance ~6% of the time).

A parameter that moves nothing in a world where it should act is a finding: it is kept as a
strict xfail with the reason, so the suite passes today and flags the day it starts to act.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import cutoff
from joblib import Parallel, delayed

import sim
from sim.analysis.hypotheses import strategic_world
from sim.config import (
    Config,
    EventConfig,
    EventKind,
    Openness,
    PolicyConfig,
    PolicyName,
    PopulationConfig,
    SafetyConfig,
    ScenarioConfig,
    StrategyConfig,
    iter_fields,
)

N = 400
"""Developers in every screening world (small: the screen runs hundreds of runs)."""
STEPS = 36
SEEDS = (0, 1, 2, 3)
Z = 3.0
"""Standard errors a mean paired difference must exceed to count as more than noise."""

LAB = "rival"
"""The representative lab of per-lab fields."""
PROVIDER = "incumbent_api"
"""The representative provider of per-provider fields."""


# --- worlds -------------------------------------------------------------------------------


def default() -> Config:
    return Config(population=PopulationConfig(n_developers=N), steps=STEPS)


def with_labs(config: Config, **changes: dict[str, Any]) -> Config:
    labs = dict(config.labs)
    for name, fields in changes.items():
        labs[name] = dataclasses.replace(labs[name], **fields)
    return config.replace(labs=labs)


def revoking() -> Config:
    """incumbent_api revokes rival for good at month 6: news, trust shocks, lab relations."""
    return default().replace(scenario=cutoff(at=6))


def slow_news() -> Config:
    """The revocation at month 6, its news passed on by few (news_transmission 0.1, no
    direct hearers beyond the revoker's clients): how far it reaches depends on the graph's
    shortcuts."""
    pop = dataclasses.replace(default().population, news_transmission=0.1, news_seed=0.0)
    return revoking().replace(population=pop)


def reinstating() -> Config:
    """A revocation at month 6 lifted at month 12: reinstatement news."""
    return default().replace(scenario=cutoff(at=6, duration=6))


def carving() -> Config:
    """incumbent_api cuts rival to evaluation only at month 6: carve-out news."""
    ev = EventConfig(
        kind=EventKind.revoke_access,
        at=6,
        provider="incumbent_api",
        lab="rival",
        evaluation_only=True,
    )
    return default().replace(scenario=ScenarioConfig(name="carve", events=(ev,)))


def retaliating() -> Config:
    """The revocation at month 6, every other provider answering in kind (tit_for_tat)."""
    return revoking().replace(policy=PolicyConfig(name=PolicyName.tit_for_tat))


def policed(policy: PolicyName) -> Callable[[], Config]:
    """Every provider applies `policy` to the labs it detects benchmarking or distilling."""

    def world() -> Config:
        return default().replace(policy=PolicyConfig(name=policy))

    world.__name__ = f"policed_{policy.value}"
    return world


def strategic() -> Config:
    """The incumbent's API decides for itself (sim.analysis.hypotheses.strategic_world)."""
    return strategic_world(N).replace(steps=STEPS)


def all_strategic() -> Config:
    """Every provider decides for itself: the world where audit levels can be copied."""
    config = strategic()
    providers = {
        name: dataclasses.replace(p, policy=PolicyName.strategic)
        for name, p in config.providers.items()
    }
    return config.replace(providers=providers)


def weighing() -> Config:
    """The strategic world where throttling keeps all the leakage (throttle_factor = 1), so
    the provider weighs allowing against a carve-out and a revocation: the choice the
    legal, carve-out and reputation terms of its rule decide. (With the default throttle,
    throttling wins nearly every decision and those terms are never at the margin.)"""
    config = strategic()
    return config.replace(policy=dataclasses.replace(config.policy, throttle_factor=1.0))


def ruled() -> Config:
    """The weighing world with a court ruling upholding misuse clauses at month 6."""
    config = weighing()
    ruling = EventConfig(kind=EventKind.ruling, at=6, upheld=True)
    events = (*config.scenario.events, ruling)
    return config.replace(scenario=dataclasses.replace(config.scenario, events=events))


def evolving() -> Config:
    """Labs revise their strategies every 3 months."""
    return default().replace(strategy=StrategyConfig(adapt_every=3), steps=48)


def evolving_safety() -> Config:
    """Strategy evolution where the labs differ in safety share (the incumbent spends 10%)."""
    return with_labs(evolving(), incumbent={"safety": 0.1})


def mutating() -> Config:
    """Strategy evolution with frequent mutation (30%), so labs try in-house evaluation."""
    config = evolving()
    return config.replace(strategy=dataclasses.replace(config.strategy, mutation=0.3))


def risky() -> Config:
    """Disasters on, the rival spending 5% on safety (below safe_share), the others none."""
    config = default().replace(safety=SafetyConfig(disaster_risk=0.05))
    return with_labs(config, **{LAB: {"safety": 0.05}})


def flagging() -> Config:
    """Monitoring flags ordinary developers often enough to count (2%/month)."""
    pop = dataclasses.replace(default().population, false_positive_rate=0.02)
    return default().replace(population=pop)


def releasing() -> Config:
    """The rival releases models instead of serving its capability every month: one
    scripted release in month 1, its own cadence after."""
    release = EventConfig(kind=EventKind.release_model, at=1, lab=LAB)
    config = with_labs(default(), **{LAB: {"release_every": 3}})
    return config.replace(scenario=ScenarioConfig(name="releasing", events=(release,)))


def no_open_weights() -> Config:
    """No lab releases open weights, so the legacy open model is the best one."""
    return with_labs(default(), open={"openness": Openness.api})


# --- which world and which ends each parameter gets ------------------------------------------

WORLDS: dict[str, Callable[[], Config]] = {
    # access policies
    "policy.revoke_duration": policed(PolicyName.revoke_on_detection),
    "policy.forgive_after": policed(PolicyName.graduated),
    "policy.throttle_factor": policed(PolicyName.graduated),
    # news and trust after revocations
    "population.revocation_shock": revoking,
    "population.exposure_multiplier": revoking,
    "population.bystander_shock": revoking,
    "population.competes_share": revoking,
    "population.social_degree": revoking,
    "population.social_rewiring": slow_news,  # the graph matters most where news is slow
    "population.news_seed": revoking,
    "population.news_transmission": revoking,
    "population.news_horizon": revoking,
    "population.carveout_severity": carving,
    "population.reinstatement_relief": reinstating,
    "population.false_positive_shock": flagging,
    "population.appeal_success": flagging,
    # lab relations
    "relations.initial_lab_trust": retaliating,
    "relations.revocation_hit": retaliating,
    "relations.witness_hit": retaliating,
    "relations.retaliation_threshold": retaliating,
    "relations.recovery": retaliating,
    # research
    "research.eval_response": revoking,
    f"labs.{LAB}.building": carving,  # what a carve-out removes from the rival's use
    # market
    "market.legacy_open_quality": no_open_weights,
    # releases (the history scenario's)
    f"labs.{LAB}.release_every": releasing,
    "scenario.replay_until": releasing,
    # strategy evolution
    "strategy.beta": evolving,
    "strategy.mutation": evolving,
    "strategy.revenue_weight": evolving,
    "strategy.in_house_eval": mutating,
    "strategy.adapt_openness": evolving,
    "strategy.adapt_safety": evolving_safety,
    "strategy.mutant_intensity": mutating,
    # safety
    "safety.disaster_risk": risky,
    "safety.safe_share": risky,
    "safety.disaster_setback": risky,
    f"labs.{LAB}.safety": risky,
    # the strategic provider and the law
    f"providers.{PROVIDER}.may_revoke": weighing,
    "legal.revocation_risk": weighing,
    "legal.ruling_factor": ruled,
    "strategic.prior_weight": weighing,
    "strategic.carveout_legal": weighing,
    "strategic.carveout_provocation": weighing,
    "strategic.legal_penalty": weighing,
    "strategic.monitoring_imitation": all_strategic,
}
"""The world of each parameter that does not act in the default one; `strategic.*` fields
use `strategic` (below), every other field `default`."""


def world_of(path: str) -> Callable[[], Config]:
    if path in WORLDS:
        return WORLDS[path]
    if path.startswith("strategic."):
        return strategic
    return default


ENDS: dict[str, tuple[Any, Any]] = {
    "population.n_developers": (300, 600),  # low = 1 leaves no social graph to build
    "strategy.adapt_every": (0, 3),  # 0 (fixed strategies) and the hypotheses' 3 months
    f"labs.{LAB}.release_every": (1, 6),  # 0 is continuous serving: no release to time
    "scenario.replay_until": (0, 12),  # its own cadence from month 1, or none for a year
    "population.adoption_months": (0, 12),  # all choose at once, or over a year
}
"""Ends chosen by hand, with the reason, where the rule gives none that runs."""

SKIPPED: dict[str, str] = {
    "seed": "the random seed, not a model parameter (the screen pairs seeds)",
    "steps": "the horizon of the run, not a model parameter",
    "domains": "names of the capability domains",
    "labs.*.label": "a name for figures",
    "labs.*.openness": "a discrete choice of strategy (enum), not a numeric parameter",
    "labs.*.benchmarking": "a discrete choice of strategy (enum), not a numeric parameter",
    "providers.*.label": "a name for figures",
    "providers.*.hosts": "names of the hosted labs (the cast)",
    "providers.*.owner": "a name of the owning lab (the cast)",
    "providers.*.policy": "a discrete choice of policy (enum), not a numeric parameter",
    "policy.name": "a discrete choice of policy (enum), not a numeric parameter",
    "scenario.name": "a preset name",
    "scenario.description": "a preset description",
    "scenario.start": "the calendar month of month 1, a label the instruments read",
    "scenario.events": "scheduled events, not a model parameter",
}
"""Fields that are not numeric model parameters, each with its reason."""

WEIGHED_BUT_SMALL = (
    "enters a strategic provider's valuation only through the legal term legal_penalty x "
    "R x legal_risk (x carveout_legal for a carve-out): at most 0.3 months of revenue, once, "
    "against lead and reputation terms summed over the 12-month horizon (S = 78), so across "
    "its whole range it never flips a decision at the margin (sim/model/policies.py "
    "Strategic.values); in 60 months it changed one decision in one of four seeds"
)
XFAIL: dict[str, str] = {
    "strategic.carveout_legal": WEIGHED_BUT_SMALL,
    "legal.ruling_factor": WEIGHED_BUT_SMALL.replace("enters", "scales legal_risk, which enters"),
    "strategic.prior_weight": (
        "shrinks the expected reputation loss toward reputation_prior, but only once a "
        "revocation's trust reaction has been read (sim/model/public.py "
        "expected_reputation_loss), i.e. after the provider's first restrictions; its later "
        "decisions allow by wide margins (leak estimates fall), so the estimate is never at "
        "the margin"
    ),
    "population.social_rewiring": (
        "rewiring the small-world graph changes when news reaches whom, but at 400 "
        "developers and degree 6 the news reaches the same share within a month or two "
        "either way (news_reach 0.34, 0.11, 0.14 in months 6-8 at both ends, seed 0): no "
        "summary output moves beyond seed noise over 4 paired seeds, nor 12 (measured with "
        "the keyed draws of sim.model.keyed; before them it passed because another graph "
        "shifted every later draw of the news stream)"
    ),
    "strategic.monitoring_imitation": (
        "moves monitoring only in the seeds where a richer provider has tightened first "
        "(the rival's API's mean monitoring +1.04, +0.26, +0.01, +0.17 on seeds 0-3): real "
        "but too uneven to pass 3 standard errors over 4 paired seeds, nor 12 (with the "
        "keyed draws; before them it passed on shifted random paths)"
    ),
}
"""Parameters that move nothing in a world where they should act (findings), with why."""


def generic(path: str) -> str:
    """`labs.<any>.x` -> `labs.*.x` (and providers)."""
    parts = path.split(".")
    if parts[0] in {"labs", "providers"} and len(parts) == 3:
        return f"{parts[0]}.*.{parts[2]}"
    return path


def screened() -> list[str]:
    """Every leaf field of the default config that is a parameter, one lab and provider."""
    paths = []
    for path, _, _ in iter_fields(Config()):
        if generic(path) in SKIPPED:
            continue
        parts = path.split(".")
        if parts[0] == "labs" and parts[1] != LAB:
            continue
        if parts[0] == "providers" and parts[1] != PROVIDER:
            continue
        paths.append(path)
    return paths


def field_at(config: Config, path: str) -> tuple[dataclasses.Field[Any], Any]:
    for p, f, value in iter_fields(config):
        if p == path:
            return f, value
    raise KeyError(path)


def ends(path: str, config: Config) -> tuple[Any, Any]:
    """The low and high values of `path`, around its value in `config`."""
    if path in ENDS:
        return ENDS[path]
    f, value = field_at(config, path)
    if isinstance(value, bool):
        return False, True
    if isinstance(value, dict):
        return {k: v / 2 for k, v in value.items()}, {k: v * 2 for k, v in value.items()}
    meta = f.metadata
    low, high = meta["low"], meta["high"]
    lo = low if low is not None and not meta["low_open"] else value / 2
    hi = high if high is not None and not meta["high_open"] else value * 2
    if high is not None and meta["high_open"]:
        hi = (value + high) / 2  # an open upper bound: halfway there
    if isinstance(value, int):
        lo, hi = round(lo), round(hi)
    return lo, hi


def with_value(obj: Any, parts: list[str], value: Any) -> Any:
    """`obj` with the field at dotted `parts` set to `value` (dicts of configs walked)."""
    head, *rest = parts
    if isinstance(obj, dict):
        return {**obj, head: with_value(obj[head], rest, value)}
    new = value if not rest else with_value(getattr(obj, head), rest, value)
    return dataclasses.replace(obj, **{head: new})


def summary(config: Config) -> pd.Series:
    """Final and mean-over-months value of every numeric column of the time series."""
    ts = sim.run(config, figures=False).timeseries.drop(columns="step")
    ts = ts.select_dtypes("number").astype(float)
    return pd.concat([ts.iloc[-1].add_prefix("final:"), ts.mean().add_prefix("mean:")])


def moves(lows: list[pd.Series], highs: list[pd.Series]) -> pd.DataFrame:
    """Outputs whose paired low-vs-high difference is beyond seed noise."""
    diff = pd.concat(highs, axis=1) - pd.concat(lows, axis=1)
    diff = diff.dropna()
    mean = diff.mean(axis=1)
    se = diff.std(axis=1, ddof=1) / np.sqrt(diff.shape[1])
    noisy = se > 1e-12
    beyond = (noisy & (mean.abs() > Z * se)) | (~noisy & (mean.abs() > 1e-12))
    return pd.DataFrame({"mean": mean, "se": se})[beyond]


def cases() -> list[Any]:
    out = []
    for path in screened():
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[path])] if path in XFAIL else []
        out.append(pytest.param(path, id=path, marks=marks))
    return out


def test_every_field_is_screened_or_skipped_with_a_reason() -> None:
    known = {generic(p) for p in screened()} | set(SKIPPED)
    fields = {generic(p) for p, _, _ in iter_fields(Config())}
    assert fields <= known
    assert set(SKIPPED) <= fields | {"scenario.events"}
    assert set(WORLDS) | set(ENDS) | set(XFAIL) <= set(screened())


@pytest.mark.slow(seconds=10)  # each parameter: 8 runs, ~0.7 s (the whole screen ~70 s)
@pytest.mark.parametrize("path", cases())
def test_parameter_moves_an_output_beyond_seed_noise(path: str) -> None:
    world = world_of(path)()
    lo, hi = ends(path, world)
    assert lo != hi
    configs = [
        with_value(world, path.split("."), v).replace(seed=s) for v in (lo, hi) for s in SEEDS
    ]
    runs = Parallel(n_jobs=2)(delayed(summary)(c) for c in configs)
    found = moves(runs[: len(SEEDS)], runs[len(SEEDS) :])
    assert not found.empty, (
        f"{path} = {lo!r} vs {hi!r} in world {world_of(path).__name__}: no output moves "
        f"beyond {Z:g} standard errors of seed noise over {len(SEEDS)} paired seeds"
    )
