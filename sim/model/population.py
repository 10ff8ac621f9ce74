"""Developers' state as numpy columns, and their decisions computed in batch.

A loop of Python method calls over Mesa agents is 30-70x slower than the same
update in numpy (docs/ARCHITECTURE.md), so the Developer agents (sim.model.developer)
are thin views on these columns. ``benchmarks/bench_developer_step.py`` keeps a
per-agent reference of :meth:`Population.choose` and checks both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from sim.config import ConfigError, PopulationConfig
from sim.model.keyed import Keys, Phase
from sim.model.network import adjacency, watts_strogatz_edges

QUALITY_FLOOR = 1e-6
"""Quality below which an option is worthless (a provider serving only closed models)."""


BYTES_PER_DEVELOPER = 1_000
"""Peak memory per developer, rounded up from the measured 0.88 GB peak RSS of a
1,000,000-developer run (benchmarks/bench_scale.py): numpy columns, the social graph's
edge list and sparse matrix, and the Mesa Developer agents. The networkx view of the
social graph (`model.social_graph`, built on first use) is not counted: at a million
developers it adds about 1 GB."""
BYTES_PER_MONTH = 32 * 2**10
"""Memory a recorded month holds (metrics and the event log), rounded up from the measured
~13 KB a month of the default world; it does not grow with the population, and news that
has stopped spreading is let go (Population.spread_news)."""
BASE_BYTES = 400 * 2**20
"""The interpreter, numpy, pandas, mesa and the rest of the model."""


def available_memory() -> int | None:
    """Bytes of memory available to a new process now (Linux), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(n_developers: int, steps: int) -> None:
    """Refuse, before allocating anything, a run this machine cannot hold."""
    need = BASE_BYTES + n_developers * BYTES_PER_DEVELOPER + steps * BYTES_PER_MONTH
    have = available_memory()
    if have is not None and need > have:
        raise ConfigError(
            f"population.n_developers = {n_developers:,} over steps = {steps:,} months needs "
            f"about {need / 2**30:.1f} GiB of memory; {have / 2**30:.1f} GiB are available. "
            "Use fewer developers or a machine with more memory."
        )


@dataclass
class NewsItem:
    """Public news about a provider spreading over the social graph: a revocation or
    carve-out (a shock to its reputation, scaled by `severity`), a court ruling against it
    (likewise), or a reinstatement (relief)."""

    provider: int
    revoked_lab: int | None
    """The lab cut off (None for a reinstatement or a ruling)."""
    owner: int | None
    """Lab owning the provider (None for a marketplace)."""
    started: int
    aware: np.ndarray
    severity: float = 1.0
    relief: bool = False


def row_pick(table: np.ndarray, column: np.ndarray) -> np.ndarray:
    """`table[i, column[i]]` for every row i, each column[i] in [0, table.shape[1]): a take
    from the flat view of `table` in its own memory order (~3x faster than fancy indexing
    with an arange of rows). Unlike fancy indexing it does not check the bounds."""
    n, k = table.shape
    if table.flags.f_contiguous:  # as column gathers like per_model[:, cols] return
        flat = np.arange(n) + n * column
        picked: np.ndarray = table.ravel(order="F")[flat]
    else:
        flat = column + k * np.arange(n)
        picked = table.ravel()[flat]
    return picked


class Population:
    """All developers: needs, price sensitivity, trust, current choice and awareness."""

    def __init__(
        self,
        cfg: PopulationConfig,
        domains: tuple[str, ...],
        n_providers: int,
        n_labs: int,
        rng: np.random.Generator,
    ) -> None:
        n = cfg.n_developers
        self.cfg = cfg
        self.n = n
        self.n_providers = n_providers
        alpha = np.array([cfg.needs[d] for d in domains])
        self.needs = rng.dirichlet(alpha, size=n)
        self.price_sensitivity = cfg.price_sensitivity * rng.lognormal(
            -(cfg.price_sensitivity_spread**2) / 2, cfg.price_sensitivity_spread, size=n
        )
        a = cfg.initial_trust * cfg.trust_concentration
        b = (1.0 - cfg.initial_trust) * cfg.trust_concentration
        self.satisfaction = rng.beta(a, b, size=(n, n_providers))
        """Trust from one's own use of each provider (outages, wrongful flags)."""
        self.reputation = self.satisfaction.copy()
        """Trust from news about each provider (revocations, reinstatements, rulings)."""
        self.trust = self.satisfaction.copy()
        """What developers weigh when choosing: satisfaction and reputation combined."""
        competes = rng.random(n) < cfg.competes_share
        self.competes_with = np.where(competes, rng.integers(0, n_labs, size=n), -1)
        self.choice = np.zeros(n, dtype=np.int64)
        """Chosen option: a provider index, or n_providers for self-hosting."""
        self.switched = np.zeros(n, dtype=bool)
        self.last_switch = np.full(n, -(2**30), dtype=np.int32)
        """Month of each developer's last change of option (long ago: never)."""
        self.lead = np.zeros(n)
        """Log quality of each developer's option over its best alternative."""
        self.utility = np.zeros(n)
        self.option_shares = np.zeros(n_providers + 1)
        self.quality = np.zeros(n)
        self.model_lab = np.full(n, -1, dtype=np.int64)
        """Lab whose model each developer currently uses (-1: none); kept by the model."""
        self.news: list[NewsItem] = []
        self.heard = np.zeros(n, dtype=bool)
        """Developers who heard some news this month."""
        self.flagged = 0
        """Developers wrongly flagged this month."""
        self.must_revise = np.zeros(n, dtype=bool)
        """Developers wrongly flagged this month, who reconsider their provider."""

        self.edges = watts_strogatz_edges(n, cfg.social_degree, cfg.social_rewiring, rng)
        """The social graph's edges (developer index pairs)."""
        self.adjacency = adjacency(self.edges, n)
        self.enters = (
            rng.integers(1, cfg.adoption_months + 1, size=n, dtype=np.int32)
            if cfg.adoption_months > 0
            else np.zeros(n, dtype=np.int32)
        )
        """Month each developer enters the market (0: from the start)."""
        self.scale = (
            rng.lognormal(-(cfg.size_spread**2) / 2, cfg.size_spread, size=n)
            if cfg.size_spread > 0
            else np.ones(n)
        )
        """Each developer's application scale (mean one): its usage when it enters."""
        coding = domains.index("coding") if "coding" in domains else None
        self.growth = cfg.usage_growth + (
            cfg.coding_usage_growth * self.needs[:, coding] if coding is not None else 0.0
        )
        """Monthly growth of each developer's usage once in the market."""
        self.usage = np.where(self.enters <= 0, self.scale, 0.0)
        """This month's usage of each developer (0 outside the market): what it spends
        and how much it weighs in usage-weighted shares."""

    @cached_property
    def mean_needs(self) -> np.ndarray:
        """Developers' mean need weights per domain: how the market weighs capability."""
        means: np.ndarray = self.needs.mean(axis=0)
        return means

    @cached_property
    def graph(self) -> nx.Graph:
        """The social graph in networkx, built on first use (the model itself only needs
        `edges` and `adjacency`; at a million developers networkx takes ~1 GB)."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(self.edges.tolist())
        return graph

    # --- choice ------------------------------------------------------------------------------

    def utilities(self, quality: np.ndarray, prices: np.ndarray) -> np.ndarray:
        """Deterministic utility of every option (providers, then self-hosting), no switching.

        `quality` is (n, options) need-weighted capability, valued in logs so that a model
        10% better is worth the same whatever the level of the frontier; `prices` is per
        option. A self-hosted model cannot be revoked: its trust term is `selfhost_trust`.
        """
        c = self.cfg
        trust = np.empty_like(quality)
        trust[:, : self.n_providers] = self.trust
        trust[:, self.n_providers] = c.selfhost_trust
        utility: np.ndarray = (
            c.quality_weight * np.log(np.maximum(quality, QUALITY_FLOOR))
            - self.price_sensitivity[:, None] * prices[None, :]
            + c.trust_weight * trust
        )
        return utility

    def choose(
        self,
        utility: np.ndarray,
        gumbel: np.ndarray,
        revising: np.ndarray,
        *,
        initial: bool = False,
        month: int = 0,
    ) -> None:
        """Multinomial-logit choice (Gumbel-max) for the developers who revise this month.

        `revising` holds their indices and `gumbel` one row of standard Gumbel noise for
        each of them (the others keep their option and need no draws). Staying costs
        nothing; moving costs `switching_cost`. `initial` drops the switching cost for
        the first choice (for which the caller passes every developer), as does a
        developer's entry to the market in `month` (adoption is not switching).
        """
        c = self.cfg
        options = np.arange(utility.shape[1])
        first = (self.enters >= month) & (self.enters > 0)  # 0: in the market from the start
        cost = np.where(first[revising] | initial, 0.0, c.switching_cost)
        current = self.choice[revising]
        noisy = (
            utility[revising]
            - cost[:, None] * (options[None, :] != current[:, None])
            + c.choice_noise * gumbel
        )

        new_choice = self.choice.copy()
        new_choice[revising] = noisy.argmax(axis=1)
        self.switched = (new_choice != self.choice) & ~first & (not initial)
        self.choice = new_choice
        self.utility = row_pick(utility, self.choice)
        self.option_shares = np.bincount(self.choice, minlength=self.n_providers + 1) / self.n

    # --- news and trust ----------------------------------------------------------------------

    def announce(self, item: NewsItem, keys: Keys) -> None:
        """News breaks: the provider's own clients and a random few hear it directly.

        Each item draws from its own keyed generator (`news_ids`), here and as it spreads,
        so an item in both arms of a paired run draws the same whatever other news exists."""
        rng = keys(Phase.news, item.started, *self.news_ids(item, self.news))
        seed = (rng.random(self.n) < self.cfg.news_seed) | (self.choice == item.provider)
        self.news.append(item)
        self._hear(item, seed)

    def spread_news(self, step: int, keys: Keys) -> None:
        """Each aware neighbour passes the news on with probability `news_transmission`.
        News older than `news_horizon` months has stopped spreading and is let go, so the
        memory a run holds does not grow with its horizon."""
        self.news = [item for item in self.news if step - item.started < self.cfg.news_horizon]
        for i, item in enumerate(self.news):
            if item.started == step or step - item.started >= self.cfg.news_horizon:
                continue
            aware_neighbours = self.adjacency @ item.aware.astype(np.float32)
            p_hear = 1.0 - (1.0 - self.cfg.news_transmission) ** aware_neighbours
            rng = keys(Phase.news, step, *self.news_ids(item, self.news[:i]))
            self._hear(item, rng.random(self.n) < p_hear)

    @staticmethod
    def news_ids(item: NewsItem, earlier: list[NewsItem]) -> tuple[int, ...]:
        """What keys `item`'s draws besides the month: the month it started, its provider,
        the lab revoked (+1; 0 for none), relief or not, and how many `earlier` items
        (those announced before it) share all four (two reinstatements by a provider in
        one month stay independent)."""
        ids = (item.started, item.provider, item.revoked_lab, item.relief)
        twins = sum((e.started, e.provider, e.revoked_lab, e.relief) == ids for e in earlier)
        lab = -1 if item.revoked_lab is None else item.revoked_lab
        return item.started, item.provider, lab + 1, int(item.relief), twins

    def _hear(self, item: NewsItem, hears: np.ndarray) -> None:
        """Reputation changes for developers who learn of `item` now (once per item): a
        shock for a restriction or a ruling, relief for a reinstatement."""
        c = self.cfg
        new = hears & ~item.aware
        item.aware |= new
        self.heard |= new
        if not new.any():
            return
        rep = self.reputation
        if item.relief:
            rep[new, item.provider] += c.reinstatement_relief * (
                c.initial_trust - rep[new, item.provider]
            )
            return
        exposure = 1.0 + c.exposure_multiplier * (
            (item.owner is not None) * (self.competes_with == item.owner)
        )
        if item.revoked_lab is not None:
            exposure += c.exposure_multiplier * self.built_on(item.revoked_lab)
        shock = np.minimum(c.revocation_shock * item.severity * exposure, 1.0)
        rep[new, item.provider] *= 1.0 - shock[new]
        others = np.arange(self.n_providers) != item.provider
        rep[np.ix_(new, others)] *= 1.0 - c.bystander_shock * item.severity

    def built_on(self, lab: int) -> np.ndarray:
        """Developers whose current option serves them `lab`'s model."""
        return np.asarray(self.model_lab == lab)

    def learn_reliability(self, outage: np.ndarray) -> None:
        """Satisfaction with the provider used moves toward this month's observed service;
        satisfaction with the others, and every reputation, recover slowly toward the
        starting mean. Then trust is recombined from its two parts."""
        c = self.cfg
        rows = np.flatnonzero(self.choice < self.n_providers)
        used = self.choice[rows]
        sat, rep = self.satisfaction, self.reputation
        before = sat[rows, used]
        sat += c.trust_recovery * (c.initial_trust - sat)
        rep += c.trust_recovery * (c.initial_trust - rep)
        observed = 1.0 - outage[used].astype(float)
        sat[rows, used] = before + c.trust_learning * (observed - before)
        self.combine_trust()

    def combine_trust(self) -> None:
        w = self.cfg.satisfaction_weight
        np.multiply(self.satisfaction, w, out=self.trust)
        self.trust += (1.0 - w) * self.reputation

    def flag_wrongly(self, provider: int, rate: float, rng: np.random.Generator) -> tuple[int, int]:
        """Monitoring's false positives: each customer of `provider` is wrongly flagged with
        probability `rate` and loses satisfaction; an upheld appeal restores it. Returns
        (flagged, upheld). The flagged reconsider their provider this month.

        `rng` is the month's keyed generator of this provider: it draws a flag uniform and
        an appeal uniform for every developer, customer or not, so a developer who is a
        customer in both arms of a paired run meets the same luck in both."""
        c = self.cfg
        customers = self.choice == provider
        if rate <= 0.0 or not customers.any():
            return 0, 0
        flag_u, appeal_u = rng.random((2, self.n))
        flagged = np.flatnonzero(customers & (flag_u < rate))
        k = flagged.size
        if k == 0:
            return 0, 0
        self.flagged += k
        upheld = appeal_u[flagged] < c.appeal_success
        hit = flagged[~upheld]
        self.satisfaction[hit, provider] *= 1.0 - c.false_positive_shock
        self.must_revise[flagged] = True
        return k, int(upheld.sum())

    def grow_usage(self, month: int) -> None:
        """Usage this month: zero outside the market, the developer's scale when it enters,
        growing at its own rate after."""
        since = month - np.maximum(self.enters, 0)
        self.usage = np.where(
            since >= 0, self.scale * np.exp(self.growth * np.maximum(since, 0)), 0.0
        )

    @property
    def market_size(self) -> float:
        """The market's usage per developer of the population (1: everyone in at scale
        one): what the month's market value is paid in proportion to."""
        return float(self.usage.sum()) / self.n

    def cut_capacity(self, provider: int, domains: tuple[str, ...], share: float) -> int:
        """A capacity cut for coding work: the `share` of `provider`'s customers who need
        coding most (all its customers' needs alike without a coding domain) live a month
        of failed service (satisfaction learns as from an outage) and reconsider their
        option this month; most stay (RV-5's users kept the provider's models through
        their own keys). Returns how many were cut."""
        customers = np.flatnonzero(self.choice == provider)
        k = round(share * customers.size)
        if k == 0:
            return 0
        order = (
            np.argsort(-self.needs[customers, domains.index("coding")], kind="stable")
            if "coding" in domains
            else np.arange(customers.size)
        )
        hit = customers[order[:k]]
        sat = self.satisfaction
        sat[hit, provider] -= self.cfg.trust_learning * sat[hit, provider]
        self.combine_trust()
        self.must_revise[hit] = True
        return int(hit.size)

    # --- summaries ---------------------------------------------------------------------------

    def in_market(self, month: int) -> np.ndarray:
        """Developers who have entered the market by `month`."""
        entered: np.ndarray = self.enters <= month
        return entered

    def shares(self) -> np.ndarray:
        """Share of developers on each option (providers, then self-hosting)."""
        return self.option_shares

    def mean_trust(self) -> np.ndarray:
        """Mean trust in each provider over all developers (a matrix-vector product:
        numpy's column mean over a narrow array is ~15 times slower)."""
        means: np.ndarray = np.full(self.n, 1.0 / self.n) @ self.trust
        return means

    def hedging_share(self) -> float:
        """Share of all developers who are on an API and keep a fallback because they
        distrust their provider."""
        p = self.n_providers
        used = row_pick(self.trust, np.minimum(self.choice, p - 1))
        hedges = (self.choice < p) & (used < self.cfg.hedge_threshold)
        return np.count_nonzero(hedges) / self.n
