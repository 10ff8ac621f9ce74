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

from sim.config import Benchmarking, PolicyConfig, PolicyName, StrategicConfig


class Action(Enum):
    """What a provider does to a client lab's access."""

    ALLOW = "allow"
    """Leave access as it is."""
    WARN = "warn"
    THROTTLE = "throttle"
    CARVE_OUT = "carve_out"
    """Keep access for benchmarking and safety evaluation only; cut building use."""
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
    """Months a revocation or carve-out lasts; None = until the end of the run."""
    retaliation: bool = False
    """The decision answers a revocation of the provider's own lab (not a first strike)."""


ALLOW = Decision(Action.ALLOW)
RESTRICTIONS = (Action.THROTTLE, Action.CARVE_OUT, Action.REVOKE)


@dataclass(frozen=True)
class Stakes:
    """What a provider expects to gain or lose by restricting one client, in its own units:
    its monthly developer revenue, the lead (log quality) its models hold, and trust."""

    revenue: float
    """The provider's developer revenue last month."""
    leak: float
    """Lead the client gains per month from the provider's models at full access, as the
    provider estimates it from the volume and use its monitoring saw."""
    eval_leak: float
    """The part of `leak` that evaluation alone carries (what a carve-out leaves)."""
    fee: float
    """The client's monthly API fee."""
    own_access: float
    """Lead the provider's owner gains per month through the client's own API."""
    retaliation_risk: float
    """Probability the client answers a full revocation in kind (1 - its trust in the
    provider's owner, from the lab trust graph)."""
    reputation_loss: float
    """Mean developer trust the provider expects to lose after a revocation, learned from
    how trust reacted to past revocations (its own and others')."""
    legal_risk: float
    """Probability a revocation is struck down within the horizon, as rulings left it."""
    carveout_news: float
    """Reputation shock of news of a carve-out relative to a revocation."""


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
    """A provider owned by the client lab currently revokes this provider's owner as a
    first strike, and the owner distrusts the client (lab trust below the threshold)."""
    carved_out: bool = False
    """The client has evaluation-only access."""
    may_revoke: bool = True
    """The provider may revoke or carve out (false in a strategic provider's counterfactual)."""
    stakes: Stakes | None = None
    """What is at stake (filled in for policies that weigh it)."""


class AccessPolicy:
    """Base class. Subclasses set the traits and implement :meth:`decide`."""

    name: ClassVar[PolicyName]
    punishes_evaluation: ClassVar[bool]
    """Can restrict a client caught evaluating (rival_api) rather than distilling."""
    needs_detection: ClassVar[bool]
    """Restricts access only after a detection."""
    weighs_stakes: ClassVar[bool] = False
    """Decides by weighing the stakes (the provider fills in ClientView.stakes)."""
    tightens_monitoring: ClassVar[bool] = False
    """Raises its monitoring after each detection (stricter terms and auditing)."""

    def __init__(self, params: PolicyConfig, strategic: StrategicConfig | None = None) -> None:
        self.params = params
        self.strategic = strategic or StrategicConfig()

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
            return Decision(Action.REVOKE, "retaliation", retaliation=True)
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


class Strategic(AccessPolicy):
    """Weigh what a restriction protects against what it costs, over a stated horizon.

    For a client whose leakage it has just detected, the provider compares allow,
    throttle, an evaluation-only carve-out and revoke by their expected value over
    `strategic.horizon` months H (S = H(H+1)/2 weighs a loss that grows month by month):

        V(a) = - lead_value * R * leak_kept(a) * S          lead eroded by leakage
               + fee * fee_kept(a) * H                      client fees kept
               - trust_value * R * reputation_loss * news(a) * H
               - provocation(a) * retaliation_risk * lead_value * R * own_access * S
               - legal_penalty * R * legal_risk * legal(a)

    and takes the best (ties to the least restrictive). A bounded-rationality rule with
    its own parameters (docs/ODD.md §7.2), not an optimisation over the model.
    """

    name = PolicyName.strategic
    punishes_evaluation = True
    needs_detection = True
    weighs_stakes = True
    tightens_monitoring = True

    def values(self, view: ClientView) -> dict[Action, float]:
        """Expected value of each action the provider may take (allow is the reference)."""
        s, p = view.stakes, self.strategic
        assert s is not None  # a strategic provider always fills in the stakes
        h = p.horizon
        grows = h * (h + 1) / 2
        tf = self.params.throttle_factor
        carve = s.eval_leak / s.leak if s.leak > 0 else 1.0
        options = {  # action: (leak kept, fee kept, news, provocation, legal)
            Action.ALLOW: (1.0, 1.0, 0.0, 0.0, 0.0),
            Action.THROTTLE: (tf, tf, 0.0, 0.0, 0.0),
            Action.CARVE_OUT: (
                carve,
                1.0,
                s.carveout_news,
                p.carveout_provocation,
                p.carveout_legal,
            ),
            Action.REVOKE: (0.0, 0.0, 1.0, 1.0, 1.0),
        }
        if not view.may_revoke:
            del options[Action.CARVE_OUT], options[Action.REVOKE]
        r = max(s.revenue, 1e-9)
        return {
            action: -p.lead_value * r * s.leak * leak * grows
            + s.fee * fee * h
            - p.trust_value * r * s.reputation_loss * news * h
            - provocation * s.retaliation_risk * p.lead_value * r * s.own_access * grows
            - p.legal_penalty * r * s.legal_risk * legal
            for action, (leak, fee, news, provocation, legal) in options.items()
        }

    def decide(self, view: ClientView) -> Decision:
        if not view.detected or view.revoked or view.carved_out:
            return ALLOW
        values = self.values(view)
        best = max(values, key=lambda a: (values[a], -list(values).index(a)))
        if best is Action.ALLOW and view.throttled:
            return Decision(Action.FORGIVE, "strategic: allowing pays again")
        if best is Action.ALLOW or (best is Action.THROTTLE and view.throttled):
            return ALLOW
        gain = values[best] - values[Action.ALLOW]
        return Decision(best, f"strategic: {gain:+.3g} vs allowing", self.params.revoke_duration)


POLICY_CLASSES: tuple[type[AccessPolicy], ...] = (
    Permissive,
    RevokeOnDetection,
    Graduated,
    TitForTat,
    Preemptive,
    SafeHarbor,
    Strategic,
)
POLICIES: dict[PolicyName, type[AccessPolicy]] = {cls.name: cls for cls in POLICY_CLASSES}


def make_policy(
    name: PolicyName, params: PolicyConfig, strategic: StrategicConfig | None = None
) -> AccessPolicy:
    """The policy registered under `name` (the config only admits registered names)."""
    return POLICIES[name](params, strategic)
