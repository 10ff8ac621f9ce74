"""What the model offers its agents: the narrow, public face of the world they act in.

Agents never reach into the model's private state; they read and change the world only
through these operations (typing only: :class:`sim.model.model.AccessModel` implements
them). Anything an agent does that others must react to, such as a revocation becoming
news, goes through a named operation the model handles.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sim.config import Config
    from sim.model.lab import Lab
    from sim.model.provider import AccessState, APIProvider


class Logged(StrEnum):
    """Kinds of event in the event log (events.parquet) and the month's tallies."""

    detection = "detection"
    warning = "warning"
    throttle = "throttle"
    carve_out = "carve_out"
    revocation = "revocation"
    retaliation = "retaliation"
    reinstatement = "reinstatement"
    launch = "launch"
    release = "release"
    model_release = "model_release"
    policy_change = "policy_change"
    regulation = "regulation"
    ruling = "ruling"
    strategy_change = "strategy_change"
    outage = "outage"
    false_positive = "false_positive"
    appeal_upheld = "appeal_upheld"
    disaster = "disaster"
    capacity_cut = "capacity_cut"


class World(Protocol):
    config: Config
    labs: list[Lab]

    @property
    def month(self) -> int: ...

    @property
    def evaluation_protected(self) -> bool:
        """A safe harbour for evaluation is in force: only distillation may be punished."""
        ...

    @property
    def legal_risk(self) -> float:
        """Probability that a revocation is struck down, as court rulings have left it."""
        ...

    def log(
        self,
        kind: Logged,
        actor: str | None,
        target: str | None,
        reason: str = "",
        value: float | None = None,
    ) -> None: ...

    def access_state(self, lab: str, provider: str) -> AccessState: ...

    def access_attr(self, lab: str, provider: str, name: str, default: Any) -> Any: ...

    def set_access(self, lab: str, provider: str, state: AccessState, **attrs: Any) -> None: ...

    def provoked(self, provider: APIProvider, client: Lab) -> bool: ...

    def lab_trust_of(self, truster: str, trusted: str | None) -> float: ...

    def owner_access_gain(self, provider: APIProvider) -> dict[str, float]: ...

    def expected_reputation_loss(self) -> float: ...

    def publish_restriction(self, provider: APIProvider, lab: Lab, *, carve_out: bool) -> None: ...

    def publish_reinstatement(self, provider: APIProvider) -> None: ...
