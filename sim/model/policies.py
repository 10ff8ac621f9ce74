"""Access policies: how a provider treats a client lab this month.

Each policy is a small class with a `name`, traits, and one decision method,
registered in :data:`POLICIES` (the Axelrod pattern). A provider asks its policy
about every client lab each month, with what it knows in a :class:`ClientView`,
and carries out the :class:`Decision` (sim.agents.provider).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from sim.config import Benchmarking, PolicyConfig, PolicyName


class Action(Enum):
    """What a provider does to a client lab's access."""

    ALLOW = "allow"
    """Leave access as it is."""
    WARN = "warn"
    THROTTLE = "throttle"
    REVOKE = "revoke"
    FORGIVE = "forgive"
    """Clear the client's offences and lift a throttle."""
    REINSTATE = "reinstate"
    """Lift a revocation this policy imposed."""


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""
    duration: int | None = None
    """Months a revocation lasts; None = until the end of the run."""


ALLOW = Decision(Action.ALLOW)
RETALIATION = "retaliation"
"""Reason given by revocations that answer a revocation of the provider's own lab."""


@dataclass(frozen=True)
class ClientView:
    """What a provider knows about one client lab when it decides."""

    step: int
    is_rival: bool
    """The client's own models compete with the provider's hosted models."""
    detected: bool
    """This month's monitoring caught the client using the API to benchmark or distil."""
    mode: Benchmarking
    """The client's benchmarking mode, as seen when detected."""
    offences: int
    """Detections not yet forgiven, this month's included."""
    quiet_months: int
    """Months since the last detection (0 if detected now; large if never)."""
    throttled: bool
    revoked: bool
    revoked_by_policy: bool
    """The active revocation, if any, was imposed by this policy (not by a scenario event)."""
    provoked: bool
    """A provider owned by the client lab currently revokes this provider's owner."""


class AccessPolicy:
    """Base class. Subclasses set the traits and implement :meth:`decide`."""

    name: ClassVar[PolicyName]
    punishes_evaluation: ClassVar[bool]
    """Can restrict a client caught evaluating (rival_api) rather than distilling."""
    needs_detection: ClassVar[bool]
    """Restricts access only after a detection."""

    def __init__(self, params: PolicyConfig) -> None:
        self.params = params

    def decide(self, view: ClientView) -> Decision:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Permissive(AccessPolicy):
    """Never restricts anyone: the open-API benchmark."""

    name = PolicyName.permissive
    punishes_evaluation = False
    needs_detection = True

    def decide(self, view: ClientView) -> Decision:
        return ALLOW


class RevokeOnDetection(AccessPolicy):
    """Enforce the terms of service literally: revoke any client caught benchmarking."""

    name = PolicyName.revoke_on_detection
    punishes_evaluation = True
    needs_detection = True

    def decide(self, view: ClientView) -> Decision:
        if view.detected and not view.revoked:
            return Decision(Action.REVOKE, "terms violation detected", self.params.revoke_duration)
        return ALLOW


class Graduated(AccessPolicy):
    """Warn, then throttle, then revoke; forgive after `forgive_after` quiet months.

    Graduated sanctions are one of Ostrom's design principles for governing a shared
    resource (Ostrom 1990, *Governing the Commons*).
    """

    name = PolicyName.graduated
    punishes_evaluation = True
    needs_detection = True

    def decide(self, view: ClientView) -> Decision:
        if view.revoked:
            return ALLOW
        if view.detected:
            if view.offences <= 1:
                return Decision(Action.WARN, "first offence")
            if view.offences == 2:
                return Decision(Action.THROTTLE, "second offence")
            return Decision(Action.REVOKE, f"offence {view.offences}", self.params.revoke_duration)
        if view.offences > 0 and view.quiet_months >= self.params.forgive_after:
            return Decision(Action.FORGIVE, f"{view.quiet_months} quiet months")
        return ALLOW


class TitForTat(AccessPolicy):
    """Revoke a lab whose own API revoked this provider's lab; reinstate when it relents."""

    name = PolicyName.tit_for_tat
    punishes_evaluation = False
    needs_detection = False

    def decide(self, view: ClientView) -> Decision:
        if view.provoked and not view.revoked:
            return Decision(Action.REVOKE, RETALIATION)
        if view.revoked and view.revoked_by_policy and not view.provoked:
            return Decision(Action.REINSTATE, "the other side reinstated")
        return ALLOW


class Preemptive(AccessPolicy):
    """Deny every rival lab from the first month, whatever it does."""

    name = PolicyName.preemptive
    punishes_evaluation = True
    needs_detection = False

    def decide(self, view: ClientView) -> Decision:
        if view.is_rival and not view.revoked:
            return Decision(Action.REVOKE, "rivals denied")
        return ALLOW


class SafeHarbor(AccessPolicy):
    """Evaluation is allowed; only distillation is punished (a regulatory carve-out)."""

    name = PolicyName.safe_harbor
    punishes_evaluation = False
    needs_detection = True

    def decide(self, view: ClientView) -> Decision:
        if view.detected and view.mode is Benchmarking.distill and not view.revoked:
            return Decision(Action.REVOKE, "distillation detected", self.params.revoke_duration)
        return ALLOW


POLICY_CLASSES: tuple[type[AccessPolicy], ...] = (
    Permissive,
    RevokeOnDetection,
    Graduated,
    TitForTat,
    Preemptive,
    SafeHarbor,
)
POLICIES: dict[PolicyName, type[AccessPolicy]] = {cls.name: cls for cls in POLICY_CLASSES}


def make_policy(name: PolicyName, params: PolicyConfig) -> AccessPolicy:
    """The policy registered under `name` (the config only admits registered names)."""
    return POLICIES[name](params)
