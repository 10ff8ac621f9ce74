"""The history world as a simulator for calibration: which parameters are calibrated and
why (screening), their priors, the summary statistics of one simulation, the posterior
predictive check and the out-of-sample predictions (docs/ODD.md §6).

Nothing here imports pyabc: the main job reads a shipped posterior without it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.analysis.factors import with_values
from sim.calibration import instruments, observed
from sim.calibration.posterior import Posterior, Prior
from sim.calibration.replay import OPEN_LABS, history_config
from sim.config import Config, PolicyName

DEVELOPERS = 2_000
"""Developers in a calibration run: the calibrated quantities are shares and ECI scores,
which do not change with population size beyond seed noise (tests/test_calibration.py);
a fifth of the default population makes a simulation five times cheaper."""
FIT_END = "2025-10"
"""The last month a calibration run simulates: the end of the longest target window (the
open-weights lag, OC-1, as its source measured it)."""
PREDICT_END = "2026-06"

CANDIDATES: tuple[Prior, ...] = (
    Prior(
        "research.growth_rate",
        0.003,
        0.03,
        log=True,
        why="own-R&D growth of 0.3%-3% of capability a month at one compute unit: from a "
        "third to three times the frontier's observed pace (~1.3% a month, CG-1)",
    ),
    Prior(
        "research.compute_exponent",
        0.2,
        0.9,
        why="diminishing returns to compute, from strong to nearly none",
    ),
    Prior("research.noise", 0.05, 0.6, why="from steady progress to a coin-flip quarter"),
    Prior(
        "research.spill_public",
        0.0,
        0.05,
        why="up to 5% of the gap to the frontier closed a month from public benchmarks",
    ),
    Prior(
        "research.spill_open",
        0.0,
        0.15,
        why="up to 15% of the gap to the best open weights closed a month: open weights "
        "are the easiest model to learn from",
    ),
    Prior(
        "research.spill_rival_api",
        0.0,
        0.15,
        why="up to 15% of the gap to a reachable rival closed a month at full intensity",
    ),
    Prior(
        "population.quality_weight",
        1.0,
        20.0,
        log=True,
        why="0.1 to 2 utility units per 10% better model: from price-led to quality-led "
        "choice (MH-3 says performance leads)",
    ),
    Prior(
        "population.price_sensitivity",
        0.2,
        3.0,
        log=True,
        why="a price unit worth from a fifth to three times the Gumbel noise of choice",
    ),
    Prior(
        "population.switching_cost",
        0.5,
        5.0,
        why="from a quarter to two and a half times the hand-set value that matched MH-1",
    ),
    Prior("population.choice_noise", 0.2, 2.0, log=True, why="from near-deterministic to noisy"),
    Prior("population.trust_weight", 0.5, 5.0, why="a quarter to two and a half times the default"),
    Prior(
        "population.revocation_shock",
        0.0,
        0.5,
        why="none to half of trust lost on news of a revocation: the headline assumption the "
        "data are asked about",
    ),
    Prior(
        "market.selfhost_cost",
        0.3,
        1.5,
        why="self-hosting from a third to one and a half times an API's price",
    ),
    Prior(
        "market.selfhost_discount",
        0.6,
        1.0,
        why="a self-hosted model from 60% to all of the served model's quality",
    ),
    Prior(
        "population.adoption_months",
        6.0,
        36.0,
        why="the enterprise market taken up within half a year to three years",
    ),
    Prior("market.reinvest", 0.0, 1.0, why="none to all of revenue turned into compute"),
    Prior(
        "population.usage_growth",
        0.0,
        0.15,
        why="a developer's usage flat to growing 15% a month: MS-7's 2.4x in eight months "
        "is 11.6% a month for the whole market, entry included",
    ),
    Prior(
        "population.coding_usage_growth",
        0.0,
        0.1,
        why="coding work growing up to 10% a month faster than the rest of a developer's usage",
    ),
    Prior(
        "population.needs.coding",
        0.2,
        4.0,
        log=True,
        why="the Dirichlet weight of coding against 1 for reasoning and general: a mean "
        "coding need of 9% to 67% (DM-1's aggregator saw 11% of tokens; enterprise "
        "surveys name code generation the largest use)",
    ),
    Prior(
        "population.selfhost_trust",
        0.3,
        1.0,
        why="self-hosting trusted from below a typical API's (~0.7) to fully (cannot be revoked)",
    ),
    Prior(
        "population.size_spread",
        0.0,
        2.0,
        why="developers all of one size to application scales spread over two orders of "
        "magnitude (a log-normal sd of 2)",
    ),
)
"""Every parameter a screening run considered, with its prior range and the reason for it."""

SCREEN_COVER = 0.8
"""The calibrated parameters together account for this share of the summed Morris mu*.
0.9 selected 14 parameters, and ABC-SMC's importance weights then collapsed (effective
sample size 8 of 300 particles, 25 already in the second generation; 67 with the 8
parameters of an earlier screening): a Gaussian-kernel sampler loses its effective sample
size in high dimension, so the set is cut at 80% of the effect (10 parameters) and the
rest keep their defaults."""
CALIBRATED = (
    "population.needs.coding",
    "research.growth_rate",
    "population.choice_noise",
    "population.quality_weight",
    "population.switching_cost",
    "population.price_sensitivity",
    "population.selfhost_trust",
    "population.adoption_months",
    "market.selfhost_cost",
    "population.trust_weight",
)
"""The calibrated parameters: what the screening selects (`selected`: the largest effects
on the distance to the targets, `SCREEN_COVER` of the summed mu*; data/calibration/
screening.csv, docs/ODD.md §6.3) less `PROPAGATED`; a test checks both against the shipped
screening."""
PROPAGATED = ("population.revocation_shock",)
"""Not informed by the targets, and propagated from its prior: worlds drawn from the
posterior draw it from its prior, so every effect carries its uncertainty (the headline
trust effects rest on it). In the screening its effect on the distance is among the
smallest of all candidates, and in the first calibration, which
included it, its posterior was as wide as its prior (sd ratio 1.04)."""


def selected(screening: pd.DataFrame, cover: float = SCREEN_COVER) -> tuple[str, ...]:
    """The fewest parameters, largest mu* first, whose mu* reach `cover` of the sum."""
    table = screening.sort_values("mu_star", ascending=False)
    share = table["mu_star"].cumsum() / table["mu_star"].sum()
    count = int((share < cover).sum()) + 1
    return tuple(table["parameter"].iloc[:count])


def priors(names: Sequence[str] = CALIBRATED) -> tuple[Prior, ...]:
    by_name = {p.name: p for p in CANDIDATES}
    return tuple(by_name[n] for n in names)


def world(
    params: Mapping[str, float],
    seed: int,
    *,
    base: Config | None = None,
    end: str = FIT_END,
    developers: int = DEVELOPERS,
    strategic: bool = False,
) -> Config:
    """The history world (`base`, default the shipped one) at a parameter set, simulated to
    `end` (later events dropped), `developers` strong; `strategic` lets every provider's
    strategic rule decide alongside the scripted restrictions."""
    config = base if base is not None else history_config()
    steps = instruments.step_of(end)
    scenario = dataclasses.replace(
        config.scenario, events=tuple(e for e in config.scenario.events if e.at <= steps)
    )
    population = dataclasses.replace(config.population, n_developers=developers)
    config = config.replace(seed=int(seed), steps=steps, scenario=scenario, population=population)
    if strategic:
        config = config.replace(
            policy=dataclasses.replace(config.policy, name=PolicyName.strategic)
        )
    return with_values(config, dict(params))


def simulate(params: Mapping[str, float], seed: int, **kw: Any) -> pd.DataFrame:
    """One history run's monthly time series."""
    return sim.run(world(params, seed, **kw), figures=False).timeseries


def summaries(params: dict[str, float], seed: int, base: Config | None = None) -> dict[str, float]:
    """The summary statistics of one calibration run, keyed like the observed targets; a
    run the instruments cannot measure (a lab never released, say) gives NaN, which the
    distance counts as infinitely far."""
    run = simulate(params, seed, base=base)
    try:
        return instruments.summary_statistics(run, OPEN_LABS)
    except ValueError:
        return dict.fromkeys(observed.targets(), math.nan)


def observed_targets() -> tuple[dict[str, float], dict[str, float]]:
    """The targets' values and the scales their distances are divided by."""
    targets = observed.targets()
    return (
        {k: t.value for k, t in targets.items()},
        {k: t.scale for k, t in targets.items()},
    )


def distance(stats: Mapping[str, float]) -> float:
    """Root mean square of the scaled differences to the targets (the calibration's)."""
    values, scales = observed_targets()
    diffs = [(stats[k] - values[k]) / scales[k] for k in values]
    return float(math.sqrt(np.mean(np.square(diffs))))


def draws_by_seed(
    posterior: Posterior, draws: int, seeds: int, seed: int
) -> list[tuple[int, dict[str, float], int]]:
    """(draw index, parameters, seed) for `draws` posterior draws × `seeds` seeds each,
    all reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    sample = posterior.sample(draws, rng)
    children = np.random.SeedSequence(seed).spawn(draws * seeds)
    out = []
    for d, row in enumerate(sample[posterior.names].itertuples(index=False)):
        params = dict(zip(posterior.names, (float(v) for v in row), strict=True))
        for s in range(seeds):
            child = children[d * seeds + s]
            out.append((d, params, int(child.generate_state(1, dtype=np.uint64)[0] >> 1)))
    return out


def _band(values: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = values.groupby(by, sort=False)["value"]
    return pd.DataFrame(
        {
            "median": grouped.median(),
            "lo90": grouped.quantile(0.05),
            "hi90": grouped.quantile(0.95),
        }
    ).reset_index()


def posterior_predictive(
    posterior: Posterior,
    draws: int = 40,
    seeds: int = 2,
    seed: int = 0,
    *,
    base: Config | None = None,
    runner: Callable[..., Any] = map,
) -> pd.DataFrame:
    """Each target: the data, the model's median and 90% band over posterior draws × seeds,
    and whether the data fall inside the band."""
    jobs = [(*job, base) for job in draws_by_seed(posterior, draws, seeds, seed)]
    stats = list(runner(_summaries_of, jobs))
    rows = [{"target": k, "value": v} for s in stats for k, v in s.items()]
    band = _band(pd.DataFrame(rows), ["target"])
    targets = observed.targets()
    band.insert(1, "data", [targets[k].value for k in band["target"]])
    band.insert(2, "scale", [targets[k].scale for k in band["target"]])
    band["inside"] = (band["data"] >= band["lo90"]) & (band["data"] <= band["hi90"])
    band["interval_score"] = interval_score(band)
    band["source"] = [targets[k].source for k in band["target"]]
    return band


def interval_score(band: pd.DataFrame, alpha: float = 0.1) -> pd.Series:
    """The interval score of each target's 90% band (Gneiting and Raftery 2007), in target
    scales: the band's width plus 2/alpha times how far the data fall outside it. Lower is
    better; a narrow band that misses scores worse than a wide one that holds the data."""
    below = (band["lo90"] - band["data"]).clip(lower=0)
    above = (band["data"] - band["hi90"]).clip(lower=0)
    score = band["hi90"] - band["lo90"] + 2 / alpha * (below + above)
    return (score / band["scale"]).round(4)


def _summaries_of(job: tuple[int, dict[str, float], int, Config | None]) -> dict[str, float]:
    _, params, seed, base = job
    return summaries(params, seed, base)


def predict(
    posterior: Posterior,
    draws: int = 40,
    seeds: int = 2,
    seed: int = 0,
    *,
    base: Config | None = None,
    strategic: bool = False,
    runner: Callable[..., Any] = map,
) -> pd.DataFrame:
    """The out-of-sample quantities (columns quantity, period, median, lo90, hi90) over
    posterior draws × seeds, simulated to 2026-06; `strategic` lets the providers'
    strategic rule decide alongside the scripted restrictions."""
    jobs = [(*job, base, strategic) for job in draws_by_seed(posterior, draws, seeds, seed)]
    values = pd.concat(list(runner(_predictions_of, jobs)), ignore_index=True)
    band = _band(values, ["quantity", "period"])
    for name in instruments.SHARE_OF_RUNS:
        rows = band["quantity"] == name
        share = float(values.loc[values["quantity"] == name, "value"].mean())
        band.loc[rows, ["median", "lo90", "hi90"]] = share
    return band


def _predictions_of(
    job: tuple[int, dict[str, float], int, Config | None, bool],
) -> pd.DataFrame:
    _, params, seed, base, strategic = job
    run = simulate(params, seed, base=base, end=PREDICT_END, strategic=strategic)
    return instruments.predictions(run, OPEN_LABS)
