"""Config of the world around the organisations: research, money, lab relations and
strategy evolution (developers: sim.config.population)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.base import param


@dataclass(frozen=True)
class ResearchConfig:
    """Capability growth and spillover channels (research phase)."""

    growth_rate: float = param(
        0.01,
        doc="Own-R&D capability growth per month at one compute unit.",
        why="frontier capability roughly doubles over five years on the defaults",
        unit="1/month",
        low=0.0,
    )
    compute_exponent: float = param(
        0.5,
        doc="Returns to compute (diminishing below 1).",
        why="power-law returns to compute (Kaplan et al. 2020)",
        low=0.0,
        high=1.0,
        low_open=True,
    )
    noise: float = param(
        0.3,
        doc="Standard deviation of the log-normal multiplier on own-R&D growth.",
        unit="log units",
        low=0.0,
    )
    spill_rival_api: float = param(
        0.05,
        doc="Share of the gap to each reachable rival closed per month at full intensity "
        "by benchmarking through its API.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_distill: float = param(
        0.12,
        doc="Same as spill_rival_api, for distillation from the rival's outputs.",
        why="distillation extracts more training signal than evaluation (ODD §7.1)",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_public: float = param(
        0.01,
        doc="Share of the gap to the public frontier closed per month from public "
        "benchmarks; needs no access.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_eval: float = param(
        0.08,
        doc="Share of the gap to the public frontier closed per month per unit of "
        "eval_investment; needs no access.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    eval_depreciation: float = param(
        0.05,
        doc="Monthly depreciation of a lab's in-house evaluation capacity (people, harnesses, "
        "private test sets).",
        why="illustrative, not estimated: benchmarks saturate and staff move within a few years",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    eval_half: float = param(
        0.5,
        doc="In-house evaluation capacity at which it yields half its maximum gain "
        "(diminishing returns: gain ~ capacity / (capacity + eval_half)).",
        why="illustrative, not estimated",
        unit="compute units",
        low=0.0,
        low_open=True,
    )
    eval_response: float = param(
        0.15,
        doc="Extra share of compute a lab invests in in-house evaluation per unit of its "
        "rival-API access lost or restricted (all of it lost = 1).",
        why="illustrative, not estimated: labs build their own evaluations when cut off",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
    )
    spill_open: float = param(
        0.04,
        doc="Share of the gap to the best open-weights model closed per month.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    eci_at_one: float = param(
        125.7,
        doc="Epoch Capabilities Index (ECI) score of capability 1.0: a lab's ECI is "
        "eci_at_one + eci_per_log * (mean over domains of log capability).",
        why="capability 1.0 is the first frontier record of the data, GPT-4 at its release "
        "in 2023-03 (Epoch AI, Epoch Capabilities Index; target CG-3)",
        unit="ECI points",
    )
    eci_per_log: float = param(
        100.0,
        doc="ECI points per unit of log capability (one ECI point is about 1% more capability).",
        why="a choice of unit, not estimated: growth rates are calibrated in these units, "
        "so only their product with this scale is identified",
        unit="ECI points",
        low=0.0,
        low_open=True,
    )


@dataclass(frozen=True)
class MarketConfig:
    """Self-hosting, revenue and reinvestment."""

    market_value: float = param(
        1.0,
        doc="Revenue of the whole developer market per month, paid to providers in "
        "proportion to their share of spend.",
        unit="compute units/month",
        low=0.0,
    )
    reinvest: float = param(
        0.5,
        doc="Share of a lab's revenue turned into next month's compute.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    marketplace_fee: float = param(
        0.3,
        doc="Share of a marketplace's revenue it keeps; the rest goes to the hosted labs.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    client_price: float = param(
        0.02,
        doc="Fee a client lab pays a provider per month per unit of API volume it sends "
        "(benchmarking, evaluation or distillation); providers earn it as they earn "
        "developers' spend.",
        why="illustrative, not estimated",
        unit="compute units/volume",
        low=0.0,
    )
    lead_premium: float = param(
        1.0,
        doc="Extra spend per developer per unit of lead (log quality) its chosen option has "
        "over the best alternative it could switch to: developers pay for quality relative "
        "to the alternatives.",
        why="illustrative, not estimated: a 10% better model sells for about 10% more",
        unit="1/log quality",
        low=0.0,
    )
    open_licence_share: float = param(
        0.1,
        doc="Share of self-hosting spend that reaches the lab whose open weights are "
        "self-hosted (licences, support, hosted fine-tuning); the rest pays for hardware.",
        why="illustrative, not estimated",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    selfhost_cost: float = param(
        0.7,
        doc="Cost of self-hosting an open-weights model.",
        unit="price units/month",
        low=0.0,
    )
    selfhost_discount: float = param(
        0.9,
        doc="Quality of a self-hosted open model relative to the same model served.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    legacy_open_quality: float = param(
        0.6,
        doc="Capability of the best open model when no lab releases open weights.",
        unit="capability index",
        low=0.0,
    )


@dataclass(frozen=True)
class RelationsConfig:
    """The lab trust graph."""

    initial_lab_trust: float = param(
        0.6, doc="Starting trust between every pair of labs.", low=0.0, high=1.0
    )
    revocation_hit: float = param(
        0.5,
        doc="Share of the revoked lab's trust in the revoking lab lost at a revocation.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    witness_hit: float = param(
        0.1,
        doc="Share of third labs' trust in the revoking lab lost at a revocation.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    retaliation_threshold: float = param(
        0.5,
        doc="A provider answers a revocation of its own lab in kind (tit_for_tat) only "
        "while its lab's trust in the revoking lab is below this.",
        why="illustrative, not estimated: one revocation (revocation_hit) crosses it, a "
        "carve-out does not",
        low=0.0,
        high=1.0,
    )
    recovery: float = param(
        0.02,
        doc="Monthly rate at which lab trust recovers toward initial_lab_trust.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class StrategyConfig:
    """Labs' strategy evolution by pairwise comparison (sim.strategies)."""

    adapt_every: int = param(
        0,
        doc="Months between strategy revisions; 0 keeps strategies fixed.",
        unit="months",
        low=0,
    )
    beta: float = param(
        20.0,
        doc="Intensity of selection of the Fermi imitation rule.",
        unit="1/payoff",
        low=0.0,
        why="pairwise comparison (Traulsen, Nowak & Pacheco 2006)",
    )
    mutation: float = param(
        0.05,
        doc="Probability a revising lab mutates instead of comparing payoffs: it switches "
        "to one of the other strategies, uniformly.",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    revenue_weight: float = param(
        1.0,
        doc="Payoff of earning the whole market's revenue for a month, relative to one "
        "percentage point of monthly capability growth.",
        low=0.0,
    )
    in_house_eval: float = param(
        0.15,
        doc="Share of compute an in_house lab spends on evaluation.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    adapt_openness: bool = param(False, doc="Imitation also copies the other lab's openness.")
    adapt_safety: bool = param(False, doc="Imitation also copies the other lab's safety share.")
    mutant_intensity: float = param(
        0.3,
        doc="API intensity a lab takes when it mutates to a strategy that needs access "
        "(rival_api, distill); an imitator copies the imitated lab's intensity instead.",
        unit="fraction",
        low=0.0,
        high=1.0,
        low_open=True,
        why="illustrative, not estimated: the median intensity of the default labs that "
        "call rivals' APIs (0.2, 0.3, 0.3, 0.8); above 0 so the mutant really plays the "
        "strategy",
    )
