"""Config of the developers: needs, preferences, trust and its news, adoption, monitoring's
false positives."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.base import param


@dataclass(frozen=True)
class PopulationConfig:
    """Developers: needs, preferences, trust and the news network."""

    n_developers: int = param(10_000, doc="Number of developers.", low=1)
    needs: dict[str, float] = param(
        factory=lambda: {"coding": 2.0, "reasoning": 1.0, "general": 1.0},
        doc="Dirichlet concentration of developers' need weights per domain.",
        low=0.0,
        low_open=True,
    )
    quality_weight: float = param(
        5.0,
        doc="Utility per unit of log need-weighted capability (so ~0.5 per 10% better).",
        unit="utility/log index",
        low=0.0,
    )
    price_sensitivity: float = param(
        1.0, doc="Median utility lost per price unit.", unit="utility/price unit", low=0.0
    )
    price_sensitivity_spread: float = param(
        0.5,
        doc="Log-normal spread of price sensitivity across developers.",
        unit="log units",
        low=0.0,
    )
    trust_weight: float = param(
        2.0, doc="Utility per unit of trust in a provider.", unit="utility", low=0.0
    )
    switching_cost: float = param(
        2.0,
        doc="Utility lost when moving to another provider.",
        why="set by hand so that about 1% of developers switch in a month on the defaults "
        "(1.1%), as 11% of builders switched vendor over 12 months (Menlo Ventures, 2025 "
        "mid-year LLM market update; target MH-1)",
        unit="utility",
        low=0.0,
    )
    choice_noise: float = param(
        0.5,
        doc="Scale of the Gumbel taste shock of the multinomial logit.",
        why="multinomial logit choice (McFadden 1974)",
        unit="utility",
        low=0.0,
        low_open=True,
    )
    revision_rate: float = param(
        0.25,
        doc="Probability a developer reconsiders its provider in a month.",
        why="developers re-evaluate their stack about quarterly",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    initial_trust: float = param(
        0.7,
        doc="Mean starting trust in every provider (Beta distributed).",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    )
    trust_concentration: float = param(
        20.0,
        doc="Concentration (a + b) of the Beta distribution of starting trust.",
        low=0.0,
        low_open=True,
    )
    trust_learning: float = param(
        0.1,
        doc="Monthly rate at which trust in the provider used moves toward its "
        "observed reliability.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    trust_recovery: float = param(
        0.02,
        doc="Monthly rate at which trust in providers not used recovers toward initial_trust.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    revocation_shock: float = param(
        0.25,
        doc="Share of trust in a provider lost on learning that it revoked a client.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    exposure_multiplier: float = param(
        1.0,
        doc="Extra shock, as a multiple of revocation_shock, for a developer who competes "
        "with the revoking provider's lab, and again for one who built on the revoked lab.",
        low=0.0,
    )
    bystander_shock: float = param(
        0.05,
        doc="Share of trust lost in every other provider (every API and marketplace; "
        "self-hosting has no provider to distrust) on learning of a revocation (platform "
        "risk is contagious).",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    competes_share: float = param(
        0.1,
        doc="Share of developers whose product competes with one lab's own products.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    social_degree: int = param(
        6, doc="Neighbours per developer in the small-world social graph (even).", low=2
    )
    social_rewiring: float = param(
        0.1,
        doc="Watts-Strogatz rewiring probability of the social graph.",
        why="small-world social networks (Watts & Strogatz 1998)",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    news_seed: float = param(
        0.05,
        doc="Share of developers who hear of a public event directly (besides the "
        "revoking provider's own clients).",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    news_transmission: float = param(
        0.3,
        doc="Monthly probability that news passes along one social tie.",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    news_horizon: int = param(
        12, doc="Months a piece of news keeps spreading.", unit="months", low=1
    )
    satisfaction_weight: float = param(
        0.5,
        doc="Weight of satisfaction (from one's own use: outages) in trust; the rest is "
        "reputation (from news: revocations, carve-outs, reinstatements, rulings).",
        why="illustrative, not estimated: the two parts weigh alike",
        low=0.0,
        high=1.0,
    )
    carveout_severity: float = param(
        0.5,
        doc="Reputation shock of news of an evaluation-only carve-out, relative to news of a "
        "full revocation.",
        why="illustrative, not estimated",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    reinstatement_relief: float = param(
        0.5,
        doc="Share of the gap between a provider's reputation and its starting level closed "
        "when a developer hears that it reinstated a client.",
        why="illustrative, not estimated",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    false_positive_rate: float = param(
        0.0005,
        doc="Monthly probability, per unit of the provider's monitoring, that an ordinary "
        "customer is wrongly flagged and cut off.",
        why="order of magnitude of event RV-11 (1.45 M accounts banned in six months by one "
        "provider, of which at least 1,700 wrongly), not a target",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    false_positive_shock: float = param(
        0.5,
        doc="Share of satisfaction with the provider a wrongly flagged developer loses.",
        why="illustrative, not estimated",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    appeal_success: float = param(
        0.033,
        doc="Probability that a wrongly flagged developer's appeal is upheld, which restores "
        "its satisfaction.",
        why="event RV-11: 1,700 of 52,000 appeals overturned (Anthropic Transparency Hub, "
        "2025-07..12)",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    adoption_months: int = param(
        0,
        doc="Months over which developers take the technology up: each enters in a month "
        "drawn uniformly from 1 to this and makes its first choice then, free of switching "
        "cost (adoption is not switching); before, it is outside the market and not counted "
        "in usage shares. 0: every developer chooses at the start.",
        why="history scenario: the enterprise market was being built in 2023-2024, so "
        "first choices were made as the models came (illustrative, not estimated)",
        unit="months",
        low=0,
    )
    size_spread: float = param(
        0.0,
        doc="Log-normal spread of developers' application scale: a developer's usage (what it "
        "spends and how much its choice weighs in usage-weighted shares) is its scale times "
        "its growth. 0: every developer the same size.",
        why="Menlo Ventures weights production usage by application scale (MS-3); the spread "
        "is illustrative, not estimated",
        unit="log units",
        low=0.0,
        high=3.0,
    )
    usage_growth: float = param(
        0.0,
        doc="Monthly growth of an in-market developer's usage, whatever its needs (usage "
        "starts at its scale when it enters).",
        why="the API market grew 2.4x from 2024-11 to 2025-07 (MS-7, Menlo Ventures); "
        "calibrated in the history scenario",
        unit="1/month",
        low=0.0,
        high=0.5,
    )
    coding_usage_growth: float = param(
        0.0,
        doc="Extra monthly growth of an in-market developer's usage per unit of its coding "
        "need weight: usage grows fastest where the work is, so the coding share of demand "
        "rises.",
        why="illustrative, not estimated: the coding share of tokens on one aggregator "
        "(DM-1, a16z and OpenRouter) is the only sourced level; its rise is for the model "
        "to say",
        unit="1/month",
        low=0.0,
        high=0.5,
    )
    selfhost_trust: float = param(
        1.0,
        doc="Trust a developer places in self-hosting, on the scale of trust in a provider: "
        "nobody can revoke a self-hosted model, but running one means owning its failures.",
        why="illustrative, not estimated: full trust (1.0) is what cannot be revoked; the "
        "history scenario calibrates it against the open-weights share (MS-5)",
        unit="trust",
        low=0.0,
        high=1.0,
    )
    hedge_threshold: float = param(
        0.5,
        doc="API users whose trust in their provider is below this keep a fallback (multi-homing).",
        low=0.0,
        high=1.0,
    )
