"""The discrete choices a config can make, as enums named by their values, so YAML files,
the command line and Python all use the same words."""

from __future__ import annotations

from sim.config.base import ConfigEnum


class Openness(ConfigEnum):
    """How a lab releases its models.

    Config enums name their members by their values, so YAML files, the command line
    and Python all use the same words."""

    closed = "closed"
    api = "api"
    open_weights = "open_weights"


class Benchmarking(ConfigEnum):
    """How a lab learns from rivals' models (docs/ODD.md §7.1)."""

    none = "none"
    public_only = "public_only"
    rival_api = "rival_api"
    distill = "distill"


class EventKind(ConfigEnum):
    """Scheduled scenario events (sim.events)."""

    revoke_access = "revoke_access"
    launch = "launch"
    release_open_weights = "release_open_weights"
    policy_change = "policy_change"
    regulation = "regulation"
    ruling = "ruling"
    release_model = "release_model"
    tighten_monitoring = "tighten_monitoring"
    cut_capacity = "cut_capacity"


class Regime(ConfigEnum):
    """Regulatory regimes a `Regulation` event can impose."""

    safe_harbor = "safe_harbor"
    """Evaluation through rivals' APIs becomes protected: revocations for it are lifted and
    from then on only distillation may be punished."""
    reinstate = "reinstate"
    """A court orders every active revocation lifted (policies may act again afterwards)."""


class PolicyName(ConfigEnum):
    """Access policies a provider can follow (the classes live in sim.model.policies)."""

    permissive = "permissive"
    revoke_on_detection = "revoke_on_detection"
    graduated = "graduated"
    tit_for_tat = "tit_for_tat"
    preemptive = "preemptive"
    safe_harbor = "safe_harbor"
    strategic = "strategic"
