"""Metrics of docs/ODD.md §7.6: pure functions of the model, collected by Mesa's DataCollector.

`REPORTERS` map a column name to f(model) -> float. `ENTITY_REPORTERS` map a metric
to f(model) -> {entity: float}; each entity becomes a column ``metric__entity``
(entities are labs, providers, domains or ``lab__domain``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config import Openness
from sim.model.lab import CHANNELS
from sim.model.provider import AccessState
from sim.model.strategies import STRATEGIES, strategy_of
from sim.model.world import Logged

if TYPE_CHECKING:
    from sim.model.model import AccessModel

SELF_HOST = "self_host"


def _caps(model: AccessModel) -> np.ndarray:
    return np.array([lab.capability for lab in model.labs])


# --- innovation ---------------------------------------------------------------------------


def frontier_capability(model: AccessModel) -> float:
    """Best capability per domain, averaged over domains."""
    return float(_caps(model).max(axis=0).mean())


def mean_capability(model: AccessModel) -> float:
    return float(_caps(model).mean())


def leader_gap(model: AccessModel) -> float:
    """Leader minus runner-up capability per domain, averaged over domains."""
    caps = np.sort(_caps(model), axis=0)
    return float((caps[-1] - caps[-2]).mean()) if len(caps) > 1 else 0.0


def eci(model: AccessModel) -> dict[str, float]:
    """Epoch Capabilities Index of each lab's released model (NaN before its first
    release): the affine map of mean log capability of docs/ODD.md §6."""
    r = model.config.research
    out = {}
    for lab in model.labs:
        served = lab.served
        out[lab.name] = (
            float(r.eci_at_one + r.eci_per_log * np.log(served).mean())
            if served is not None
            else float("nan")
        )
    return out


def downstream_innovation(model: AccessModel) -> float:
    """Mean need-weighted capability developers build with (their output)."""
    return float(model.population.quality.mean())


def capability(model: AccessModel) -> dict[str, float]:
    """Each lab's capability averaged over domains (`lab`) and per domain (`lab__domain`)."""
    caps = _caps(model)
    names = [lab.name for lab in model.labs]
    out = dict(zip(names, caps.mean(axis=1).tolist(), strict=True))
    for name, row in zip(names, caps.tolist(), strict=True):
        out.update((f"{name}__{d}", c) for d, c in zip(model.config.domains, row, strict=True))
    return out


def frontier(model: AccessModel) -> dict[str, float]:
    best = _caps(model).max(axis=0)
    return {d: float(c) for d, c in zip(model.config.domains, best, strict=True)}


def spillover(model: AccessModel) -> dict[str, float]:
    """Capability gained this month by channel, summed over domains: over all labs
    (`channel`) and per lab (`lab__channel`)."""
    per_lab = np.array([lab.spillover for lab in model.labs])
    out = dict(zip(CHANNELS, per_lab.sum(axis=0).tolist(), strict=True))
    for lab, row in zip(model.labs, per_lab.tolist(), strict=True):
        out.update((f"{lab.name}__{ch}", v) for ch, v in zip(CHANNELS, row, strict=True))
    return out


# --- trust ----------------------------------------------------------------------------------


def developer_trust(model: AccessModel) -> float:
    return float(model.population.trust.mean())


def trust(model: AccessModel) -> dict[str, float]:
    means = model.population.mean_trust()
    return {p.name: float(t) for p, t in zip(model.providers, means, strict=True)}


def lab_trust(model: AccessModel) -> float:
    weights = [w for _, _, w in model.lab_trust.edges(data="weight")]
    return float(np.mean(weights)) if weights else 1.0


def open_weights_share(model: AccessModel) -> float:
    return float(model.population.shares()[-1])


def multihoming_share(model: AccessModel) -> float:
    return model.population.hedging_share()


def open_or_multihoming_share(model: AccessModel) -> float:
    return open_weights_share(model) + multihoming_share(model)


# --- market ---------------------------------------------------------------------------------


def share(model: AccessModel) -> dict[str, float]:
    names = [p.name for p in model.providers] + [SELF_HOST]
    return {n: float(s) for n, s in zip(names, model.population.shares(), strict=True)}


def hhi(model: AccessModel) -> float:
    """Herfindahl-Hirschman index of the API market (shares among API users, 0-1)."""
    api = model.population.shares()[:-1]
    total = api.sum()
    return float(((api / total) ** 2).sum()) if total > 0 else 0.0


def switching_rate(model: AccessModel) -> float:
    return float(model.population.switched.mean())


def switched_12m(model: AccessModel) -> float:
    """Share of developers who changed option at least once in the last 12 months, as
    builders were asked (target MH-1)."""
    recent = model.population.last_switch > model.month - 12
    return float(np.count_nonzero(recent) / model.population.n)


def _model_labs(model: AccessModel) -> tuple[np.ndarray, float]:
    """The lab whose model each developer in the market uses (self-hosters run their best
    open weights; -1: the legacy model; -2: not yet in the market), and the market's
    total usage (what usage-weighted shares divide by)."""
    pop = model.population
    labs = pop.model_lab.copy()
    inside = pop.in_market(model.month)
    labs[~inside] = -2
    return labs, max(float(pop.usage[inside].sum()), 1e-300)


def lab_share(model: AccessModel) -> dict[str, float]:
    """Each lab's share of the usage of developers in the market, through any provider or
    self-hosted: usage share by model maker, weighted by application scale, as Menlo
    Ventures' surveys count it (MS-3)."""
    labs, total = _model_labs(model)
    usage = np.bincount(labs + 2, weights=model.population.usage, minlength=len(model.labs) + 2)
    return {lab.name: float(u / total) for lab, u in zip(model.labs, usage[2:], strict=True)}


def _coding_work(model: AccessModel) -> np.ndarray:
    """Each developer's coding work this month: its coding need weight times its usage
    (zero outside the market)."""
    pop = model.population
    coding = pop.needs[:, model.config.domains.index("coding")]
    work: np.ndarray = coding * pop.usage * pop.in_market(model.month)
    return work


def coding_share(model: AccessModel) -> dict[str, float]:
    """Each lab's share of the coding work of developers in the market (coding need times
    usage), by the lab whose model they use (no `coding` domain: nothing)."""
    if "coding" not in model.config.domains:
        return {}
    labs, _ = _model_labs(model)
    need = _coding_work(model)
    work = np.bincount(labs + 2, weights=need, minlength=len(model.labs) + 2)[2:]
    total = max(float(need.sum()), 1e-300)
    return {lab.name: float(w / total) for lab, w in zip(model.labs, work, strict=True)}


def coding_demand_share(model: AccessModel) -> float:
    """Coding's share of the market's usage (coding need times usage over usage): the
    quantity one aggregator's token mix measures (DM-1); NaN without a `coding` domain."""
    if "coding" not in model.config.domains:
        return float("nan")
    _, total = _model_labs(model)
    return float(_coding_work(model).sum()) / total


def market_size(model: AccessModel) -> float:
    """The market's usage per developer of the population (Population.market_size)."""
    return model.population.market_size


def open_model_share(model: AccessModel) -> float:
    """Share of the usage of developers in the market on open-weights models, served or
    self-hosted (the legacy model included), all labs together."""
    labs, total = _model_labs(model)
    is_open = np.array([lab.openness is Openness.open_weights for lab in model.labs] + [True])
    inside = labs > -2
    return float(model.population.usage[inside][is_open[labs[inside]]].sum()) / total


def domain_eci(model: AccessModel) -> dict[str, float]:
    """ECI of each lab's released model per domain (`lab__domain`; NaN before its first
    release): the domain's log capability on the ECI's affine map, so a lab's ECI is the
    mean of its domains'."""
    r = model.config.research
    out = {}
    for lab in model.labs:
        served = lab.served
        for d, domain in enumerate(model.config.domains):
            out[f"{lab.name}__{domain}"] = (
                float(r.eci_at_one + r.eci_per_log * np.log(served[d]))
                if served is not None
                else float("nan")
            )
    return out


def lab_revenue(model: AccessModel) -> dict[str, float]:
    """Each lab's revenue: developer spend and the client fees its API earned."""
    return {lab.name: lab.revenue for lab in model.labs}


def provider_revenue(model: AccessModel) -> dict[str, float]:
    """Each provider's revenue: developer spend and client fees."""
    return {p.name: p.revenue for p in model.providers}


def developer_revenue(model: AccessModel) -> dict[str, float]:
    """Developer spend earned this month, per lab and per provider."""
    out = {lab.name: lab.developer_revenue for lab in model.labs}
    out.update((p.name, p.developer_revenue) for p in model.providers)
    return out


def client_fees(model: AccessModel) -> dict[str, float]:
    """API fees other labs paid this month, per lab (through its first-party API) and per
    provider."""
    out = {lab.name: lab.client_fees for lab in model.labs}
    out.update((p.name, p.client_fees) for p in model.providers)
    return out


def payoff(model: AccessModel) -> dict[str, float]:
    """What each lab and provider keeps this month: a lab's revenue less the API fees it
    paid; a provider's revenue if a lab owns it, a marketplace's fee and client fees."""
    out = {lab.name: lab.payoff for lab in model.labs}
    out.update((p.name, p.payoff) for p in model.providers)
    return out


def lead(model: AccessModel) -> dict[str, float]:
    """Lead in log quality: a lab's need-weighted capability over the best other lab's; a
    provider's customers' option over the best alternative each could switch to (mean)."""
    needs = model.population.mean_needs
    quality = np.log(np.maximum(_caps(model) @ needs, 1e-12))
    out = {}
    for i, lab in enumerate(model.labs):
        others = np.delete(quality, i)
        out[lab.name] = float(quality[i] - others.max()) if others.size else 0.0
    out.update((p.name, p.lead) for p in model.providers)
    return out


def monitoring(model: AccessModel) -> dict[str, float]:
    """Each provider's monitoring (detection hazard per unit volume) this month."""
    return {p.name: p.monitoring for p in model.providers}


def eval_capacity(model: AccessModel) -> dict[str, float]:
    """Each lab's in-house evaluation capacity."""
    return {lab.name: lab.eval_capacity for lab in model.labs}


def compute(model: AccessModel) -> dict[str, float]:
    return {lab.name: lab.compute for lab in model.labs}


def strategy_share(model: AccessModel) -> dict[str, float]:
    """Share of labs playing each registered strategy (sim.strategies)."""
    playing = [strategy_of(lab) for lab in model.labs]
    return {name: playing.count(name) / len(playing) for name in STRATEGIES}


def strategy_changes(model: AccessModel) -> float:
    return float(model.tally[Logged.strategy_change])


# --- conflict -------------------------------------------------------------------------------


def detections(model: AccessModel) -> float:
    return float(model.tally[Logged.detection])


def warnings(model: AccessModel) -> float:
    return float(model.tally[Logged.warning])


def throttles(model: AccessModel) -> float:
    return float(model.tally[Logged.throttle])


def revocations_new(model: AccessModel) -> float:
    return float(model.tally[Logged.revocation])


def revocations_active(model: AccessModel) -> float:
    return float(
        sum(1 for *_, s in model.access_graph.edges(data="state") if s is AccessState.REVOKED)
    )


def carve_outs(model: AccessModel) -> float:
    """New evaluation-only carve-outs this month."""
    return float(model.tally[Logged.carve_out])


def false_positives(model: AccessModel) -> float:
    """Ordinary developers wrongly flagged by monitoring this month."""
    return float(model.population.flagged)


def revocations_total(model: AccessModel) -> float:
    return float(model.totals["revocation"])


def retaliations(model: AccessModel) -> float:
    return float(model.tally[Logged.retaliation])


def reinstatements(model: AccessModel) -> float:
    return float(model.tally[Logged.reinstatement])


def news_reach(model: AccessModel) -> float:
    """Share of developers who heard some news this month (each counted once)."""
    return float(np.count_nonzero(model.population.heard) / model.population.n)


# --- welfare --------------------------------------------------------------------------------


def developer_welfare(model: AccessModel) -> float:
    """Mean deterministic utility of developers' chosen options."""
    return float(model.population.utility.mean())


REPORTERS: dict[str, Callable[[AccessModel], float]] = {
    f.__name__: f
    for f in (
        frontier_capability,
        mean_capability,
        leader_gap,
        downstream_innovation,
        developer_trust,
        lab_trust,
        open_weights_share,
        multihoming_share,
        open_or_multihoming_share,
        hhi,
        switching_rate,
        switched_12m,
        open_model_share,
        coding_demand_share,
        market_size,
        detections,
        warnings,
        throttles,
        revocations_new,
        revocations_active,
        revocations_total,
        carve_outs,
        false_positives,
        retaliations,
        reinstatements,
        news_reach,
        developer_welfare,
        strategy_changes,
    )
}
ENTITY_REPORTERS: dict[str, Callable[[AccessModel], dict[str, float]]] = {
    "capability": capability,
    "frontier": frontier,
    "spillover": spillover,
    "trust": trust,
    "share": share,
    "lab_share": lab_share,
    "coding_share": coding_share,
    "eci": eci,
    "domain_eci": domain_eci,
    "lab_revenue": lab_revenue,
    "provider_revenue": provider_revenue,
    "developer_revenue": developer_revenue,
    "client_fees": client_fees,
    "payoff": payoff,
    "lead": lead,
    "monitoring": monitoring,
    "eval_capacity": eval_capacity,
    "compute": compute,
    "strategy_share": strategy_share,
}


class Snapshot(dict[str, float]):
    """An entity metric's values for one month: a fresh dict of immutable floats.

    Mesa's DataCollector deep-copies every reported value in case the model mutates it
    later; a Snapshot is built anew each month and never mutated, so its copy is itself.
    Deep-copying the entity dicts was two thirds of the cost of recording a month.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> Snapshot:
        return self


def snapshot(reporter: Callable[[AccessModel], dict[str, float]], model: AccessModel) -> Snapshot:
    return Snapshot(reporter(model))


def collector() -> mesa.DataCollector:
    """A DataCollector with every reporter; entity metrics are expanded by sim.run."""
    entity = {name: partial(snapshot, f) for name, f in ENTITY_REPORTERS.items()}
    return mesa.DataCollector(model_reporters={**REPORTERS, **entity})
