"""The world as agents see it: the public operations of :class:`sim.model.world.World`
that the model offers its agents (the access graph, the lab trust graph, news, the event
log, what providers can learn of reputations), kept apart from the month's phases."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from sim.config import Config
from sim.model.keyed import Keys
from sim.model.population import NewsItem, Population
from sim.model.provider import AccessState
from sim.model.world import Logged

if TYPE_CHECKING:
    from sim.model.lab import Lab
    from sim.model.provider import APIProvider

REPUTATION_LAG = 3
"""Months after a revocation at which providers read how trust in the revoker reacted
(a quarter: news has spread by then; ODD §7.2)."""


class PublicWorld:
    """Mixed into :class:`sim.model.model.AccessModel`, which holds the state it reads."""

    config: Config
    labs: list[Lab]
    providers: list[APIProvider]
    population: Population
    access_graph: nx.DiGraph
    lab_trust: nx.DiGraph
    streams: dict[str, np.random.Generator]
    keys: Keys
    event_log: list[dict[str, Any]]
    tally: Counter[str]
    totals: Counter[str]
    _lab_index: dict[str, int]
    _provider_index: dict[str, int]
    _pending_reactions: list[tuple[int, int, float]]
    reputation_reactions: list[float]

    @property
    def month(self) -> int:
        raise NotImplementedError

    def lab(self, name: str) -> Lab:
        return self.labs[self._lab_index[name]]

    def log(
        self,
        kind: Logged,
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

    def access_state(self, lab: str, provider: str) -> AccessState:
        state: AccessState = self.access_graph.edges[lab, provider]["state"]
        return state

    def access_attr(self, lab: str, provider: str, name: str, default: Any) -> Any:
        return self.access_graph.edges[lab, provider].get(name, default)

    def set_access(self, lab: str, provider: str, state: AccessState, **attrs: Any) -> None:
        self.access_graph.add_edge(lab, provider, state=state, **attrs)

    def provoked(self, provider: APIProvider, client: Lab) -> bool:
        """Does an API owned by `client` revoke `provider`'s own lab as a first strike, while
        that lab distrusts the client? Retaliations do not count, so two tit-for-tat
        providers do not lock each other out in an endless echo once the first strike is
        lifted."""
        owner = provider.owner
        if owner is None:
            return False
        threshold = self.config.relations.retaliation_threshold
        if self.lab_trust_of(owner, client.name) >= threshold:
            return False
        for q in self.providers:
            if q.owner == client.name:
                edge = self.access_graph.edges[owner, q.name]
                if edge["state"] is AccessState.REVOKED and not edge.get("retaliation", False):
                    return True
        return False

    def lab_trust_of(self, truster: str, trusted: str | None) -> float:
        """How much lab `truster` trusts lab `trusted` (a marketplace, None, is trusted)."""
        if trusted is None or truster == trusted:
            return 1.0
        weight: float = self.lab_trust.edges[truster, trusted]["weight"]
        return weight

    def owner_access_gain(self, provider: APIProvider) -> dict[str, float]:
        """Relative capability `provider`'s owner gained last month through each other
        lab's own API: what it would lose if that lab retaliated."""
        if provider.owner is None:
            return {}
        owner = self.lab(provider.owner)
        scale = max(float(owner.capability.sum()), 1e-12)
        return {
            q.owner: q.usage[owner.name].leak / scale
            for q in self.providers
            if q.owner is not None and owner.name in q.usage
        }

    def expected_reputation_loss(self) -> float:
        """Mean trust a revoker loses in the months after a revocation, as observed so far,
        shrunk toward the strategic providers' prior."""
        cfg = self.config.strategic
        seen = self.reputation_reactions
        return (cfg.reputation_prior * cfg.prior_weight + sum(seen)) / (
            cfg.prior_weight + len(seen)
        )

    def publish_restriction(self, provider: APIProvider, lab: Lab, *, carve_out: bool) -> None:
        """A revocation or carve-out is public: lab trust falls and the news starts to
        spread. A restriction in force from the first month is known, not news."""
        if self.month == 0:
            return
        rel, strategic = self.config.relations, self.config.strategic
        weight = strategic.carveout_provocation if carve_out else 1.0
        if provider.owner is not None:
            for other in self.labs:
                if other.name == provider.owner:
                    continue
                hit = (rel.revocation_hit if other is lab else rel.witness_hit) * weight
                self.lab_trust.edges[other.name, provider.owner]["weight"] *= 1.0 - hit
        pi = self._provider_index[provider.name]
        before = float(self.population.mean_trust()[pi])
        self._pending_reactions.append((pi, self.month, before))
        severity = self.config.population.carveout_severity if carve_out else 1.0
        self._announce(provider, self._lab_index[lab.name], severity=severity)

    def publish_reinstatement(self, provider: APIProvider) -> None:
        if self.month > 0:
            self._announce(provider, None, relief=True)

    def publish_ruling(self, provider: APIProvider) -> None:
        """A court struck down a restriction of `provider`'s: news against it."""
        self._announce(provider, None)

    def _announce(
        self, provider: APIProvider, lab: int | None, *, severity: float = 1.0, relief: bool = False
    ) -> None:
        pop = self.population
        owner = None if provider.owner is None else self._lab_index[provider.owner]
        aware = np.zeros(pop.n, dtype=bool)
        item = NewsItem(
            self._provider_index[provider.name], lab, owner, self.month, aware, severity, relief
        )
        pop.announce(item, self.keys)
        pop.combine_trust()

    def read_reputation_reactions(self) -> None:
        due = [r for r in self._pending_reactions if self.month - r[1] >= REPUTATION_LAG]
        if not due:
            return
        now = self.population.mean_trust()
        for provider, _, before in due:
            self.reputation_reactions.append(max(before - float(now[provider]), 0.0))
        self._pending_reactions = [r for r in self._pending_reactions if r not in due]
