"""Config of access decisions: the `strategic` policy's rule of thumb and the legal
environment that court rulings change (docs/ODD.md §7.2)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.base import param

RULE_OF_THUMB = "rule of thumb, not estimated (ODD §7.2)"


@dataclass(frozen=True)
class StrategicConfig:
    """How a `strategic` provider weighs an access decision, and how it tightens monitoring.

    Every value is in the provider's own units (its monthly developer revenue) and is a
    bounded-rationality rule of thumb with a documented range, not tuned to make revoking
    pay: docs/HYPOTHESES.md reports whether each finding's sign holds across the range.
    """

    horizon: int = param(
        12,
        doc="Months over which a strategic provider weighs what it expects from a decision.",
        why="annual planning; range [3, 36] in the hypotheses' robustness sweep",
        unit="months",
        low=1,
        high=600,
    )
    lead_value: float = param(
        5.0,
        doc="Share of its monthly developer revenue a provider expects to lose per unit of "
        "lead (log quality) it loses to a client's catching up.",
        why="rule of thumb: under the default logit choice a 1% quality loss for every "
        "customer costs about quality_weight/choice_noise x (1 - share) ~ 5-8% of share; "
        "range [1, 20]",
        unit="1/log quality",
        low=0.0,
        high=1e3,
    )
    trust_value: float = param(
        3.0,
        doc="Share of its monthly developer revenue a provider expects to lose per unit of "
        "mean developer trust it loses.",
        why="rule of thumb: trust_weight/choice_noise x (1 - share) on the defaults; "
        "range [0.5, 10]",
        unit="1/trust",
        low=0.0,
        high=1e3,
    )
    reputation_prior: float = param(
        0.05,
        doc="Mean trust a provider expects to lose in the months after it revokes a client, "
        "before it has observed any revocation; updated with what it observes.",
        why=RULE_OF_THUMB,
        unit="trust",
        low=0.0,
        high=1.0,
    )
    prior_weight: float = param(
        2.0,
        doc="Weight of reputation_prior, in observed revocations, in the provider's estimate.",
        why=RULE_OF_THUMB,
        unit="revocations",
        low=0.0,
        high=1e3,
        low_open=True,
    )
    carveout_legal: float = param(
        0.25,
        doc="Legal risk of an evaluation-only carve-out relative to a full revocation.",
        why="a carve-out keeps the 'standard practice' uses, so it is easier to defend "
        "(the real cutoff kept evaluation access); rule of thumb",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    carveout_provocation: float = param(
        0.5,
        doc="Retaliation a carve-out provokes relative to a full revocation.",
        why=RULE_OF_THUMB,
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    legal_penalty: float = param(
        3.0,
        doc="Months of developer revenue a provider expects to lose when a revocation is "
        "struck down (forced reinstatement, damages, costs).",
        why=RULE_OF_THUMB,
        unit="months of revenue",
        low=0.0,
        high=1e3,
    )
    monitoring_step: float = param(
        0.5,
        doc="A strategic provider raises its monitoring by this multiple of its base level "
        "each time it detects a client's leakage (stricter terms and auditing).",
        why="identity verification and audits followed detected misuse (events RV-3, RV-4)",
        unit="x base monitoring",
        low=0.0,
        high=1e3,
    )
    monitoring_cap: float = param(
        4.0,
        doc="Ceiling of tightened monitoring, as a multiple of the provider's base level.",
        why=RULE_OF_THUMB,
        unit="x base monitoring",
        low=1.0,
        high=1e3,
    )
    monitoring_relax: float = param(
        0.1,
        doc="Monthly rate at which tightened monitoring relaxes back toward its base level.",
        why=RULE_OF_THUMB,
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    monitoring_imitation: float = param(
        0.2,
        doc="Monthly rate at which a strategic provider moves its audit level (monitoring "
        "as a multiple of its base) toward that of the best-earning provider among those "
        "earning more than it does: stricter terms spread when they pay.",
        why="success-biased imitation, like the labs' strategy revision (ODD §7.7); the "
        "rate is a rule of thumb, not estimated",
        unit="1/month",
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class LegalConfig:
    """The legal environment of misuse clauses, which court rulings change for everyone."""

    revocation_risk: float = param(
        0.1,
        doc="Probability, as providers see it, that a revocation is challenged and struck "
        "down within their horizon, before any ruling.",
        why="no misuse clause had been tested in court by mid-2025; illustrative, not estimated",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    ruling_factor: float = param(
        0.5,
        doc="A ruling that upholds a misuse clause multiplies revocation_risk by this; one "
        "that strikes a clause down divides it by this (capped at 1).",
        why="illustrative, not estimated",
        unit="fraction",
        low=0.0,
        high=1.0,
        low_open=True,
    )
