"""Scenario events, scheduled on Mesa's event list.

An event due in month t fires at model time t - 1/2: after month t-1 has closed
and been recorded, before month t's research (docs/ODD.md §3, phase 1). Each event
type is a small frozen class built from an :class:`EventConfig` and registered
in :data:`EVENT_TYPES` by its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from mesa.time import Event

from sim.config import Benchmarking, EventConfig, EventKind, PolicyName, Regime
from sim.model.policies import Action, Decision, make_policy
from sim.model.provider import AccessState
from sim.model.world import Logged

if TYPE_CHECKING:
    from sim.model.model import AccessModel


@dataclass(frozen=True)
class ScenarioEvent:
    kind: ClassVar[EventKind]
    at: int

    @classmethod
    def from_config(cls, cfg: EventConfig) -> ScenarioEvent:
        raise NotImplementedError

    def fire(self, model: AccessModel) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class RevokeAccess(ScenarioEvent):
    """A provider cuts a client lab off, whatever its policy says."""

    kind = EventKind.revoke_access
    provider: str
    lab: str
    duration: int | None = None
    evaluation_only: bool = False
    throttle: bool = False

    @classmethod
    def from_config(cls, cfg: EventConfig) -> RevokeAccess:
        assert cfg.provider is not None and cfg.lab is not None  # validated with the config
        return cls(cfg.at, cfg.provider, cfg.lab, cfg.duration, cfg.evaluation_only, cfg.throttle)

    def fire(self, model: AccessModel) -> None:
        provider, lab = model.provider(self.provider), model.lab(self.lab)
        if lab.name != provider.owner:
            if self.throttle:
                decision = Decision(Action.THROTTLE, "scenario: capacity cut", self.duration)
            elif self.evaluation_only:
                decision = Decision(Action.CARVE_OUT, "scenario: evaluation only", self.duration)
            else:
                decision = Decision(Action.REVOKE, "scenario: access revoked", self.duration)
            provider.apply(lab, decision, by_policy=False)


@dataclass(frozen=True)
class Launch(ScenarioEvent):
    """A lab launches a new model: a relative capability jump in every domain."""

    kind = EventKind.launch
    lab: str
    capability_jump: float

    @classmethod
    def from_config(cls, cfg: EventConfig) -> Launch:
        assert cfg.lab is not None
        return cls(cfg.at, cfg.lab, cfg.capability_jump)

    def fire(self, model: AccessModel) -> None:
        model.lab(self.lab).launch(self.capability_jump)
        model.log(Logged.launch, self.lab, None, "scenario", self.capability_jump)


@dataclass(frozen=True)
class ReleaseOpenWeights(ScenarioEvent):
    """A lab releases its weights: anyone may now self-host or learn from its model."""

    kind = EventKind.release_open_weights
    lab: str

    @classmethod
    def from_config(cls, cfg: EventConfig) -> ReleaseOpenWeights:
        assert cfg.lab is not None
        return cls(cfg.at, cfg.lab)

    def fire(self, model: AccessModel) -> None:
        model.lab(self.lab).release_weights()
        model.log(Logged.release, self.lab, None, "open weights")


@dataclass(frozen=True)
class ReleaseModel(ScenarioEvent):
    """A lab releases a model: providers now serve its current capability (a replayed
    release of the history scenario; the first one is the lab's entry to the market)."""

    kind = EventKind.release_model
    lab: str

    @classmethod
    def from_config(cls, cfg: EventConfig) -> ReleaseModel:
        assert cfg.lab is not None
        return cls(cfg.at, cfg.lab)

    def fire(self, model: AccessModel) -> None:
        model.lab(self.lab).release_due = True


@dataclass(frozen=True)
class TightenMonitoring(ScenarioEvent):
    """A provider tightens its terms and auditing (say, identity verification): its
    monitoring is multiplied by `factor`."""

    kind = EventKind.tighten_monitoring
    provider: str
    factor: float

    @classmethod
    def from_config(cls, cfg: EventConfig) -> TightenMonitoring:
        assert cfg.provider is not None
        return cls(cfg.at, cfg.provider, cfg.factor)

    def fire(self, model: AccessModel) -> None:
        provider = model.provider(self.provider)
        provider.base_monitoring *= self.factor
        provider.monitoring *= self.factor
        model.log(Logged.policy_change, self.provider, None, "monitoring tightened", self.factor)


@dataclass(frozen=True)
class CutCapacity(ScenarioEvent):
    """A provider cuts first-party capacity for the coding work of a share of its
    customers (RV-5: a coding tool being bought by a rival; its users, not the rival, are
    cut): those who need coding most live a month of failed service and reconsider."""

    kind = EventKind.cut_capacity
    provider: str
    share: float

    @classmethod
    def from_config(cls, cfg: EventConfig) -> CutCapacity:
        assert cfg.provider is not None
        return cls(cfg.at, cfg.provider, cfg.factor)

    def fire(self, model: AccessModel) -> None:
        cut = model.population.cut_capacity(
            model.provider_index(self.provider), model.config.domains, self.share
        )
        model.log(Logged.capacity_cut, self.provider, None, "coding customers cut", cut)


@dataclass(frozen=True)
class PolicyChange(ScenarioEvent):
    """A provider adopts another access policy."""

    kind = EventKind.policy_change
    provider: str
    policy: PolicyName

    @classmethod
    def from_config(cls, cfg: EventConfig) -> PolicyChange:
        assert cfg.provider is not None and cfg.policy is not None
        return cls(cfg.at, cfg.provider, cfg.policy)

    def fire(self, model: AccessModel) -> None:
        provider = model.provider(self.provider)
        provider.set_policy(make_policy(self.policy, model.config.policy, model.config.strategic))
        model.log(Logged.policy_change, self.provider, None, str(self.policy))


@dataclass(frozen=True)
class Regulation(ScenarioEvent):
    """A regulator imposes a regime on every provider (see :class:`Regime`)."""

    kind = EventKind.regulation
    regime: Regime

    @classmethod
    def from_config(cls, cfg: EventConfig) -> Regulation:
        assert cfg.regime is not None
        return cls(cfg.at, cfg.regime)

    def fire(self, model: AccessModel) -> None:
        model.log(Logged.regulation, None, None, self.regime.value)
        if self.regime is Regime.safe_harbor:
            model.evaluation_protected = True
        for provider in model.providers:
            for lab in model.labs:
                if lab.name == provider.owner:
                    continue
                if self.regime is Regime.safe_harbor and lab.benchmarking is Benchmarking.distill:
                    continue
                if provider.state_of(lab.name) is not AccessState.ALLOWED:
                    provider.reinstate(lab, f"regulation: {self.regime.value}")


@dataclass(frozen=True)
class Ruling(ScenarioEvent):
    """A court rules on a misuse clause, and the legal risk of revoking changes for every
    provider. Struck down, it also lifts every restriction of a lab caught evaluating (not
    distilling), and each provider so overruled is news against it."""

    kind = EventKind.ruling
    upheld: bool

    @classmethod
    def from_config(cls, cfg: EventConfig) -> Ruling:
        assert cfg.upheld is not None
        return cls(cfg.at, cfg.upheld)

    def fire(self, model: AccessModel) -> None:
        factor = model.config.legal.ruling_factor
        if self.upheld:
            model.legal_risk *= factor
            model.log(Logged.ruling, None, None, "misuse clause upheld", model.legal_risk)
            return
        model.legal_risk = min(model.legal_risk / factor, 1.0)
        model.log(Logged.ruling, None, None, "misuse clause struck down", model.legal_risk)
        for provider in model.providers:
            overruled = False
            for lab in model.labs:
                if lab.name == provider.owner or lab.benchmarking is Benchmarking.distill:
                    continue
                if provider.state_of(lab.name) in (
                    AccessState.REVOKED,
                    AccessState.EVALUATION_ONLY,
                ):
                    provider.reinstate(lab, "ruling: clause struck down", news=False)
                    overruled = True
            if overruled:
                model.publish_ruling(provider)


EVENT_TYPES: dict[EventKind, type[ScenarioEvent]] = {
    cls.kind: cls
    for cls in (
        RevokeAccess,
        Launch,
        ReleaseOpenWeights,
        ReleaseModel,
        TightenMonitoring,
        CutCapacity,
        PolicyChange,
        Regulation,
        Ruling,
    )
}


def build_event(cfg: EventConfig) -> ScenarioEvent:
    return EVENT_TYPES[cfg.kind].from_config(cfg)


@dataclass(frozen=True)
class Scheduled:
    """A scenario event on the model's event list: the callback, which the model must keep
    alive because Mesa holds it weakly, and the handle Mesa returned, through which a
    pending event is cancelled (sim.model.snapshot.reschedule)."""

    callback: partial[None]
    handle: Event


def schedule(model: AccessModel, events: tuple[EventConfig, ...]) -> list[Scheduled]:
    """Put the scenario's events on the model's event list, in the given order (the firing
    order within a month)."""
    scheduled = []
    for cfg in events:
        callback = partial(build_event(cfg).fire, model)
        scheduled.append(Scheduled(callback, model.schedule_event(callback, at=cfg.at - 0.5)))
    return scheduled
