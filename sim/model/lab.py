"""Labs: research with diminishing returns plus spillovers through four channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config import Benchmarking, LabConfig, Openness

if TYPE_CHECKING:
    from sim.model.model import AccessModel

CHANNELS = ("rival_api", "distill", "public", "eval", "open")
"""Spillover channels, in the order of :attr:`Lab.spillover`."""


class Lab(mesa.Agent):  # type: ignore[misc]
    """A frontier lab. Capability grows from its own compute and from what it learns of rivals."""

    model: AccessModel

    def __init__(self, model: AccessModel, name: str, cfg: LabConfig) -> None:
        super().__init__(model)
        self.name = name
        self.label = cfg.label or name
        self.capability = np.array([cfg.capability[d] for d in model.config.domains], dtype=float)
        self.served = self.capability.copy() if cfg.openness is not Openness.closed else None
        self.base_compute = cfg.compute
        self.compute = cfg.compute
        self.openness = cfg.openness
        self.benchmarking = cfg.benchmarking
        self.intensity = cfg.intensity
        self.eval_investment = cfg.eval_investment
        self.safety = cfg.safety
        self.revenue = 0.0
        self.revenue_since_revision = 0.0
        self.capability_at_revision = self.capability.copy()
        self.cash = 0.0
        self.spillover = np.zeros(len(CHANNELS))
        """Capability gained this month by channel, summed over domains."""

    @property
    def uses_rival_apis(self) -> bool:
        return self.benchmarking in (Benchmarking.rival_api, Benchmarking.distill)

    def research(
        self,
        shock: np.ndarray,
        frontier: np.ndarray,
        best_open: np.ndarray,
        reachable: list[tuple[Lab, float]],
    ) -> np.ndarray:
        """Next month's capability (not yet applied, so all labs update synchronously).

        `shock` is a standard-normal draw per domain; `reachable` lists the rival labs
        whose models this lab can call this month with the share of spillover it keeps
        (1, or the throttle factor).
        """
        r = self.model.config.research
        c = self.capability
        effort = self.compute * (1.0 - self.eval_investment - self.safety)
        multiplier = np.exp(r.noise * shock - r.noise**2 / 2)  # log-normal with mean one
        own = c * r.growth_rate * effort**r.compute_exponent * multiplier

        gap_frontier = np.maximum(frontier - c, 0.0)
        api = np.zeros_like(c)
        if self.uses_rival_apis:
            for rival, factor in reachable:
                api += factor * self.intensity * np.maximum(rival.served_or_zero - c, 0.0)
        gains = np.zeros((len(CHANNELS), c.size))
        if self.benchmarking is Benchmarking.distill:
            gains[1] = r.spill_distill * api
        else:
            gains[0] = r.spill_rival_api * api
        if self.benchmarking is not Benchmarking.none:
            gains[2] = r.spill_public * gap_frontier
        gains[3] = r.spill_eval * self.eval_investment * gap_frontier
        gains[4] = r.spill_open * np.maximum(best_open - c, 0.0)
        total = gains.sum(axis=0)
        # Learning from others cannot carry a lab past the best model it learns from.
        ceiling = np.maximum(gap_frontier, np.maximum(best_open - c, 0.0))
        scale = np.divide(ceiling, total, out=np.ones_like(total), where=total > ceiling)
        gains *= scale
        self.spillover = gains.sum(axis=1)
        updated: np.ndarray = c + own + gains.sum(axis=0)
        return updated

    @property
    def served_or_zero(self) -> np.ndarray:
        return self.capability * 0.0 if self.served is None else self.served

    def release(self) -> None:
        """Providers now serve the lab's current capability (closed labs serve nothing)."""
        self.served = None if self.openness is Openness.closed else self.capability.copy()

    def launch(self, jump: float) -> None:
        """A model launch: capability rises by `jump` (relative) in every domain."""
        self.capability = self.capability * (1.0 + jump)

    def release_weights(self) -> None:
        self.openness = Openness.open_weights

    def invest(self, revenue: float) -> None:
        """Book this month's revenue and set next month's compute."""
        reinvest = self.model.config.market.reinvest
        self.revenue = revenue
        self.revenue_since_revision += revenue
        self.compute = self.base_compute + reinvest * revenue
        self.cash += (1.0 - reinvest) * revenue
