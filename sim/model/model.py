"""The Mesa model: labs, API providers and developers in the order of docs/ODD.md §3."""

from __future__ import annotations

import math
from collections import Counter
from functools import partial
from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim.config import Config, Openness
from sim.model.developer import Developer
from sim.model.events import schedule
from sim.model.lab import Lab
from sim.model.metrics import collector
from sim.model.policies import RETALIATION
from sim.model.population import Population, check_memory, row_pick
from sim.model.provider import AccessState, APIProvider
from sim.model.strategies import adapt

STREAMS = ("init", "research", "monitoring", "service", "news", "choice", "strategy")
"""Independent random streams, one per phase, all spawned from the model's rng: a change
in one phase's draws (say, news of a revocation) leaves the others' draws unchanged, so a
run with and without an intervention share common random numbers."""


class AccessModel(mesa.Model):  # type: ignore[misc]
    """Frontier labs competing through API access; one step is one month."""

    def __init__(self, config: Config) -> None:
        check_memory(config.population.n_developers)
        super().__init__(rng=config.seed)
        self.config = config
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        self.event_log: list[dict[str, Any]] = []
        self.tally: Counter[str] = Counter()
        """Events of the current month by kind (detection, revocation, ...)."""
        self.totals: Counter[str] = Counter()
        self.safe_harbor = False

        lab_cfgs = config.labs
        Lab.create_agents(self, len(lab_cfgs), list(lab_cfgs), list(lab_cfgs.values()))
        prov_cfgs = config.providers
        APIProvider.create_agents(self, len(prov_cfgs), list(prov_cfgs), list(prov_cfgs.values()))
        self.labs: list[Lab] = list(self.agents_by_type[Lab])
        self.providers: list[APIProvider] = list(self.agents_by_type[APIProvider])
        self._lab_index = {lab.name: i for i, lab in enumerate(self.labs)}
        self._provider_index = {p.name: i for i, p in enumerate(self.providers)}
        self.hosted_indices = [
            np.array([i for i, lab in enumerate(self.labs) if lab.name in p.hosts])
            for p in self.providers
        ]
        """Indices of the labs each provider hosts, in provider order."""
        self._option_model = np.array([h[0] for h in self.hosted_indices] + [len(self.labs)])
        """Column of option_quality's per-model table behind each option (self-hosting
        is the last)."""
        self._option_lab = np.array([h[0] for h in self.hosted_indices] + [-1])
        """The lab serving each option's developers when the provider hosts one lab."""
        self._multi_hosted = [p for p, h in enumerate(self.hosted_indices) if len(h) > 1]

        self.access_graph = nx.DiGraph()
        """Who may call which provider now: lab -> provider edges with an AccessState."""
        for p in self.providers:
            for lab in self.labs:
                if lab.name != p.owner:
                    self.access_graph.add_edge(lab.name, p.name, state=AccessState.ALLOWED)
        rel = config.relations
        self.lab_trust = nx.complete_graph([lab.name for lab in self.labs], nx.DiGraph)
        """How much each lab trusts each other lab (directed, weights in [0, 1])."""
        nx.set_edge_attributes(self.lab_trust, rel.initial_lab_trust, "weight")

        self.population = Population(
            config.population,
            config.domains,
            len(self.providers),
            len(self.labs),
            self.streams["init"],
        )
        Developer.create_agents(self, self.population.n, np.arange(self.population.n))

        self._event_callbacks: list[partial[None]] = schedule(self, config.scenario.events)
        self.choose_providers(initial=True)
        self.datacollector = collector()
        self.record()

    @property
    def social_graph(self) -> nx.Graph:
        """Developers' social ties (node = developer index), built in networkx on first use."""
        return self.population.graph

    @property
    def month(self) -> int:
        """The current month: during step t it is t; an event due in month t fires at time
        t - 1/2 (see sim.events) and belongs to month t too."""
        month: int = math.floor(float(self.time) + 0.5)
        return month

    def record(self) -> None:
        """Phase 8: collect the month's metrics, then start the next month's tallies."""
        self.datacollector.collect(self)
        self.tally.clear()
        self.population.newly_aware = 0

    # --- lookups -------------------------------------------------------------------------

    def lab(self, name: str) -> Lab:
        return self.labs[self._lab_index[name]]

    def provider(self, name: str) -> APIProvider:
        return self.providers[self._provider_index[name]]

    def log(
        self,
        kind: str,
        actor: str | None,
        target: str | None,
        reason: str = "",
        value: float | None = None,
    ) -> None:
        """Record an event for events.parquet and this month's tallies."""
        self.event_log.append(
            {
                "step": self.month,
                "kind": kind,
                "actor": actor,
                "target": target,
                "reason": reason,
                "value": value,
            }
        )
        self.tally[kind] += 1
        self.totals[kind] += 1

    # --- the month, in the order of docs/ODD.md §3 -------------------------------------------

    def step(self) -> None:
        """One month. Scheduled events (phase 1) have fired just before, on Mesa's event list."""
        self.expire_revocations()
        self.research()
        self.release()
        self.monitor_clients()
        self.inform_developers()
        self.choose_providers()
        self.settle_accounts()
        self.adapt_strategies()
        self.record()

    def expire_revocations(self) -> None:
        for p in self.providers:
            p.expire_revocations()

    def research(self) -> None:
        """Phase 2: every lab researches against the same snapshot of capabilities."""
        caps = np.array([lab.capability for lab in self.labs])
        frontier = caps.max(axis=0)
        best_open = self.best_open_model()
        shocks = self.streams["research"].standard_normal(caps.shape)
        for p in self.providers:
            p.volume = {}
        new = []
        for lab, shock in zip(self.labs, shocks, strict=True):
            reachable = self.routes(lab)
            if lab.uses_rival_apis:
                for _, _, provider in reachable:
                    provider.volume[lab.name] = provider.volume.get(lab.name, 0.0) + lab.intensity
            new.append(lab.research(shock, frontier, best_open, [(r, f) for r, f, _ in reachable]))
        for lab, cap in zip(self.labs, new, strict=True):
            lab.capability = cap

    def routes(self, lab: Lab) -> list[tuple[Lab, float, APIProvider]]:
        """Each rival model `lab` can call now, with the spillover share it keeps and the
        provider it goes through (the first in config order with the least restriction)."""
        throttle = self.config.policy.throttle_factor
        keep = {AccessState.ALLOWED: 1.0, AccessState.THROTTLED: throttle}
        out = []
        for rival in self.labs:
            if rival is lab or rival.served is None:
                continue
            best: tuple[float, APIProvider] | None = None
            for p in self.providers:
                if rival.name in p.hosts and p.owner != lab.name:
                    share = keep.get(p.state_of(lab.name), 0.0)
                    if share > 0 and (best is None or share > best[0]):
                        best = (share, p)
            if best is not None:
                out.append((rival, best[0], best[1]))
        return out

    def best_open_model(self) -> np.ndarray:
        """Capability per domain of the best open-weights model anyone may run."""
        legacy = np.full(len(self.config.domains), self.config.market.legacy_open_quality)
        open_caps = [lab.capability for lab in self.labs if lab.openness is Openness.open_weights]
        return np.max([legacy, *open_caps], axis=0)

    def release(self) -> None:
        """Phase 3: providers now serve their hosted labs' current models."""
        for lab in self.labs:
            lab.release()

    def monitor_clients(self) -> None:
        """Phase 4: detection, then each provider's policy decides."""
        draws = self.streams["monitoring"].random((len(self.providers), len(self.labs)))
        for p, row in zip(self.providers, draws, strict=True):
            p.monitor_clients({lab.name: u for lab, u in zip(self.labs, row, strict=True)})

    def is_provoked(self, provider: APIProvider, client: Lab) -> bool:
        """Does an API owned by `client` currently revoke `provider`'s own lab as a first
        strike? Retaliations do not count, so two tit-for-tat providers do not lock each
        other out in an endless echo once the first strike is lifted."""
        owner = provider.owner
        if owner is None:
            return False
        for q in self.providers:
            if q.owner == client.name:
                edge = self.access_graph.edges[owner, q.name]
                if edge["state"] is AccessState.REVOKED and edge.get("reason") != RETALIATION:
                    return True
        return False

    def on_revocation(self, provider: APIProvider, lab: Lab, reason: str) -> None:
        """A revocation is public: lab trust falls and the news starts to spread."""
        if reason == RETALIATION:
            self.log("retaliation", provider.name, lab.name, reason)
        rel = self.config.relations
        if provider.owner is not None:
            for other in self.labs:
                if other.name == provider.owner:
                    continue
                hit = rel.revocation_hit if other is lab else rel.witness_hit
                self.lab_trust.edges[other.name, provider.owner]["weight"] *= 1.0 - hit
        pop = self.population
        pi = self._provider_index[provider.name]
        owner = None if provider.owner is None else self._lab_index[provider.owner]
        pop.announce(
            pi, self._lab_index[lab.name], owner, self.month, pop.choice == pi, self.streams["news"]
        )

    def inform_developers(self) -> None:
        """Phase 5: news spreads; trust learns from service and recovers; labs' trust too."""
        self.population.spread_news(self.month, self.streams["news"])
        reliability = np.array([p.reliability for p in self.providers])
        outage = self.streams["service"].random(len(self.providers)) >= reliability
        self.population.learn_reliability(outage)
        rel = self.config.relations
        for _, _, data in self.lab_trust.edges(data=True):
            data["weight"] += rel.recovery * (rel.initial_lab_trust - data["weight"])

    def option_quality(self) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Need-weighted quality of every option per developer, and who serves it.

        One column per provider (the best of its hosted labs for each developer), then
        self-hosting. A provider hosting one lab always serves that lab; for a provider
        hosting several, the dict gives the lab serving each developer. No (developers x
        providers x labs) array is ever built.
        """
        pop, market = self.population, self.config.market
        models = [lab.served_or_zero for lab in self.labs]
        models.append(market.selfhost_discount * self.best_open_model())
        per_model = pop.needs @ np.array(models).T
        quality = per_model[:, self._option_model]
        picks = {}
        for p in self._multi_hosted:
            # A running maximum over the few hosted labs: numpy's argmax along a short
            # row is ~5x slower. Ties go to the first lab, as with argmax.
            hosted = self.hosted_indices[p]
            best, which = quality[:, p], np.full(pop.n, hosted[0])
            for lab in hosted[1:]:
                better = per_model[:, lab] > best
                which[better] = lab
                np.maximum(best, per_model[:, lab], out=best)
            picks[p] = which
        return quality, picks

    def option_prices(self) -> np.ndarray:
        return np.array([p.price for p in self.providers] + [self.config.market.selfhost_cost])

    def choose_providers(self, *, initial: bool = False) -> None:
        """Phase 6: revising developers pick an option by multinomial logit."""
        pop = self.population
        quality, picks = self.option_quality()
        utility = pop.utilities(quality, self.option_prices())
        rng = self.streams["choice"]
        revise = rng.random(pop.n) < self.config.population.revision_rate
        revising = np.arange(pop.n) if initial else np.flatnonzero(revise)
        gumbel = rng.gumbel(size=(revising.size, utility.shape[1]))
        pop.choose(utility, gumbel, revising, initial=initial)
        pop.quality = row_pick(quality, pop.choice)
        pop.model_lab = self._option_lab[pop.choice]
        for p, which in picks.items():
            on_p = pop.choice == p
            pop.model_lab[on_p] = which[on_p]

    def adapt_strategies(self) -> None:
        """Phase 7 (end): every `strategy.adapt_every` months labs revise their strategies."""
        every = self.config.strategy.adapt_every
        if every and self.steps % every == 0:
            adapt(self, self.streams["strategy"])

    def settle_accounts(self) -> None:
        """Phase 7: developers' spend -> provider revenue -> lab revenue -> next compute."""
        pop, market = self.population, self.config.market
        counts = np.bincount(pop.choice, minlength=len(self.providers) + 1)
        spend = counts * self.option_prices()
        total = spend.sum()
        lab_revenue = np.zeros(len(self.labs))
        for i, p in enumerate(self.providers):
            p.revenue = market.market_value * spend[i] / total if total > 0 else 0.0
            if p.owner is not None:
                lab_revenue[self._lab_index[p.owner]] += p.revenue
            elif counts[i] > 0:
                users = pop.model_lab[pop.choice == i]
                split = np.bincount(users, minlength=len(self.labs)) / counts[i]
                lab_revenue += (1.0 - market.marketplace_fee) * p.revenue * split
        for lab, revenue in zip(self.labs, lab_revenue, strict=True):
            lab.invest(float(revenue))
