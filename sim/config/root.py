"""The root :class:`Config` of one run, its validation and the ODD's parameter table
(``docs/regenerate_parameters.py`` writes the table into ``docs/ODD.md``)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.config.access import LegalConfig, StrategicConfig
from sim.config.agents import DOMAINS, LabConfig, PolicyConfig, ProviderConfig
from sim.config.base import (
    ConfigError,
    build_dataclass,
    check_keys,
    check_ranges,
    interval,
    iter_fields,
    param,
    plain,
)
from sim.config.enums import EventKind
from sim.config.population import PopulationConfig
from sim.config.safety import SafetyConfig
from sim.config.scenario import ScenarioConfig, _default_labs, _default_providers
from sim.config.world import (
    MarketConfig,
    RelationsConfig,
    ResearchConfig,
    StrategyConfig,
)


@dataclass(frozen=True)
class Config:
    """Everything one run needs. Construction validates (see :func:`validate`)."""

    seed: int = param(
        0,
        doc="Seed of the model's random number generator.",
        low=0,
        high=2**63 - 1,
        why="a 64-bit signed integer, what the result store's seed column holds",
    )
    steps: int = param(
        60,
        doc="Horizon.",
        unit="months",
        low=1,
        high=1200,
        why="a century of months bounds memory and time",
    )
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
    strategic: StrategicConfig = param(
        factory=StrategicConfig, doc="The strategic access policy's rule of thumb."
    )
    legal: LegalConfig = param(factory=LegalConfig, doc="Legal risk of revoking; rulings.")
    safety: SafetyConfig = param(factory=SafetyConfig, doc="Safety and disasters (ODD §7.8).")
    scenario: ScenarioConfig = param(factory=ScenarioConfig, doc="Preset and events.")

    def __post_init__(self) -> None:
        validate(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Build a validated config from plain data (YAML, Hydra, JSON); unknown keys fail."""
        check_keys(cls, data, "")
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
        return plain(self)  # type: ignore[no-any-return]

    def replace(self, **changes: Any) -> Config:
        """A copy with top-level fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
"""Lab, provider and domain names: lower-case identifiers without a double underscore, so
they fit the result columns' `metric__entity__domain` scheme."""
RESERVED = {"self_host"}
"""Names the result columns already use for something else."""


def _check_identifiers(config: Config) -> None:
    groups = {"labs": list(config.labs), "providers": list(config.providers)}
    groups["domains"] = list(config.domains)
    for group, names in groups.items():
        for name in names:
            if not isinstance(name, str) or not NAME.fullmatch(name) or name in RESERVED:
                raise ConfigError(
                    f"{group} name {name!r}: expected a lower-case identifier (letters, digits, "
                    f"single underscores, starting with a letter), not {sorted(RESERVED)}"
                )
    shared = set(config.labs) & set(config.providers)
    if shared:
        raise ConfigError(
            f"labs and providers share the name(s) {sorted(shared)}: expected distinct names "
            "(their results share columns such as payoff__<name>)"
        )


def _check_names(config: Config) -> None:
    domains = set(config.domains)
    if len(domains) != len(config.domains) or not domains:
        raise ConfigError(f"domains = {list(config.domains)}: expected distinct, non-empty names")
    if not config.labs:
        raise ConfigError("labs = {}: expected at least one lab")
    if not config.providers:
        raise ConfigError("providers = {}: expected at least one provider")
    for name, lab in config.labs.items():
        for field, values in (("capability", lab.capability), ("pace", lab.pace)):
            if set(values) != domains:
                raise ConfigError(
                    f"labs.{name}.{field} = {values}: expected one value for each "
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


def _check_events(config: Config) -> None:
    needs: dict[EventKind, tuple[str, ...]] = {
        EventKind.revoke_access: ("provider", "lab"),
        EventKind.launch: ("lab",),
        EventKind.release_open_weights: ("lab",),
        EventKind.policy_change: ("provider", "policy"),
        EventKind.regulation: ("regime",),
        EventKind.ruling: ("upheld",),
        EventKind.release_model: ("lab",),
        EventKind.tighten_monitoring: ("provider",),
        EventKind.cut_capacity: ("provider",),
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
        owner = config.providers[ev.provider].owner if ev.provider is not None else None
        if ev.kind == EventKind.revoke_access and owner is not None and owner == ev.lab:
            raise ConfigError(
                f"{where}: {ev.provider} would revoke its own lab {ev.lab!r}: expected a client lab"
            )
        if ev.kind == EventKind.cut_capacity and ev.factor > 1.0:
            raise ConfigError(
                f"{where}.factor = {ev.factor:g}: a cut_capacity event cuts a share of the "
                "provider's customers: expected a value in [0, 1]"
            )
        if ev.throttle and ev.evaluation_only:
            raise ConfigError(
                f"{where}: throttle and evaluation_only are both true: expected at most one"
            )
    start = config.scenario.start
    if start and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start):
        raise ConfigError(f"scenario.start = {start!r}: expected a month as YYYY-MM, or empty")


def validate(config: Config) -> None:
    """Raise ConfigError for the first out-of-range value or dangling reference."""
    check_ranges(config)
    _check_identifiers(config)
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
        rng = interval(meta) if (meta["low"] is not None or meta["high"] is not None) else ""
        path = path.replace(".a_lab.", ".<lab>.").replace(".a_provider.", ".<provider>.")
        shown = str(plain(value)).replace("a_lab", "<lab>")
        cells = [f"`{path}`", shown, meta["unit"], rng, meta["doc"], meta["why"]]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _generic_config() -> Config:
    """The default config with one generic lab and provider, so each field shows once."""
    return Config(
        labs={"a_lab": LabConfig()}, providers={"a_provider": ProviderConfig(hosts=("a_lab",))}
    )
