"""Typed, frozen configuration of one simulation run: the lowest layer, importing nothing
else of the project.

Every model parameter is a field documented once through :func:`param` (description,
unit, valid range, rationale); :func:`validate` checks ranges and cross-references and
raises :class:`ConfigError` naming the field, the value and what is allowed.

- ``base``: the field machinery (``param``, strict building, range checks);
- ``enums``: the discrete choices (openness, benchmarking, events, regimes, policies);
- ``agents``: labs, providers and the shared policy parameters;
- ``world``: research, market, lab relations, strategy evolution;
- ``population``: developers (needs, preferences, trust, news, adoption);
- ``scenario``: scheduled events and the default cast;
- ``root``: :class:`Config`, validation and the ODD's parameter table.
"""

from sim.config.access import LegalConfig, StrategicConfig
from sim.config.agents import DOMAINS, LabConfig, PolicyConfig, ProviderConfig
from sim.config.base import ConfigEnum, ConfigError, build_dataclass, iter_fields, param
from sim.config.enums import Benchmarking, EventKind, Openness, PolicyName, Regime
from sim.config.population import PopulationConfig
from sim.config.root import Config, parameter_table, validate
from sim.config.safety import SafetyConfig
from sim.config.scenario import EventConfig, ScenarioConfig, removable
from sim.config.world import (
    MarketConfig,
    RelationsConfig,
    ResearchConfig,
    StrategyConfig,
)

__all__ = [
    "DOMAINS",
    "Benchmarking",
    "Config",
    "ConfigEnum",
    "ConfigError",
    "EventConfig",
    "EventKind",
    "LabConfig",
    "LegalConfig",
    "MarketConfig",
    "Openness",
    "PolicyConfig",
    "PolicyName",
    "PopulationConfig",
    "ProviderConfig",
    "Regime",
    "RelationsConfig",
    "ResearchConfig",
    "SafetyConfig",
    "ScenarioConfig",
    "StrategicConfig",
    "StrategyConfig",
    "build_dataclass",
    "iter_fields",
    "param",
    "parameter_table",
    "removable",
    "validate",
]
