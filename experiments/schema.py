"""Register sim's typed config with Hydra's ConfigStore.

sim.config's dataclasses are frozen, and OmegaConf makes a frozen structured config
read-only, which breaks Hydra's merging of list entries and overrides. The schema
Hydra sees is therefore a mutable twin of each dataclass, with the same fields, types
and defaults; the composed config is turned back into a frozen, validated
`sim.Config` by :func:`to_sim_config`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.config import Config

SCHEMA_NAME = "accessrace_schema"
_twins: dict[type, type] = {}


def thaw(tp: Any) -> Any:
    """The mutable twin of a (possibly nested or generic) config type."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if tp not in _twins:
            hints = typing.get_type_hints(tp)
            fields = [(f.name, thaw(hints[f.name]), _twin_field(f)) for f in dataclasses.fields(tp)]
            _twins[tp] = dataclasses.make_dataclass(tp.__name__, fields)
        return _twins[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None:
        return tp
    thawed = tuple(thaw(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[thawed]  # noqa: UP007 - built at run time
    return origin[thawed]


def _twin_field(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        factory = f.default_factory
        return dataclasses.field(default_factory=lambda: _thaw_value(factory()))
    if dataclasses.is_dataclass(f.default):
        default = f.default
        return dataclasses.field(default_factory=lambda: _thaw_value(default))
    return dataclasses.field(default=f.default)


def _thaw_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        twin = thaw(type(value))
        return twin(
            **{f.name: _thaw_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    if isinstance(value, dict):
        return {k: _thaw_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw_value(v) for v in value]
    return value


def register() -> None:
    ConfigStore.instance().store(name=SCHEMA_NAME, node=thaw(Config))


def to_sim_config(cfg: DictConfig) -> Config:
    """The composed Hydra config as a frozen, validated sim.Config (raises ConfigError)."""
    data = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    return Config.from_dict({str(k): v for k, v in data.items()})
