"""API providers: serve hosted labs' models, monitor client labs and enforce an access policy.

A provider talks to the world only through :class:`sim.model.world.World`, the narrow set
of public operations the model offers its agents (the access graph, news, the log, the
legal and regulatory environment), never through the model's private state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config import Benchmarking, ProviderConfig, StrategicConfig
from sim.model.policies import (
    RESTRICTIONS,
    AccessPolicy,
    Action,
    ClientView,
    Decision,
    Stakes,
    make_policy,
)
from sim.model.world import Logged

if TYPE_CHECKING:
    from sim.model.lab import Lab
    from sim.model.world import World


class AccessState(Enum):
    """State of a lab -> provider edge in the access graph."""

    ALLOWED = "allowed"
    THROTTLED = "throttled"
    EVALUATION_ONLY = "evaluation_only"
    """Benchmarking and safety evaluation only; building and training use cut."""
    REVOKED = "revoked"


@dataclass
class ClientRecord:
    """A provider's memory of one client lab."""

    offences: int = 0
    last_detection: int | None = None


@dataclass
class Usage:
    """A client lab's use of the provider's API this month."""

    volume: float = 0.0
    mode: Benchmarking = Benchmarking.none
    leak: float = 0.0
    """Capability the client gained from the provider's models this month (summed over
    domains): the provider's leakage."""


class APIProvider(mesa.Agent):  # type: ignore[misc]
    """Sells access to the models of the labs it hosts, under an :class:`AccessPolicy`."""

    model: World

    def __init__(self, model: World, name: str, cfg: ProviderConfig) -> None:
        super().__init__(model)
        self.name = name
        self.label = cfg.label or name
        self.hosts: tuple[str, ...] = cfg.hosts
        self.owner: str | None = cfg.owner
        self.price = cfg.price
        self.reliability = cfg.reliability
        self.base_monitoring = cfg.monitoring
        self.monitoring = cfg.monitoring
        self.may_revoke = cfg.may_revoke
        config = model.config
        self.policy: AccessPolicy = make_policy(
            cfg.policy or config.policy.name, config.policy, config.strategic
        )
        self.records: dict[str, ClientRecord] = {}
        self.usage: dict[str, Usage] = {}
        """Each client lab's API use this month (benchmarking, evaluation, distillation)."""
        self.developer_revenue = 0.0
        self.client_fees = 0.0
        self.lead = 0.0
        """Mean quality lead (log) of its customers' option over their best alternative."""
        self.payoff = 0.0
        """What it keeps this month: all its revenue if a lab owns it; a marketplace keeps
        its fee on developer spend and the client fees."""

    @property
    def revenue(self) -> float:
        return self.developer_revenue + self.client_fees

    def set_policy(self, policy: AccessPolicy) -> None:
        self.policy = policy

    # --- access state lives on the world's access graph -----------------------------------

    def state_of(self, lab: str) -> AccessState:
        return self.model.access_state(lab, self.name)

    def is_rival(self, lab: str) -> bool:
        return lab not in self.hosts

    def served_best(self) -> np.ndarray:
        """Per domain, the best capability among the models it serves."""
        served = [lab.served_or_zero for lab in self.model.labs if lab.name in self.hosts]
        return np.max(served, axis=0)

    # --- monitoring and policy ---------------------------------------------------------------

    @property
    def audit_level(self) -> float:
        """Monitoring as a multiple of the provider's base level (1 when it has none)."""
        return self.monitoring / self.base_monitoring if self.base_monitoring else 1.0

    def monitor_clients(self, draws: dict[str, float]) -> None:
        """Detect client labs' benchmarking, then let the policy decide for each client.

        `draws` holds one uniform number per lab, drawn whether or not it is used, so
        runs that differ only in policy keep common random numbers.
        """
        world = self.model
        step = world.month
        if self.policy.tightens_monitoring:
            relax = world.config.strategic.monitoring_relax
            self.monitoring += relax * (self.base_monitoring - self.monitoring)
        for lab in world.labs:
            if lab.name == self.owner:
                continue
            record = self.records.setdefault(lab.name, ClientRecord())
            use = self.usage.get(lab.name, Usage())
            state = self.state_of(lab.name)
            # Under a carve-out evaluation is permitted: only building use is an offence.
            offending = use.volume > 0 and state is not AccessState.EVALUATION_ONLY
            hazard = 1.0 - math.exp(-self.monitoring * use.volume)
            detected = offending and draws[lab.name] < hazard
            if detected:
                record.offences += 1
                record.last_detection = step
                world.log(Logged.detection, self.name, lab.name, use.mode.value, use.volume)
                if self.policy.tightens_monitoring:
                    cap = world.config.strategic.monitoring_cap * self.base_monitoring
                    step_up = world.config.strategic.monitoring_step * self.base_monitoring
                    self.monitoring = min(self.monitoring + step_up, cap)
            view = ClientView(
                step=step,
                is_rival=self.is_rival(lab.name),
                detected=detected,
                mode=use.mode if detected else lab.benchmarking,
                offences=record.offences,
                quiet_months=(
                    10**9 if record.last_detection is None else step - record.last_detection
                ),
                throttled=state is AccessState.THROTTLED,
                revoked=state is AccessState.REVOKED,
                revoked_by_policy=world.access_attr(lab.name, self.name, "by_policy", False),
                provoked=world.provoked(self, lab),
                carved_out=state is AccessState.EVALUATION_ONLY,
                may_revoke=self.may_revoke,
                stakes=self.stakes(lab, use) if self.policy.weighs_stakes and detected else None,
            )
            self.apply(lab, self.policy.decide(view), by_policy=True)

    def stakes(self, client: Lab, use: Usage) -> Stakes:
        """What restricting `client` protects and risks, as this provider can know it: the
        volume and use its monitoring saw, public capabilities, its own revenue, the lab
        trust graph, observed reactions to past revocations, and the legal environment."""
        world = self.model
        r = world.config.research
        served = self.served_best()
        gap = np.maximum(served - client.capability, 0.0) / client.capability
        eval_leak = r.spill_rival_api * use.volume * float(gap.mean())
        spill = r.spill_distill if use.mode is Benchmarking.distill else r.spill_rival_api
        own = world.owner_access_gain(self)
        return Stakes(
            revenue=self.developer_revenue,
            leak=spill * use.volume * float(gap.mean()),
            eval_leak=eval_leak,
            fee=world.config.market.client_price * use.volume,
            own_access=own.get(client.name, 0.0),
            retaliation_risk=1.0 - world.lab_trust_of(client.name, self.owner),
            reputation_loss=world.expected_reputation_loss(),
            legal_risk=world.legal_risk,
            carveout_news=world.config.population.carveout_severity,
        )

    def apply(self, lab: Lab, decision: Decision, *, by_policy: bool) -> None:
        """Carry out a decision, within the regulation in force, and log it."""
        world = self.model
        action = decision.action
        state = self.state_of(lab.name)
        if by_policy and not self.may_revoke and action in (Action.REVOKE, Action.CARVE_OUT):
            return
        if (
            action in RESTRICTIONS
            and world.evaluation_protected
            and lab.benchmarking is not Benchmarking.distill
        ):
            world.log(Logged.warning, self.name, lab.name, "safe harbour: evaluation protected")
            return
        if action is Action.WARN:
            world.log(Logged.warning, self.name, lab.name, decision.reason)
        elif action is Action.THROTTLE and state is AccessState.ALLOWED:
            world.set_access(lab.name, self.name, AccessState.THROTTLED)
            world.log(Logged.throttle, self.name, lab.name, decision.reason)
        elif action in (Action.REVOKE, Action.CARVE_OUT) and state is not AccessState.REVOKED:
            if action is Action.CARVE_OUT and state is AccessState.EVALUATION_ONLY:
                return
            self.restrict(lab, decision, by_policy=by_policy)
        elif action is Action.FORGIVE:
            self.records[lab.name] = ClientRecord()
            if state is AccessState.THROTTLED:
                world.set_access(lab.name, self.name, AccessState.ALLOWED)
                world.log(Logged.reinstatement, self.name, lab.name, decision.reason)
        elif action is Action.REINSTATE and state is AccessState.REVOKED:
            self.reinstate(lab, decision.reason)

    def restrict(self, lab: Lab, decision: Decision, *, by_policy: bool) -> None:
        """Revoke `lab` or cut it to evaluation only; either is public news.

        A policy decides after the month's research, so its restriction first blocks next
        month's research: it lasts `duration` research months, like a scheduled one."""
        world = self.model
        duration = decision.duration
        until = None if duration is None else world.month + duration + int(by_policy)
        carve = decision.action is Action.CARVE_OUT
        state = AccessState.EVALUATION_ONLY if carve else AccessState.REVOKED
        # A carve-out of a throttled client keeps the throttle on what is left (evaluation).
        throttled = world.access_state(lab.name, self.name) is AccessState.THROTTLED
        world.set_access(
            lab.name,
            self.name,
            state,
            until=until,
            by_policy=by_policy,
            retaliation=decision.retaliation,
            throttled=carve and throttled,
        )
        kind = Logged.carve_out if carve else Logged.revocation
        world.log(kind, self.name, lab.name, decision.reason, duration)
        if decision.retaliation:
            world.log(Logged.retaliation, self.name, lab.name, decision.reason)
        world.publish_restriction(self, lab, carve_out=carve)

    def reinstate(self, lab: Lab, reason: str, *, news: bool = True) -> None:
        world = self.model
        world.set_access(
            lab.name, self.name, AccessState.ALLOWED, until=None, by_policy=False, throttled=False
        )
        self.records[lab.name] = ClientRecord()
        world.log(Logged.reinstatement, self.name, lab.name, reason)
        if news:
            world.publish_reinstatement(self)

    def expire_restrictions(self) -> None:
        """Reinstate clients whose revocation or carve-out has run its course."""
        world = self.model
        for lab in world.labs:
            if lab.name == self.owner:
                continue
            until = world.access_attr(lab.name, self.name, "until", None)
            state = self.state_of(lab.name)
            restricted = state in (AccessState.REVOKED, AccessState.EVALUATION_ONLY)
            if restricted and until is not None and until <= world.month:
                self.reinstate(lab, "restriction expired")


def imitate_audits(providers: Sequence[APIProvider], rule: StrategicConfig) -> None:
    """Stricter terms spread when they pay: each provider whose policy tightens monitoring
    moves its audit level (monitoring as a multiple of its base) toward that of the
    best-earning provider among those that earned more than it did this month, at the
    rate `rule.monitoring_imitation`, up to `rule.monitoring_cap`. Synchronous: every
    provider compares the levels and payoffs of the month before anyone moves."""
    if rule.monitoring_imitation == 0:
        return
    seen = [(p.payoff, p.audit_level, p.name) for p in providers]
    for p in providers:
        if not p.policy.tightens_monitoring or p.base_monitoring == 0:
            continue
        richer = [(pay, level) for pay, level, name in seen if pay > p.payoff and name != p.name]
        if not richer:
            continue
        target = max(richer)[1]
        level = p.audit_level + rule.monitoring_imitation * (target - p.audit_level)
        p.monitoring = p.base_monitoring * min(level, rule.monitoring_cap)
