"""Labs: research with diminishing returns plus spillovers through five channels, and an
in-house evaluation capacity they invest in when rivals' APIs are lost or at risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config import Benchmarking, LabConfig, Openness

if TYPE_CHECKING:
    from sim.model.model import AccessModel

CHANNELS = ("rival_api", "distill", "public", "eval", "open")
"""Spillover channels, in the order of :attr:`Lab.spillover`."""
RIVAL_API, DISTILL, PUBLIC, EVAL, OPEN = range(len(CHANNELS))


@dataclass(frozen=True)
class Route:
    """A rival model a lab can call this month: how much of its API use gets through
    (1, or the throttle factor) and whether only evaluation is allowed (a carve-out)."""

    served: np.ndarray
    share: float
    evaluation_only: bool = False


class Lab(mesa.Agent):  # type: ignore[misc]
    """A frontier lab. Capability grows from its own compute and from what it learns of rivals."""

    model: AccessModel

    def __init__(self, model: AccessModel, name: str, cfg: LabConfig) -> None:
        super().__init__(model)
        self.name = name
        self.label = cfg.label or name
        self.capability = np.array([cfg.capability[d] for d in model.config.domains], dtype=float)
        self.pace = np.array([cfg.pace[d] for d in model.config.domains], dtype=float)
        """Multiplier per domain on own-R&D growth: the lab's focus and efficiency."""
        self.building = cfg.building
        self.release_every = cfg.release_every
        self.release_due = False
        """Set by a scripted release (or by the lab's own cadence): release this month."""
        self.last_release: int | None = None
        self.served: np.ndarray | None = None
        """The capability providers serve: the last release (None: nothing served)."""
        if cfg.release_every == 0 and cfg.openness is not Openness.closed:
            self.served = self.capability.copy()
        self.base_compute = cfg.compute
        self.compute = cfg.compute
        self.openness = cfg.openness
        self.benchmarking = cfg.benchmarking
        self.intensity = cfg.intensity
        self.eval_investment = cfg.eval_investment
        """Share of compute spent on in-house evaluation when no access is at risk."""
        self.safety = cfg.safety
        research = model.config.research
        self.eval_capacity = (
            cfg.eval_investment * cfg.compute / max(research.eval_depreciation, 1e-9)
        )
        """In-house evaluation capacity: a stock that depreciates (starts at its steady state)."""
        self.eval_share = cfg.eval_investment
        """Share of compute spent on in-house evaluation this month."""
        self.revenue = 0.0
        """Developer revenue this month (first-party API, marketplace split, open licences)."""
        self.api_spend = 0.0
        """Fees this lab paid this month for API volume at rivals' providers."""
        self.developer_revenue = 0.0
        self.client_fees = 0.0
        """Fees its first-party API earned from other labs this month."""
        self.revenue_since_revision = 0.0
        self.capability_at_revision = self.capability.copy()
        self.spillover = np.zeros(len(CHANNELS))
        """Capability gained this month by channel, summed over domains."""

    @property
    def uses_rival_apis(self) -> bool:
        return self.benchmarking in (Benchmarking.rival_api, Benchmarking.distill)

    def invest_in_evaluation(self, restricted: float) -> None:
        """Set this month's evaluation share from the share of its rival-API access that is
        lost or restricted (0-1), and add the spend to the depreciating capacity."""
        r = self.model.config.research
        room = max(0.95 - self.safety, 0.0)
        self.eval_share = min(self.eval_investment + r.eval_response * restricted, room)
        self.eval_capacity = (1.0 - r.eval_depreciation) * self.eval_capacity + (
            self.eval_share * self.compute
        )

    def research(
        self,
        shock: np.ndarray,
        frontier: np.ndarray,
        best_open: np.ndarray,
        routes: list[Route],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Next month's capability (not yet applied, so all labs update synchronously), and
        the capability gained through each route, summed over domains (the leakage each
        provider suffers).

        `shock` is a standard-normal draw per domain.
        """
        r = self.model.config.research
        c = self.capability
        effort = self.compute * (1.0 - self.eval_share - self.safety)
        multiplier = np.exp(r.noise * shock - r.noise**2 / 2)  # log-normal with mean one
        own = c * r.growth_rate * self.pace * effort**r.compute_exponent * multiplier

        gap_frontier = np.maximum(frontier - c, 0.0)
        gains = np.zeros((len(CHANNELS), c.size))
        per_route = np.zeros((len(routes), c.size))
        if self.uses_rival_apis:
            for k, route in enumerate(routes):
                distil = self.benchmarking is Benchmarking.distill and not route.evaluation_only
                spill = r.spill_distill if distil else r.spill_rival_api
                per_route[k] = (
                    spill * route.share * self.intensity * np.maximum(route.served - c, 0.0)
                )
                gains[DISTILL if distil else RIVAL_API] += per_route[k]
        if self.benchmarking is not Benchmarking.none:
            gains[PUBLIC] = r.spill_public * gap_frontier
        capacity = self.eval_capacity / (self.eval_capacity + r.eval_half)
        gains[EVAL] = r.spill_eval * capacity * gap_frontier
        gains[OPEN] = r.spill_open * np.maximum(best_open - c, 0.0)
        total = gains.sum(axis=0)
        # Learning from others cannot carry a lab past the best model it learns from.
        ceiling = np.maximum(gap_frontier, np.maximum(best_open - c, 0.0))
        scale = np.divide(ceiling, total, out=np.ones_like(total), where=total > ceiling)
        gains *= scale
        per_route *= scale
        self.spillover = gains.sum(axis=1)
        updated: np.ndarray = c + own + gains.sum(axis=0)
        return updated, per_route.sum(axis=1)

    @property
    def payoff(self) -> float:
        """This month's revenue (developers and client fees) less the API fees it paid."""
        return self.revenue - self.api_spend

    @property
    def served_or_zero(self) -> np.ndarray:
        return self.capability * 0.0 if self.served is None else self.served

    @property
    def releases_continuously(self) -> bool:
        return self.release_every == 0

    def release(self) -> None:
        """Providers now serve the lab's current capability (closed labs serve nothing)."""
        self.served = None if self.openness is Openness.closed else self.capability.copy()
        self.release_due = False
        self.last_release = self.model.month

    def due_on_its_own(self, month: int) -> bool:
        """After the replay, a lab with releases releases `release_every` months after its
        last one (a lab not yet on the market by then never enters)."""
        return (
            self.release_every > 0
            and self.last_release is not None
            and month - self.last_release >= self.release_every
        )

    @property
    def open_weights_served(self) -> np.ndarray | None:
        """The released open weights anyone may run or learn from (None: none released)."""
        return self.served if self.openness is Openness.open_weights else None

    def launch(self, jump: float) -> None:
        """A model launch: capability rises by `jump` (relative) in every domain."""
        self.capability = self.capability * (1.0 + jump)

    def release_weights(self) -> None:
        self.openness = Openness.open_weights

    def book(self, revenue: float, api_spend: float) -> None:
        """Book this month's revenue and the API fees it paid."""
        self.revenue = revenue
        self.api_spend = api_spend

    def invest(self, market_size: float = 1.0) -> None:
        """Set next month's compute: the base budget plus the reinvested share of revenue,
        less the API fees paid. Revenue is deflated by the market's size once the market
        is past its starting size (`market_size` > 1): a growing market raises every lab's
        budget and costs alike, so what buys a lab research relative to its rivals is its
        share of the market, not the market's growth (without it, compute and capability
        would compound with demand without bound)."""
        reinvest = self.model.config.market.reinvest
        self.revenue_since_revision += self.revenue
        funded = reinvest * self.revenue / max(market_size, 1.0)
        self.compute = max(self.base_compute + funded - self.api_spend, 0.0)
