"""Developers as Mesa agents: thin views on the population's numpy columns.

Their decisions are computed in batch by :class:`sim.population.Population`; an
agent reads and names its own row, so `model.agents_by_type[Developer]` works for
inspection, selection and the per-agent reference in the benchmarks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model.model import AccessModel


class Developer(mesa.Agent):  # type: ignore[misc]
    """One developer: row `index` of the population's columns."""

    model: AccessModel

    def __init__(self, model: AccessModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @classmethod
    def register_all(cls, model: AccessModel, n: int) -> None:
        """Register developers 0 to `n` - 1 with `model`, one by one: Mesa's create_agents
        would also build an AgentSet of them, which the model never reads (~30 ms of a
        run's set-up)."""
        for index in range(n):
            cls(model, index)

    @property
    def needs(self) -> np.ndarray:
        return np.asarray(self.model.population.needs[self.index])

    @property
    def trust(self) -> dict[str, float]:
        row = self.model.population.trust[self.index]
        return {p.name: float(t) for p, t in zip(self.model.providers, row, strict=True)}

    @property
    def provider(self) -> str | None:
        """The provider used, or None when self-hosting open weights."""
        choice = int(self.model.population.choice[self.index])
        return self.model.providers[choice].name if choice < len(self.model.providers) else None

    @property
    def competes_with(self) -> str | None:
        lab = int(self.model.population.competes_with[self.index])
        return None if lab < 0 else self.model.labs[lab].name

    def aware_of(self, news_index: int) -> bool:
        """Has this developer heard of the `news_index`-th revocation still spreading?"""
        return bool(self.model.population.news[news_index].aware[self.index])
