"""Safety and disasters (docs/ODD.md §7.8): the DSAIR link between a lab's safety share and
the race (Han, Pereira, Santos & Lenaerts 2020). Off by default (`disaster_risk = 0`)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.base import param


@dataclass(frozen=True)
class SafetyConfig:
    """How skimping on safety risks a disaster that sets a lab's capability back."""

    disaster_risk: float = param(
        0.0,
        doc="Monthly probability of a disaster for a lab that spends nothing on safety; it "
        "falls linearly with the safety share, to 0 at safe_share. 0 switches disasters off.",
        unit="probability/month",
        low=0.0,
        high=1.0,
        why="illustrative, not estimated: DSAIR's p_r (Han et al. 2020) spread over months; "
        "0 by default so that runs are unchanged unless it is set",
    )
    safe_share: float = param(
        0.1,
        doc="Safety share of compute at and above which a lab runs no disaster risk (DSAIR's "
        "SAFE developer).",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        why="illustrative, not estimated; for scale, OpenAI pledged 20% of its compute "
        "secured to date to superalignment in July 2023",
    )
    disaster_setback: float = param(
        0.3,
        doc="Fraction of its capability, in every domain, that a lab loses in a disaster.",
        unit="fraction of capability",
        low=0.0,
        high=1.0,
        high_open=True,
        why="illustrative, not estimated: DSAIR's disaster loses the whole race (setback 1); "
        "a partial setback keeps the lab in the market",
    )
