"""Config of a scenario: its scheduled events and the default cast of labs and providers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sim.config.agents import DOMAINS, LabConfig, ProviderConfig
from sim.config.base import param
from sim.config.enums import Benchmarking, EventKind, Openness, PolicyName, Regime


@dataclass(frozen=True)
class EventConfig:
    """One scheduled event; which fields apply depends on `kind` (see sim.events)."""

    kind: EventKind = param(EventKind.revoke_access, doc="Event type.")
    at: int = param(
        1, doc="Month in which the event fires, before that month's research.", unit="month", low=1
    )
    provider: str | None = param(None, doc="revoke_access, policy_change: the provider.")
    lab: str | None = param(
        None, doc="revoke_access: the client lab; launch, release_open_weights: the lab."
    )
    duration: int | None = param(
        None, doc="revoke_access: months; null = until the end.", unit="months", low=1
    )
    capability_jump: float = param(
        0.0, doc="launch: relative capability gain in every domain.", unit="fraction", low=0.0
    )
    policy: PolicyName | None = param(None, doc="policy_change: the new policy's name.")
    regime: Regime | None = param(None, doc="regulation: the regime imposed.")
    evaluation_only: bool = param(
        False,
        doc="revoke_access: keep the client's access for benchmarking and safety evaluation "
        "and cut only building and training use (a carve-out, as in the real cutoff).",
    )
    upheld: bool | None = param(
        None, doc="ruling: true if the court upholds the misuse clause, false if it strikes it."
    )
    throttle: bool = param(
        False,
        doc="revoke_access: only throttle the client (a capacity cut: it keeps "
        "`policy.throttle_factor` of its use), instead of revoking it.",
    )
    background: bool = param(
        False,
        doc="The event belongs to the world in both arms of a paired run: "
        "`sweep.intervention` never removes it (in the history scenario, the dated "
        "restrictions other than the one under study).",
    )
    factor: float = param(
        1.0,
        doc="tighten_monitoring: the provider's monitoring is multiplied by this; "
        "cut_capacity: the share of the provider's customers cut (those who need coding "
        "most), at most 1.",
        unit="multiple",
        low=0.0,
        high=1e3,
    )


def removable(event: EventConfig, kinds: Collection[EventKind]) -> bool:
    """Whether a paired run's control arm drops `event` for an intervention of `kinds`."""
    return event.kind in kinds and not event.background


@dataclass(frozen=True)
class ScenarioConfig:
    """A named preset: its explanation and its scheduled events."""

    name: str = param("custom", doc="Preset name, recorded with the results.")
    description: str = param("", doc="One paragraph explaining the preset.")
    events: tuple[EventConfig, ...] = param(factory=tuple, doc="Scheduled events.")
    start: str = param(
        "",
        doc="Calendar month of month 1 as YYYY-MM (month 0 is the one before); empty: "
        "months are abstract.",
    )
    replay_until: int = param(
        0,
        doc="Last month whose model releases are scripted (`release_model` events); after "
        "it, labs with `release_every` > 0 release on their own.",
        unit="month",
        low=0,
    )


def _default_labs() -> dict[str, LabConfig]:
    return {
        "incumbent": LabConfig(
            label="Incumbent coding leader",
            capability={"coding": 1.25, "reasoning": 1.05, "general": 1.0},
            compute=1.5,
            benchmarking=Benchmarking.rival_api,
            intensity=0.2,
        ),
        "rival": LabConfig(
            label="Rival preparing a launch",
            capability={"coding": 1.0, "reasoning": 1.05, "general": 1.1},
            compute=1.2,
            benchmarking=Benchmarking.rival_api,
            intensity=0.8,
        ),
        "platform": LabConfig(
            label="Broad platform lab",
            capability={"coding": 0.95, "reasoning": 1.0, "general": 1.05},
            compute=1.0,
            benchmarking=Benchmarking.rival_api,
            intensity=0.3,
        ),
        "open": LabConfig(
            label="Open-weights lab",
            capability=dict.fromkeys(DOMAINS, 0.9),
            compute=1.0,
            openness=Openness.open_weights,
        ),
        "challenger": LabConfig(
            label="Challenger",
            capability=dict.fromkeys(DOMAINS, 0.8),
            compute=0.5,
            benchmarking=Benchmarking.distill,
            intensity=0.3,
            eval_investment=0.1,
        ),
    }


def _default_providers() -> dict[str, ProviderConfig]:
    return {
        "incumbent_api": ProviderConfig(
            label="Incumbent API", hosts=("incumbent",), owner="incumbent", price=1.2
        ),
        "rival_api": ProviderConfig(label="Rival API", hosts=("rival",), owner="rival"),
        "platform_api": ProviderConfig(
            label="Platform API", hosts=("platform",), owner="platform", price=0.9
        ),
        "cloud": ProviderConfig(
            label="Cloud marketplace",
            hosts=("platform", "open", "challenger"),
            price=0.8,
            reliability=0.97,
            monitoring=0.5,
        ),
    }
