"""API providers: serve hosted labs' models, monitor client labs and enforce an access policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa

from sim.config import Benchmarking, ProviderConfig
from sim.model.policies import AccessPolicy, Action, ClientView, Decision, make_policy

if TYPE_CHECKING:
    from sim.model.lab import Lab
    from sim.model.model import AccessModel


class AccessState(Enum):
    """State of a lab -> provider edge in the access graph."""

    ALLOWED = "allowed"
    THROTTLED = "throttled"
    REVOKED = "revoked"


@dataclass
class ClientRecord:
    """A provider's memory of one client lab."""

    offences: int = 0
    last_detection: int | None = None


class APIProvider(mesa.Agent):  # type: ignore[misc]
    """Sells access to the models of the labs it hosts, under an :class:`AccessPolicy`."""

    model: AccessModel

    def __init__(self, model: AccessModel, name: str, cfg: ProviderConfig) -> None:
        super().__init__(model)
        self.name = name
        self.label = cfg.label or name
        self.hosts: tuple[str, ...] = cfg.hosts
        self.owner: str | None = cfg.owner
        self.price = cfg.price
        self.reliability = cfg.reliability
        self.monitoring = cfg.monitoring
        self.policy: AccessPolicy = make_policy(
            cfg.policy or model.config.policy.name, model.config.policy
        )
        self.records: dict[str, ClientRecord] = {}
        self.volume: dict[str, float] = {}
        """API volume each client lab sends this month to benchmark or distil."""
        self.revenue = 0.0

    # --- access state lives on the access graph -------------------------------------------

    def state_of(self, lab: str) -> AccessState:
        state: AccessState = self.model.access_graph.edges[lab, self.name]["state"]
        return state

    def _set_state(self, lab: str, state: AccessState, **attrs: object) -> None:
        self.model.access_graph.add_edge(lab, self.name, state=state, **attrs)

    def is_rival(self, lab: str) -> bool:
        return lab not in self.hosts

    # --- monitoring and policy ---------------------------------------------------------------

    def monitor_clients(self, draws: dict[str, float]) -> None:
        """Detect client labs' benchmarking, then let the policy decide for each client.

        `draws` holds one uniform number per lab, drawn whether or not it is used, so
        runs that differ only in policy keep common random numbers.
        """
        step = self.model.month
        for lab in self.model.labs:
            if lab.name == self.owner:
                continue
            record = self.records.setdefault(lab.name, ClientRecord())
            volume = self.volume.get(lab.name, 0.0)
            detected = volume > 0 and draws[lab.name] < 1.0 - math.exp(-self.monitoring * volume)
            if detected:
                record.offences += 1
                record.last_detection = step
                self.model.log("detection", self.name, lab.name, lab.benchmarking.value, volume)
            edge = self.model.access_graph.edges[lab.name, self.name]
            view = ClientView(
                step=step,
                is_rival=self.is_rival(lab.name),
                detected=detected,
                mode=lab.benchmarking,
                offences=record.offences,
                quiet_months=(
                    10**9 if record.last_detection is None else step - record.last_detection
                ),
                throttled=edge["state"] is AccessState.THROTTLED,
                revoked=edge["state"] is AccessState.REVOKED,
                revoked_by_policy=edge.get("by_policy", False),
                provoked=self.model.is_provoked(self, lab),
            )
            self.apply(lab, self.policy.decide(view), by_policy=True)

    def apply(self, lab: Lab, decision: Decision, *, by_policy: bool) -> None:
        """Carry out a decision, within the regulation in force, and log it."""
        action = decision.action
        state = self.state_of(lab.name)
        restricts = action in (Action.THROTTLE, Action.REVOKE)
        if restricts and self.model.safe_harbor and lab.benchmarking is not Benchmarking.distill:
            self.model.log("warning", self.name, lab.name, "safe harbour: evaluation protected")
            return
        if action is Action.WARN:
            self.model.log("warning", self.name, lab.name, decision.reason)
        elif action is Action.THROTTLE and state is AccessState.ALLOWED:
            self._set_state(lab.name, AccessState.THROTTLED)
            self.model.log("throttle", self.name, lab.name, decision.reason)
        elif action is Action.REVOKE and state is not AccessState.REVOKED:
            self.revoke(lab, decision.reason, decision.duration, by_policy=by_policy)
        elif action is Action.FORGIVE:
            self.records[lab.name] = ClientRecord()
            if state is AccessState.THROTTLED:
                self._set_state(lab.name, AccessState.ALLOWED)
                self.model.log("reinstatement", self.name, lab.name, decision.reason)
        elif action is Action.REINSTATE and state is AccessState.REVOKED:
            self.reinstate(lab, decision.reason)

    def revoke(self, lab: Lab, reason: str, duration: int | None, *, by_policy: bool) -> None:
        """Cut `lab` off; a revocation is a public event."""
        until = None if duration is None else self.model.month + duration
        self._set_state(
            lab.name, AccessState.REVOKED, until=until, by_policy=by_policy, reason=reason
        )
        self.model.log("revocation", self.name, lab.name, reason, duration)
        self.model.on_revocation(self, lab, reason)

    def reinstate(self, lab: Lab, reason: str) -> None:
        self._set_state(lab.name, AccessState.ALLOWED, until=None, by_policy=False, reason=reason)
        self.records[lab.name] = ClientRecord()
        self.model.log("reinstatement", self.name, lab.name, reason)

    def expire_revocations(self) -> None:
        """Reinstate clients whose revocation has run its course."""
        for lab in self.model.labs:
            if lab.name == self.owner:
                continue
            edge = self.model.access_graph.edges[lab.name, self.name]
            if (
                edge["state"] is AccessState.REVOKED
                and edge.get("until") is not None
                and (edge["until"] <= self.model.month)
            ):
                self.reinstate(lab, "revocation expired")
