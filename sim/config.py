"""Typed, frozen configuration of one simulation run.

Every model parameter is a field here, documented once through :func:`param`
(description, unit, valid range). :func:`validate` checks every range and every
cross-reference and raises :class:`ConfigError` naming the field, the value
and what is allowed. ``docs/ODD.md`` renders the same metadata as its
parameter table (``docs/regenerate_parameters.py`` writes it there).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import dacite


class ConfigError(ValueError):
    """A configuration value is out of range, of the wrong type or names nothing."""


class ConfigEnum(Enum):
    """An enum read from config files: an unknown word is refused with the known ones."""

    @classmethod
    def _missing_(cls, value: object) -> None:
        raise ValueError(
            f"{value!r} is not a valid {cls.__name__}; expected one of {[m.value for m in cls]}"
        )


class Openness(ConfigEnum):
    """How a lab releases its models.

    Config enums name their members by their values, so YAML files, the command line
    and Python all use the same words."""

    closed = "closed"
    api = "api"
    open_weights = "open_weights"


class Benchmarking(ConfigEnum):
    """How a lab learns from rivals' models (DESIGN.md §1, research phase)."""

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


class Regime(ConfigEnum):
    """Regulatory regimes a `Regulation` event can impose."""

    safe_harbor = "safe_harbor"
    """Evaluation through rivals' APIs becomes protected: revocations for it are lifted and
    from then on only distillation may be punished."""
    reinstate = "reinstate"
    """A court orders every active revocation lifted (policies may act again afterwards)."""


def param(
    default: Any = dataclasses.MISSING,
    *,
    doc: str,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    factory: Any = dataclasses.MISSING,
    why: str = "illustrative calibration (ODD §1)",
) -> Any:
    """A config field with its description, unit, valid range and rationale in one place."""
    meta = {
        "doc": doc,
        "why": why,
        "unit": unit,
        "low": low,
        "high": high,
        "low_open": low_open,
        "high_open": high_open,
    }
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


DOMAINS = ("coding", "reasoning", "general")


@dataclass(frozen=True)
class LabConfig:
    """One frontier lab: starting capability, budget and strategy."""

    label: str = param("", doc="Human-readable archetype, used in figures and reports.")
    capability: dict[str, float] = param(
        factory=lambda: dict.fromkeys(DOMAINS, 1.0),
        doc="Starting capability per domain; 1.0 is the default starting frontier.",
        unit="capability index",
        low=0.0,
        low_open=True,
    )
    compute: float = param(
        1.0, doc="Own R&D budget per month before revenue.", unit="compute units/month", low=0.0
    )
    openness: Openness = param(
        Openness.api,
        doc="closed: internal only; api: sold through providers; "
        "open_weights: weights released, so anyone may self-host or learn from them.",
    )
    benchmarking: Benchmarking = param(
        Benchmarking.public_only, doc="How the lab learns from rivals' models."
    )
    intensity: float = param(
        0.0,
        doc="API volume used to benchmark or distil each reachable rival model, as a fraction "
        "of the maximum; drives both spillover and detection.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    eval_investment: float = param(
        0.0,
        doc="Share of compute spent on in-house evaluation, a costly substitute for rival "
        "benchmarking that needs no access.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    safety: float = param(
        0.0,
        doc="Share of compute spent on safety rather than capability.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )


@dataclass(frozen=True)
class ProviderConfig:
    """An API provider: a lab's first-party API or a marketplace hosting several labs."""

    label: str = param("", doc="Human-readable name, used in figures and reports.")
    hosts: tuple[str, ...] = param(
        factory=tuple, doc="Labs whose models the provider serves (names of `labs`)."
    )
    owner: str | None = param(
        None, doc="The lab that owns a first-party API; null for a marketplace."
    )
    price: float = param(
        1.0, doc="Price per developer-month.", unit="price units/month", low=0.0, low_open=True
    )
    reliability: float = param(
        0.95,
        doc="Share of months the service works as promised.",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    monitoring: float = param(
        1.0,
        doc="Detection hazard: a client lab using volume x is detected with probability "
        "1 - exp(-monitoring * x) per month.",
        unit="1/volume",
        low=0.0,
    )
    policy: str | None = param(
        None, doc="Access policy of this provider; null means the run's default `policy.name`."
    )


@dataclass(frozen=True)
class PolicyConfig:
    """The default access policy and the parameters all policies share."""

    name: str = param(
        "permissive", doc="Access policy applied by providers that do not name their own."
    )
    revoke_duration: int | None = param(
        None,
        doc="Months a policy revocation lasts; null means until the end of the run.",
        unit="months",
        low=1,
    )
    forgive_after: int = param(
        6,
        doc="graduated: quiet months after which a client's offences are forgiven.",
        why="graduated sanctions with forgiveness (Ostrom 1990)",
        unit="months",
        low=1,
    )
    throttle_factor: float = param(
        0.5,
        doc="Share of API spillover a throttled client still gets.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class ResearchConfig:
    """Capability growth and spillover channels (research phase)."""

    growth_rate: float = param(
        0.01,
        doc="Own-R&D capability growth per month at one compute unit.",
        why="frontier capability roughly doubles over five years on the defaults",
        unit="1/month",
        low=0.0,
    )
    compute_exponent: float = param(
        0.5,
        doc="Returns to compute (diminishing below 1).",
        why="power-law returns to compute (Kaplan et al. 2020)",
        low=0.0,
        high=1.0,
        low_open=True,
    )
    noise: float = param(
        0.3,
        doc="Standard deviation of the log-normal multiplier on own-R&D growth.",
        unit="log units",
        low=0.0,
    )
    spill_rival_api: float = param(
        0.05,
        doc="Share of the gap to each reachable rival closed per month at full intensity "
        "by benchmarking through its API.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_distill: float = param(
        0.12,
        doc="Same as spill_rival_api, for distillation from the rival's outputs.",
        why="distillation extracts more training signal than evaluation (DESIGN.md §1)",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_public: float = param(
        0.01,
        doc="Share of the gap to the public frontier closed per month from public "
        "benchmarks; needs no access.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_eval: float = param(
        0.08,
        doc="Share of the gap to the public frontier closed per month per unit of "
        "eval_investment; needs no access.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )
    spill_open: float = param(
        0.04,
        doc="Share of the gap to the best open-weights model closed per month.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )


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
        0.5, doc="Utility lost when moving to another provider.", unit="utility", low=0.0
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
        doc="Share of trust lost in every other closed provider on learning of a "
        "revocation (platform risk is contagious).",
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
    hedge_threshold: float = param(
        0.5,
        doc="API users whose trust in their provider is below this keep a fallback (multi-homing).",
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class MarketConfig:
    """Self-hosting, revenue and reinvestment."""

    market_value: float = param(
        1.0,
        doc="Revenue of the whole developer market per month, paid to providers in "
        "proportion to their share of spend.",
        unit="compute units/month",
        low=0.0,
    )
    reinvest: float = param(
        0.5,
        doc="Share of a lab's revenue turned into next month's compute.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    marketplace_fee: float = param(
        0.3,
        doc="Share of a marketplace's revenue it keeps; the rest goes to the hosted labs.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    selfhost_cost: float = param(
        0.7,
        doc="Cost of self-hosting an open-weights model.",
        unit="price units/month",
        low=0.0,
    )
    selfhost_discount: float = param(
        0.9,
        doc="Quality of a self-hosted open model relative to the same model served.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    legacy_open_quality: float = param(
        0.6,
        doc="Capability of the best open model when no lab releases open weights.",
        unit="capability index",
        low=0.0,
    )


@dataclass(frozen=True)
class RelationsConfig:
    """The lab trust graph."""

    initial_lab_trust: float = param(
        0.6, doc="Starting trust between every pair of labs.", low=0.0, high=1.0
    )
    revocation_hit: float = param(
        0.5,
        doc="Share of the revoked lab's trust in the revoking lab lost at a revocation.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    witness_hit: float = param(
        0.1,
        doc="Share of third labs' trust in the revoking lab lost at a revocation.",
        unit="fraction",
        low=0.0,
        high=1.0,
    )
    recovery: float = param(
        0.02,
        doc="Monthly rate at which lab trust recovers toward initial_lab_trust.",
        unit="1/month",
        low=0.0,
        high=1.0,
    )


@dataclass(frozen=True)
class StrategyConfig:
    """Labs' strategy evolution by pairwise comparison (sim.strategies)."""

    adapt_every: int = param(
        0,
        doc="Months between strategy revisions; 0 keeps strategies fixed.",
        unit="months",
        low=0,
    )
    beta: float = param(
        20.0,
        doc="Intensity of selection of the Fermi imitation rule.",
        unit="1/payoff",
        low=0.0,
        why="pairwise comparison (Traulsen, Nowak & Pacheco 2006)",
    )
    mutation: float = param(
        0.05,
        doc="Probability a revising lab tries a random strategy instead.",
        unit="probability",
        low=0.0,
        high=1.0,
    )
    revenue_weight: float = param(
        1.0,
        doc="Payoff of earning the whole market's revenue for a month, relative to one "
        "percentage point of monthly capability growth.",
        low=0.0,
    )
    in_house_eval: float = param(
        0.15,
        doc="Share of compute an in_house lab spends on evaluation.",
        unit="fraction of compute",
        low=0.0,
        high=1.0,
        high_open=True,
    )
    adapt_openness: bool = param(False, doc="Imitation also copies the other lab's openness.")
    adapt_safety: bool = param(False, doc="Imitation also copies the other lab's safety share.")


@dataclass(frozen=True)
class EventConfig:
    """One scheduled event; which fields apply depends on `kind` (see sim.events)."""

    kind: EventKind = param(EventKind.revoke_access, doc="Event type.")
    at: int = param(
        1, doc="Month in which the event fires, before that month's research.", unit="month", low=1
    )
    provider: str | None = param(None, doc="revoke_access, policy_change: the provider.")
    lab: str | None = param(
        None, doc="revoke_access: the client lab; launch, release_open_weights: the lab."
    )
    duration: int | None = param(
        None, doc="revoke_access: months; null = until the end.", unit="months", low=1
    )
    capability_jump: float = param(
        0.0, doc="launch: relative capability gain in every domain.", unit="fraction", low=0.0
    )
    policy: str | None = param(None, doc="policy_change: the new policy's name.")
    regime: Regime | None = param(None, doc="regulation: the regime imposed.")


@dataclass(frozen=True)
class ScenarioConfig:
    """A named preset: its explanation and its scheduled events."""

    name: str = param("custom", doc="Preset name, recorded with the results.")
    description: str = param("", doc="One paragraph explaining the preset.")
    events: tuple[EventConfig, ...] = param(factory=tuple, doc="Scheduled events.")


def _default_labs() -> dict[str, LabConfig]:
    return {
        "incumbent": LabConfig(
            label="Incumbent coding leader",
            capability={"coding": 1.25, "reasoning": 1.05, "general": 1.0},
            compute=1.5,
            benchmarking=Benchmarking.rival_api,
            intensity=0.2,
        ),
        "rival": LabConfig(
            label="Rival preparing a launch",
            capability={"coding": 1.0, "reasoning": 1.05, "general": 1.1},
            compute=1.2,
            benchmarking=Benchmarking.rival_api,
            intensity=0.8,
        ),
        "platform": LabConfig(
            label="Broad platform lab",
            capability={"coding": 0.95, "reasoning": 1.0, "general": 1.05},
            compute=1.0,
            benchmarking=Benchmarking.rival_api,
            intensity=0.3,
        ),
        "open": LabConfig(
            label="Open-weights lab",
            capability=dict.fromkeys(DOMAINS, 0.9),
            compute=1.0,
            openness=Openness.open_weights,
        ),
        "challenger": LabConfig(
            label="Challenger",
            capability=dict.fromkeys(DOMAINS, 0.8),
            compute=0.5,
            benchmarking=Benchmarking.distill,
            intensity=0.3,
            eval_investment=0.1,
        ),
    }


def _default_providers() -> dict[str, ProviderConfig]:
    return {
        "incumbent_api": ProviderConfig(
            label="Incumbent API", hosts=("incumbent",), owner="incumbent", price=1.2
        ),
        "rival_api": ProviderConfig(label="Rival API", hosts=("rival",), owner="rival"),
        "platform_api": ProviderConfig(
            label="Platform API", hosts=("platform",), owner="platform", price=0.9
        ),
        "cloud": ProviderConfig(
            label="Cloud marketplace",
            hosts=("platform", "open", "challenger"),
            price=0.8,
            reliability=0.97,
            monitoring=0.5,
        ),
    }


@dataclass(frozen=True)
class Config:
    """Everything one run needs. Construction validates (see :func:`validate`)."""

    seed: int = param(0, doc="Seed of the model's random number generator.", low=0)
    steps: int = param(60, doc="Horizon.", unit="months", low=1)
    domains: tuple[str, ...] = param(factory=lambda: DOMAINS, doc="Capability domains.")
    labs: dict[str, LabConfig] = param(factory=_default_labs, doc="Labs by name.")
    providers: dict[str, ProviderConfig] = param(
        factory=_default_providers, doc="API providers by name."
    )
    policy: PolicyConfig = param(factory=PolicyConfig, doc="Default access policy.")
    research: ResearchConfig = param(factory=ResearchConfig, doc="Research and spillovers.")
    population: PopulationConfig = param(factory=PopulationConfig, doc="Developers.")
    market: MarketConfig = param(factory=MarketConfig, doc="Money and self-hosting.")
    relations: RelationsConfig = param(factory=RelationsConfig, doc="Lab trust graph.")
    strategy: StrategyConfig = param(factory=StrategyConfig, doc="Strategy evolution.")
    scenario: ScenarioConfig = param(factory=ScenarioConfig, doc="Preset and events.")

    def __post_init__(self) -> None:
        validate(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Build a validated config from plain data (YAML, Hydra, JSON); unknown keys fail."""
        _check_keys(cls, data, "")
        data = dict(data)
        for name, item_cls in (("labs", LabConfig), ("providers", ProviderConfig)):
            if isinstance(data.get(name), Mapping):
                data[name] = {
                    key: build_dataclass(item_cls, value, f"{name}.{key}.")
                    for key, value in data[name].items()
                }
        return build_dataclass(cls, data, "")

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML-ready data (enums as their values); `from_dict` inverts it."""
        return _plain(self)  # type: ignore[no-any-return]

    def replace(self, **changes: Any) -> Config:
        """A copy with top-level fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


_DACITE = dacite.Config(strict=True, cast=[Enum, tuple])


def build_dataclass[T](cls: type[T], data: Any, prefix: str = "") -> T:
    """A (frozen) dataclass from plain data, strictly, with errors that name the full field
    path (dacite; lists become tuples and strings become enums)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'} = {data!r}: expected a mapping")
    try:
        return dacite.from_dict(cls, dict(data), config=_DACITE)
    except dacite.WrongTypeError as err:
        raise ConfigError(
            f"{prefix}{err.field_path} = {err.value!r}: expected {_type_name(err.field_type)}"
        ) from None
    except dacite.MissingValueError as err:
        raise ConfigError(f"{prefix}{err.field_path}: a value is required") from None
    except ValueError as err:  # an enum given a word it does not know
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: {err}") from None


def _check_keys(cls: Any, data: Any, prefix: str) -> None:
    """Refuse keys that name no field, with their full path (dacite reports no path)."""
    if not isinstance(data, Mapping):
        return
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        where = prefix.rstrip(".") or "the top level"
        raise ConfigError(f"unknown field(s) {unknown} in {where}; known: {sorted(hints)}")
    for name, value in data.items():
        tp = hints[name]
        args = typing.get_args(tp)
        if dataclasses.is_dataclass(tp):
            _check_keys(tp, value, f"{prefix}{name}.")
        elif typing.get_origin(tp) is dict and dataclasses.is_dataclass(args[1]):
            for key, item in (value or {}).items():
                _check_keys(args[1], item, f"{prefix}{name}.{key}.")
        elif typing.get_origin(tp) is tuple and args and dataclasses.is_dataclass(args[0]):
            for i, item in enumerate(value or ()):
                _check_keys(args[0], item, f"{prefix}{name}[{i}].")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- validation -------------------------------------------------------------------------


def _describe_range(meta: Mapping[str, Any]) -> str:
    low, high = meta["low"], meta["high"]
    left = "(" if meta["low_open"] else "["
    right = ")" if meta["high_open"] else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"a number in {left}{lo}, {hi}{right}"


def _in_range(x: float, meta: Mapping[str, Any]) -> bool:
    low, high = meta["low"], meta["high"]
    if math.isnan(x):
        return False
    if low is not None and (x < low or (meta["low_open"] and x == low)):
        return False
    return not (high is not None and (x > high or (meta["high_open"] and x == high)))


def iter_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field[Any], Any]]:
    """Every leaf field of a config as (dotted path, field, value), containers walked."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from iter_fields(value, path + ".")
        elif (
            isinstance(value, dict)
            and value
            and all(dataclasses.is_dataclass(v) for v in value.values())
        ):
            for key, sub in value.items():
                yield from iter_fields(sub, f"{path}.{key}.")
        elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v) for v in value):
            for i, sub in enumerate(value):
                yield from iter_fields(sub, f"{path}[{i}].")
        else:
            yield path, f, value


def _check_ranges(config: Config) -> None:
    for path, f, value in iter_fields(config):
        meta = f.metadata
        if not meta or (meta.get("low") is None and meta.get("high") is None):
            continue
        numbers = value.values() if isinstance(value, dict) else [value]
        for x in numbers:
            if x is None:
                continue
            if isinstance(x, bool) or not isinstance(x, int | float):
                raise ConfigError(f"{path} = {value!r}: expected {_describe_range(meta)}")
            if not _in_range(float(x), meta):
                raise ConfigError(f"{path} = {value!r}: expected {_describe_range(meta)}")


def _check_names(config: Config) -> None:
    from sim.policies import POLICIES  # the registry lives with the policies

    domains = set(config.domains)
    if len(domains) != len(config.domains) or not domains:
        raise ConfigError(f"domains = {list(config.domains)}: expected distinct, non-empty names")
    if not config.labs:
        raise ConfigError("labs = {}: expected at least one lab")
    if not config.providers:
        raise ConfigError("providers = {}: expected at least one provider")
    for name, lab in config.labs.items():
        if set(lab.capability) != domains:
            raise ConfigError(
                f"labs.{name}.capability = {lab.capability}: expected one value for each "
                f"domain {sorted(domains)}"
            )
        if config.strategy.adapt_every and config.strategy.in_house_eval + lab.safety >= 1.0:
            raise ConfigError(
                f"strategy.in_house_eval + labs.{name}.safety = "
                f"{config.strategy.in_house_eval + lab.safety:g}: expected below 1"
            )
        if lab.eval_investment + lab.safety >= 1.0:
            raise ConfigError(
                f"labs.{name}: eval_investment + safety = {lab.eval_investment + lab.safety:g}: "
                "expected below 1 (something must be left for capability research)"
            )
    if set(config.population.needs) != domains:
        raise ConfigError(
            f"population.needs = {config.population.needs}: expected one Dirichlet weight for "
            f"each domain {sorted(domains)}"
        )
    if config.population.social_degree % 2:
        raise ConfigError(
            f"population.social_degree = {config.population.social_degree}: expected an even "
            "number (Watts-Strogatz ring lattice)"
        )
    if config.population.social_degree >= config.population.n_developers:
        raise ConfigError(
            f"population.social_degree = {config.population.social_degree}: expected fewer "
            f"than population.n_developers = {config.population.n_developers}"
        )
    policies = sorted(POLICIES)
    if config.policy.name not in POLICIES:
        raise ConfigError(f"policy.name = {config.policy.name!r}: expected one of {policies}")
    for name, prov in config.providers.items():
        if not prov.hosts:
            raise ConfigError(f"providers.{name}.hosts = []: expected at least one lab")
        for hosted in prov.hosts:
            if hosted not in config.labs:
                raise ConfigError(
                    f"providers.{name}.hosts: {hosted!r} is not a lab; labs are {list(config.labs)}"
                )
        if prov.owner is not None and prov.owner not in prov.hosts:
            raise ConfigError(
                f"providers.{name}.owner = {prov.owner!r}: expected one of the hosted labs "
                f"{list(prov.hosts)} or null"
            )
        if prov.policy is not None and prov.policy not in POLICIES:
            raise ConfigError(
                f"providers.{name}.policy = {prov.policy!r}: expected one of {policies} or null"
            )


def _check_events(config: Config) -> None:
    from sim.policies import POLICIES

    needs: dict[EventKind, tuple[str, ...]] = {
        EventKind.revoke_access: ("provider", "lab"),
        EventKind.launch: ("lab",),
        EventKind.release_open_weights: ("lab",),
        EventKind.policy_change: ("provider", "policy"),
        EventKind.regulation: ("regime",),
    }
    for i, ev in enumerate(config.scenario.events):
        where = f"scenario.events[{i}]"
        if ev.at > config.steps:
            raise ConfigError(
                f"{where}.at = {ev.at}: expected a month inside the horizon [1, {config.steps}]"
            )
        for name in needs[ev.kind]:
            if getattr(ev, name) is None:
                raise ConfigError(f"{where}.{name}: required by a {ev.kind.value} event")
        if ev.provider is not None and ev.provider not in config.providers:
            raise ConfigError(
                f"{where}.provider = {ev.provider!r}: expected one of {list(config.providers)}"
            )
        if ev.lab is not None and ev.lab not in config.labs:
            raise ConfigError(f"{where}.lab = {ev.lab!r}: expected one of {list(config.labs)}")
        if ev.policy is not None and ev.policy not in POLICIES:
            raise ConfigError(f"{where}.policy = {ev.policy!r}: expected one of {sorted(POLICIES)}")


def validate(config: Config) -> None:
    """Raise ConfigError for the first out-of-range value or dangling reference."""
    _check_ranges(config)
    _check_names(config)
    _check_events(config)


def parameter_table() -> str:
    """The parameter table of docs/ODD.md, rendered from the field metadata."""
    rows = [
        "| parameter | default | unit | range | meaning | rationale or source |",
        "|---|---|---|---|---|---|",
    ]
    for path, f, value in iter_fields(_generic_config()):
        meta = f.metadata
        if not meta or f.name in {"label", "description"} or path.startswith("scenario"):
            continue
        rng = (
            _describe_range(meta).removeprefix("a number in ")
            if (meta["low"] is not None or meta["high"] is not None)
            else ""
        )
        cells = [f"`{path}`", str(_plain(value)), meta["unit"], rng, meta["doc"], meta["why"]]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _generic_config() -> Config:
    """The default config with one generic lab and provider, so each field shows once."""
    return Config(
        labs={"<lab>": LabConfig()}, providers={"<provider>": ProviderConfig(hosts=("<lab>",))}
    )
