"""Config of the organisations: labs, API providers and the access policy they share."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.base import param
from sim.config.enums import Benchmarking, Openness, PolicyName

DOMAINS = ("coding", "reasoning", "general")


@dataclass(frozen=True)
class LabConfig:
    """One frontier lab: starting capability, budget and strategy."""

    label: str = param("", doc="Human-readable archetype, used in figures and reports.")
    capability: dict[str, float] = param(
        factory=lambda: dict.fromkeys(DOMAINS, 1.0),
        doc="Starting capability per domain; 1.0 is the default starting frontier.",
        unit="capability index",
        low=0.0,
        low_open=True,
    )
    compute: float = param(
        1.0, doc="Own R&D budget per month before revenue.", unit="compute units/month", low=0.0
    )
    openness: Openness = param(
        Openness.api,
        doc="closed: internal only; api: sold through providers; "
        "open_weights: weights released, so anyone may self-host or learn from them.",
    )
    benchmarking: Benchmarking = param(
        Benchmarking.public_only, doc="How the lab learns from rivals' models."
    )
    intensity: float = param(
        0.0,
        doc="API volume used to benchmark or distil each reachable rival model, as a fraction "
        "of the maximum; drives both spillover and detection.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    eval_investment: float = param(
        0.0,
        doc="Share of compute spent on in-house evaluation, a costly substitute for rival "
        "benchmarking that needs no access.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    safety: float = param(
        0.0,
        doc="Share of compute spent on safety rather than capability.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    pace: dict[str, float] = param(
        factory=lambda: dict.fromkeys(DOMAINS, 1.0),
        doc="Multiplier per domain on the lab's own-R&D growth (`research.growth_rate`): its "
        "research focus and efficiency. 1.0 in every domain: an archetype with no focus.",
        why="history scenario: each lab's growth of its per-domain index 2023-01..2025-06 "
        "over the mean of all labs' (Epoch AI, Benchmarking Hub and ECI; "
        "sim.calibration.domains)",
        unit="multiple",
        low=0.0,
        high=20.0,
    )
    building: float = param(
        0.0,
        doc="Share of the lab's rival-API use that builds with the rival's models (its coding "
        "tools in the lab's own development) rather than evaluating them: an evaluation-only "
        "carve-out removes this share of its spillover and volume, and keeps the rest.",
        why="illustrative, not estimated: RV-7 cut the rival's staff off the coding tools "
        "while keeping benchmarking and safety evaluation, so part of its use was building",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    discount: float = param(
        0.0,
        doc="Share of quality developers discount from this lab's models whoever serves them "
        "(the reluctance towards Chinese providers' models that MS-5 reports).",
        why="history scenario: MS-5's reasons for the open-weights share falling (Menlo "
        "Ventures, 2025 mid-year update); the size is calibrated or illustrative (docs/ODD.md "
        "§6.1)",
        unit="fraction",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    release_every: int = param(
        0,
        doc="Months between the lab's model releases: providers serve the capability of its "
        "last release. 0: they serve its current capability every month (the archetypes). "
        "A lab with releases serves nothing before its first `release_model` event; after "
        "`scenario.replay_until` it releases on its own, this many months after the last.",
        why="history scenario: each lab's median interval between its releases up to "
        "2025-06 (Epoch AI, Epoch Capabilities Index)",
        unit="months",
        low=0,
    )


@dataclass(frozen=True)
class ProviderConfig:
    """An API provider: a lab's first-party API or a marketplace hosting several labs."""

    label: str = param("", doc="Human-readable name, used in figures and reports.")
    hosts: tuple[str, ...] = param(
        factory=tuple, doc="Labs whose models the provider serves (names of `labs`)."
    )
    owner: str | None = param(
        None, doc="The lab that owns a first-party API; null for a marketplace."
    )
    price: float = param(
        1.0, doc="Price per developer-month.", unit="price units/month", low=0.0, low_open=True
    )
    reliability: float = param(
        0.95,
        doc="Share of months the service works as promised.",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    monitoring: float = param(
        1.0,
        doc="Detection hazard: a client lab using volume x is detected with probability "
        "1 - exp(-monitoring * x) per month.",
        unit="1/volume",
        low=0.0,
    )
    policy: PolicyName | None = param(
        None, doc="Access policy of this provider; null means the run's default `policy.name`."
    )
    may_revoke: bool = param(
        True,
        doc="false: the provider's policy may warn and throttle but never revoke or cut a "
        "client to evaluation only (the counterfactual of a strategic provider).",
    )


@dataclass(frozen=True)
class PolicyConfig:
    """The default access policy and the parameters all policies share."""

    name: PolicyName = param(
        PolicyName.permissive, doc="Access policy applied by providers that do not name their own."
    )
    revoke_duration: int | None = param(
        12,
        doc="Months a policy revocation (or carve-out) blocks the client's research; null "
        "means until the end of the run.",
        unit="months",
        low=1,
    )
    forgive_after: int = param(
        6,
        doc="graduated: quiet months after which a client's offences are forgiven.",
        why="graduated sanctions with forgiveness (Ostrom 1990)",
        unit="months",
        low=1,
    )
    throttle_factor: float = param(
        0.5,
        doc="Share of API spillover a throttled client still gets.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
