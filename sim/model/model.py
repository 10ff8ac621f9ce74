"""The Mesa model: labs, API providers and developers in the order of docs/ODD.md §3."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim.config import Benchmarking, Config
from sim.model.developer import Developer
from sim.model.events import Scheduled, schedule
from sim.model.keyed import Keys, Phase
from sim.model.lab import Lab, Route
from sim.model.market import best_alternative_lead, settle
from sim.model.metrics import collector
from sim.model.population import Population, check_memory, row_pick
from sim.model.provider import AccessState, APIProvider, Usage, imitate_audits
from sim.model.public import PublicWorld
from sim.model.safety import disasters
from sim.model.strategies import adapt
from sim.model.world import Logged

STREAMS = (
    "init",
    "research",
    "monitoring",
    "service",
    "news",
    "choice",
    "strategy",
    "appeals",
    "safety",
)
"""Independent random streams, one per phase, all spawned from the model's rng: a change
in one phase's draws (say, news of a revocation) leaves the others' draws unchanged, so a
run with and without an intervention share common random numbers. New streams are added
at the end, which leaves the earlier ones unchanged. `news`, `choice` and `appeals` are no
longer drawn from: those phases draw keyed (sim.model.keyed, `model.keys`), by month and
what the draws are for, since how many draws they take differs between the arms."""


def _raise_to_best(
    best: np.ndarray, first: int, per_model: np.ndarray, labs: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Raise `best` (a column of the option table, in place) to each developer's best of
    `labs`' columns of `per_model`, and return the lab each developer gets (`first` where
    none beats the column's own). A running maximum over the few labs: numpy's argmax
    along a short row is ~5x slower. Ties go to the earlier lab, as with argmax."""
    which = np.full(best.size, first)
    for lab in labs:
        better = per_model[:, lab] > best
        which[better] = lab
        np.maximum(best, per_model[:, lab], out=best)
    return which


class AccessModel(PublicWorld, mesa.Model):  # type: ignore[misc]
    """Frontier labs competing through API access; one step is one month.

    Agents act on the world through the public operations of :class:`sim.model.world.World`
    (the section "the world, as agents see it" below)."""

    def __init__(self, config: Config) -> None:
        check_memory(config.population.n_developers, config.steps)
        super().__init__(rng=config.seed)
        self.config = config
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        self.keys = Keys.of(self.rng)
        """Makes the keyed generators of the choice, news and appeals phases."""
        self.event_log: list[dict[str, Any]] = []
        self.tally: Counter[str] = Counter()
        """Events of the current month by kind (detection, revocation, ...)."""
        self.totals: Counter[str] = Counter()
        self.evaluation_protected = False
        self.legal_risk = config.legal.revocation_risk
        self._pending_reactions: list[tuple[int, int, float]] = []
        """Revocations whose effect on trust is not yet read: (provider, month, trust before)."""
        self.reputation_reactions: list[float] = []
        """Mean trust each revoking provider lost in the REPUTATION_LAG months after."""

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
        discount = np.array([cfg.discount for cfg in lab_cfgs.values()])
        self._kept_quality = 1.0 - discount if discount.any() else None
        """Share of each lab's quality developers keep (None: no lab is discounted)."""

        self.access_graph = nx.DiGraph()
        """Who may call which provider now: lab -> provider edges with an AccessState."""
        for p in self.providers:
            for lab in self.labs:
                if lab.name != p.owner:
                    self.access_graph.add_edge(lab.name, p.name, state=AccessState.ALLOWED)
        rel = config.relations
        self.lab_trust = nx.complete_graph([lab.name for lab in self.labs], nx.DiGraph)
        """How much each lab trusts each other lab (directed, weights in [0, 1]): drives
        retaliation (tit_for_tat) and a strategic provider's retaliation risk."""
        nx.set_edge_attributes(self.lab_trust, rel.initial_lab_trust, "weight")

        self.population = Population(
            config.population,
            config.domains,
            len(self.providers),
            len(self.labs),
            self.streams["init"],
        )
        Developer.register_all(self, self.population.n)

        self._scheduled: list[Scheduled] = schedule(self, config.scenario.events)
        self.open_access()
        self.choose_providers(initial=True)
        settle(self, invest=False)
        self.datacollector = collector()
        self.record()

    @property
    def social_graph(self) -> nx.Graph:
        """Developers' social ties (node = developer index), built in networkx on first use."""
        return self.population.graph

    @property
    def month(self) -> int:
        """The current month: during step t it is t; an event due in month t fires at time
        t - 1/2 (see sim.model.events) and belongs to month t too."""
        month: int = math.floor(float(self.time) + 0.5)
        return month

    def record(self) -> None:
        """Phase 8: collect the month's metrics, then start the next month's tallies."""
        self.datacollector.collect(self)
        self.tally.clear()
        self.population.heard[:] = False
        self.population.flagged = 0

    # --- lookups -------------------------------------------------------------------------

    def provider(self, name: str) -> APIProvider:
        return self.providers[self._provider_index[name]]

    def lab_index(self, name: str) -> int:
        return self._lab_index[name]

    def provider_index(self, name: str) -> int:
        return self._provider_index[name]

    def open_access(self) -> None:
        """Before the first month, policies set their standing terms (preemptive denial)."""
        for p in self.providers:
            p.monitor_clients(dict.fromkeys(self._lab_index, 1.0))

    # --- the month, in the order of docs/ODD.md §3 -------------------------------------------

    def step(self) -> None:
        """One month. Scheduled events (phase 1) have fired just before, on Mesa's event list."""
        self.expire_restrictions()
        self.research()
        self.release()
        self.monitor_clients()
        self.inform_developers()
        self.grow_demand()
        self.choose_providers()
        self.settle_accounts()
        self.copy_audits()
        self.adapt_strategies()
        self.record()

    def expire_restrictions(self) -> None:
        for p in self.providers:
            p.expire_restrictions()

    def research(self) -> None:
        """Phase 2: labs invest in evaluation, then research against the same snapshot of
        capabilities; each provider books the API volume and leakage of its clients."""
        caps = np.array([lab.capability for lab in self.labs])
        frontier = caps.max(axis=0)
        best_open = self.best_open_model()
        shocks = self.streams["research"].standard_normal(caps.shape)
        for p in self.providers:
            p.usage = {}
        new = []
        for lab, shock in zip(self.labs, shocks, strict=True):
            reachable = self.routes(lab)
            lab.invest_in_evaluation(self.restricted_share(lab))
            routes = [
                Route(r.served_or_zero, share, eval_only) for r, share, eval_only, _ in reachable
            ]
            capability, leaks = lab.research(shock, frontier, best_open, routes)
            new.append(capability)
            if lab.uses_rival_apis:
                for (_, share, eval_only, provider), leak in zip(reachable, leaks, strict=True):
                    use = provider.usage.setdefault(lab.name, Usage())
                    use.volume += share * lab.intensity
                    use.leak += float(leak)
                    use.mode = Benchmarking.rival_api if eval_only else lab.benchmarking
        for lab, cap in zip(self.labs, new, strict=True):
            lab.capability = cap
        self.risk_disasters()

    def risk_disasters(self) -> None:
        """Labs short of the safe share of safety risk a disaster that sets them back (DSAIR;
        docs/ODD.md §7.8): one draw per lab every month."""
        caps, hits = disasters(
            [lab.safety for lab in self.labs],
            np.array([lab.capability for lab in self.labs]),
            self.config.safety,
            self.streams["safety"].random(len(self.labs)),
        )
        for lab, cap in zip(self.labs, caps, strict=True):
            lab.capability = cap
        for i, lost in hits:
            self.log(
                Logged.disaster, self.labs[i].name, None, "safety below safe_share", value=lost
            )

    def routes(self, lab: Lab) -> list[tuple[Lab, float, bool, APIProvider]]:
        """Each rival model `lab` can call now: the share of its use that gets through,
        whether only evaluation is allowed, and the provider it goes through (the one
        that lets the most through, first in config order on ties)."""
        research = self.config.research
        distils = lab.benchmarking is Benchmarking.distill
        throttle = self.config.policy.throttle_factor
        access = {
            AccessState.ALLOWED: (1.0, False),
            AccessState.THROTTLED: (throttle, False),
            AccessState.EVALUATION_ONLY: (1.0, True),
        }
        out = []
        for rival in self.labs:
            if rival is lab or rival.served is None:
                continue
            best: tuple[float, float, bool, APIProvider] | None = None
            for p in self.providers:
                if rival.name not in p.hosts or p.owner == lab.name:
                    continue
                got = access.get(p.state_of(lab.name))
                if got is None:
                    continue
                share, eval_only = got
                if eval_only:
                    # A carve-out keeps evaluation and removes building with the model.
                    if self.access_attr(lab.name, p.name, "throttled", False):
                        share = throttle
                    share *= 1.0 - lab.building
                spill = (
                    research.spill_distill
                    if distils and not eval_only
                    else research.spill_rival_api
                )
                if best is None or share * spill > best[0]:
                    best = (share * spill, share, eval_only, p)
            if best is not None:
                out.append((rival, best[1], best[2], best[3]))
        return out

    def restricted_share(self, lab: Lab) -> float:
        """Share of `lab`'s rival-API access that is lost or restricted now (0-1): what
        drives its extra investment in in-house evaluation."""
        if not lab.uses_rival_apis:
            return 0.0
        throttle = self.config.policy.throttle_factor
        lost = {
            AccessState.ALLOWED: 0.0,
            AccessState.THROTTLED: 1.0 - throttle,
            AccessState.EVALUATION_ONLY: max(
                0.5 if lab.benchmarking is Benchmarking.distill else 0.0, lab.building
            ),
            AccessState.REVOKED: 1.0,
        }
        edges = [
            max(lost[state], 1.0 - throttle)
            if state is AccessState.EVALUATION_ONLY
            and self.access_attr(lab.name, p.name, "throttled", False)
            else lost[state]
            for p in self.providers
            if p.owner != lab.name and any(h != lab.name for h in p.hosts)
            for state in (self.access_state(lab.name, p.name),)
        ]
        return float(np.mean(edges)) if edges else 0.0

    def best_open_model(self) -> np.ndarray:
        """Capability per domain of the best released open-weights model anyone may run."""
        legacy = np.full(len(self.config.domains), self.config.market.legacy_open_quality)
        weights = [lab.open_weights_served for lab in self.labs]
        return np.max([legacy, *(w for w in weights if w is not None)], axis=0)

    def release(self) -> None:
        """Phase 3: providers now serve their hosted labs' current models: every month for
        archetype labs, at scripted releases during a replay, then on each lab's cadence."""
        month, replay_until = self.month, self.config.scenario.replay_until
        for lab in self.labs:
            if lab.releases_continuously:
                lab.release()
            elif lab.release_due or (month > replay_until and lab.due_on_its_own(month)):
                lab.release()
                self.log(Logged.model_release, lab.name, None, "model released")

    def monitor_clients(self) -> None:
        """Phase 4: detection, then each provider's policy decides; monitoring also flags
        some ordinary developers wrongly (false positives), some of whom win an appeal."""
        draws = self.streams["monitoring"].random((len(self.providers), len(self.labs)))
        for p, row in zip(self.providers, draws, strict=True):
            p.monitor_clients({lab.name: u for lab, u in zip(self.labs, row, strict=True)})
        rate = self.config.population.false_positive_rate
        for i, p in enumerate(self.providers):
            flagged, upheld = self.population.flag_wrongly(
                i, rate * p.monitoring, self.keys(Phase.appeals, self.month, i)
            )
            if flagged:
                self.log(
                    Logged.false_positive, p.name, None, "ordinary developers flagged", flagged
                )
            if upheld:
                self.log(Logged.appeal_upheld, p.name, None, "flag overturned", upheld)

    def inform_developers(self) -> None:
        """Phase 5: news spreads; satisfaction learns from service; trust and lab trust
        recover; providers read how trust reacted to revocations a quarter ago."""
        self.population.spread_news(self.month, self.keys)
        reliability = np.array([p.reliability for p in self.providers])
        outage = self.streams["service"].random(len(self.providers)) >= reliability
        for p, down in zip(self.providers, outage, strict=True):
            if down:
                self.log(Logged.outage, p.name, None, "service failed this month")
        self.population.learn_reliability(outage)
        rel = self.config.relations
        for _, _, data in self.lab_trust.edges(data=True):
            data["weight"] += rel.recovery * (rel.initial_lab_trust - data["weight"])
        self.read_reputation_reactions()

    def grow_demand(self) -> None:
        """Phase 6 (start): developers enter the market and use more as it grows."""
        self.population.grow_usage(self.month)

    def option_quality(self) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """Need-weighted quality of every option per developer, and who serves it.

        One column per provider (the best of its hosted labs for each developer), then
        self-hosting (the best released open weights for each developer, or the legacy
        model, at `selfhost_discount`). A lab's `discount` lowers its models' quality
        wherever they are served. A provider hosting one lab always serves that lab; for
        self-hosting and a provider hosting several, the dict gives the lab serving each
        developer (-1: the legacy model). No (developers x providers x labs) array is ever
        built.
        """
        pop, market = self.population, self.config.market
        models = [lab.served_or_zero for lab in self.labs]
        models.append(np.full(len(self.config.domains), market.legacy_open_quality))
        per_model = pop.needs @ np.array(models).T
        if self._kept_quality is not None:
            per_model[:, :-1] *= self._kept_quality
        quality = per_model[:, self._option_model]
        picks = {}
        for p in self._multi_hosted:
            hosted = self.hosted_indices[p]
            picks[p] = _raise_to_best(quality[:, p], hosted[0], per_model, hosted[1:])
        open_labs = [i for i, lab in enumerate(self.labs) if lab.open_weights_served is not None]
        selfhost = len(self.providers)
        picks[selfhost] = _raise_to_best(quality[:, selfhost], -1, per_model, open_labs)
        quality[:, selfhost] *= market.selfhost_discount
        return quality, picks

    def option_prices(self) -> np.ndarray:
        return np.array([p.price for p in self.providers] + [self.config.market.selfhost_cost])

    def choose_providers(self, *, initial: bool = False) -> None:
        """Phase 6: revising developers pick an option by multinomial logit.

        Every developer's revision uniform and the uniforms behind its Gumbel row are
        drawn each month, used or not, from the month's keyed generator: a developer's
        noise in a month is the same in both arms of a paired run whoever else revises."""
        pop = self.population
        quality, picks = self.option_quality()
        utility = pop.utilities(quality, self.option_prices())
        rng = self.keys(Phase.choice, self.month)
        revise = rng.random(pop.n) < self.config.population.revision_rate
        uniform = rng.random(utility.shape)
        revising = np.arange(pop.n) if initial else np.flatnonzero(revise | pop.must_revise)
        pop.must_revise[:] = False
        if self.config.population.adoption_months > 0 and not initial:
            # Developers outside the market do not choose; this month's entrants make
            # their first choice.
            revising = revising[pop.enters[revising] < self.month]
            revising = np.union1d(revising, np.flatnonzero(pop.enters == self.month))
        # Standard Gumbel noise by inversion, for the revising rows only (a third of the
        # cost of drawing it for everyone).
        gumbel = -np.log(-np.log(uniform[revising]))
        pop.choose(utility, gumbel, revising, initial=initial, month=self.month)
        pop.last_switch[pop.switched] = self.month
        pop.quality = row_pick(quality, pop.choice)
        pop.lead = best_alternative_lead(quality, pop.choice, pop.quality)
        pop.model_lab = self._option_lab[pop.choice]
        for p, which in picks.items():
            on_p = pop.choice == p
            pop.model_lab[on_p] = which[on_p]

    def settle_accounts(self) -> None:
        """Phase 7: developers' spend and labs' API fees -> revenue -> next month's compute."""
        settle(self)

    def copy_audits(self) -> None:
        """Phase 7: strategic providers copy the audit level of a provider that earns more."""
        imitate_audits(self.providers, self.config.strategic)

    def adapt_strategies(self) -> None:
        """Phase 7 (end): every `strategy.adapt_every` months labs revise their strategies."""
        every = self.config.strategy.adapt_every
        if every and self.steps % every == 0:
            adapt(self, self.streams["strategy"])
