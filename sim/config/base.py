"""The machinery every config section shares: documented fields, strict building from
plain data, range checks and errors that name the field, the value and what is allowed."""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Iterator, Mapping
from dataclasses import field
from enum import Enum, StrEnum
from typing import Any

import dacite


class ConfigError(ValueError):
    """A configuration value is out of range, of the wrong type or names nothing."""


class ConfigEnum(StrEnum):
    """An enum read from config files: an unknown word is refused with the known ones.

    A member is its word (a StrEnum), so it compares, prints and serialises as that word."""

    @classmethod
    def _missing_(cls, value: object) -> None:
        raise ValueError(
            f"{value!r} is not a valid {cls.__name__}; expected one of {[m.value for m in cls]}"
        )


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
        where = bad_enum_path(cls, data, prefix) or prefix.rstrip(".") or "config"
        raise ConfigError(f"{where}: {err}") from None


_types: dict[Any, dict[str, Any]] = {}


def field_types(cls: Any) -> dict[str, Any]:
    """The resolved type of each field of the config dataclass `cls` (read, never changed).
    Resolving the annotations (strings, under ``from __future__ import annotations``)
    compiles each one: once per class here, not once per config built (~30 ms of a large
    world's `Config.from_dict`)."""
    if cls not in _types:
        _types[cls] = typing.get_type_hints(cls)
    return _types[cls]


def bad_enum_path(cls: Any, data: Any, prefix: str) -> str | None:
    """The dotted path of the first enum field of `data` holding a word its enum does not
    know (dacite's enum errors carry no path)."""
    if not isinstance(data, Mapping) or not dataclasses.is_dataclass(cls):
        return None
    hints = field_types(cls)
    for name, value in data.items():
        for tp in (hints.get(name), *typing.get_args(hints.get(name))):
            if isinstance(tp, type) and issubclass(tp, Enum) and value is not None:
                if not isinstance(value, tp) and value not in {m.value for m in tp}:
                    return f"{prefix}{name} = {value!r}"
            elif dataclasses.is_dataclass(tp):
                found = bad_enum_path(tp, value, f"{prefix}{name}.")
                if found:
                    return found
            elif typing.get_origin(tp) is tuple and isinstance(value, list | tuple):
                item = typing.get_args(tp)[0] if typing.get_args(tp) else None
                for i, sub in enumerate(value):
                    found = bad_enum_path(item, sub, f"{prefix}{name}[{i}].")
                    if found:
                        return found
    return None


def check_keys(cls: Any, data: Any, prefix: str) -> None:
    """Refuse keys that name no field, and containers of the wrong shape (a string or a
    mapping where a list is expected, anything but a mapping where a section or a map is),
    with their full path: dacite reports no path, and would split a string into characters."""
    where = prefix.rstrip(".") or "config"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} = {data!r}: expected a mapping of its fields")
    hints = field_types(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        where = prefix.rstrip(".") or "the top level"
        raise ConfigError(f"unknown field(s) {unknown} in {where}; known: {sorted(hints)}")
    for name, value in data.items():
        tp = hints[name]
        args = typing.get_args(tp)
        origin = typing.get_origin(tp)
        path = f"{prefix}{name}"
        if dataclasses.is_dataclass(tp):
            check_keys(tp, value, f"{path}.")
        elif origin is dict:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{path} = {value!r}: expected a mapping of names to values")
            if dataclasses.is_dataclass(args[1]):
                for key, item in value.items():
                    check_keys(args[1], item, f"{path}.{key}.")
        elif origin is tuple:
            if isinstance(value, str | Mapping) or not isinstance(value, list | tuple):
                raise ConfigError(f"{path} = {value!r}: expected a list")
            if args and dataclasses.is_dataclass(args[0]):
                for i, item in enumerate(value):
                    check_keys(args[0], item, f"{path}[{i}].")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


LEAVES = (str, int, float, bool, type(None))
"""Types whose values are plain data as they are."""


_fields: dict[Any, tuple[dataclasses.Field[Any], ...]] = {}


def config_fields(cls: Any) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of the dataclass `cls`, looked up once per class."""
    if cls not in _fields:
        _fields[cls] = dataclasses.fields(cls)
    return _fields[cls]


def plain(value: Any) -> Any:
    """`value` as plain data: dataclasses as dicts, enums as their values, tuples as lists.
    Run for every run's hash (a large world has ~1,200 leaves), so the common cases come
    first and each class's fields are looked up once."""
    kind = type(value)
    if kind in LEAVES:
        return value
    if dataclasses.is_dataclass(kind):
        return {f.name: plain(getattr(value, f.name)) for f in config_fields(kind)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# --- validation -------------------------------------------------------------------------


def interval(meta: Mapping[str, Any]) -> str:
    """A field's range in interval notation, e.g. `[0, 1)` or `(0, inf)`."""
    low, high = meta["low"], meta["high"]
    left = "(" if meta["low_open"] or low is None else "["
    right = ")" if meta["high_open"] or high is None else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else (str(high) if isinstance(high, int) else f"{high:g}")
    return f"{left}{lo}, {hi}{right}"


def describe_range(meta: Mapping[str, Any], integer: bool = False) -> str:
    return f"{'an integer' if integer else 'a number'} in {interval(meta)}"


def check_ranges(obj: Any, prefix: str = "") -> None:
    """Refuse a number outside its field's range (an integer field wants an integer) and a
    non-finite number in any field, ranged or not: one check every config dataclass,
    present and future, inherits. Raises ConfigError naming the field and the value."""
    for path, f, value in iter_fields(obj, prefix):
        meta = f.metadata
        numbers = list(value.values()) if isinstance(value, dict) else [value]
        if not meta or (meta.get("low") is None and meta.get("high") is None):
            for x in numbers:
                if isinstance(x, float) and not math.isfinite(x):
                    raise ConfigError(f"{path} = {value!r}: expected a finite number")
            continue
        integer = f.type in ("int", int)
        for x in numbers:
            if x is None:
                continue
            if (
                isinstance(x, bool)
                or not isinstance(x, int if integer else int | float)
                or not in_range(float(x), meta)
            ):
                raise ConfigError(f"{path} = {value!r}: expected {describe_range(meta, integer)}")


def in_range(x: float, meta: Mapping[str, Any]) -> bool:
    low, high = meta["low"], meta["high"]
    if not math.isfinite(x):  # an unbounded side is open: inf and nan are never allowed
        return False
    if low is not None and (x < low or (meta["low_open"] and x == low)):
        return False
    return not (high is not None and (x > high or (meta["high_open"] and x == high)))


def iter_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field[Any], Any]]:
    """Every leaf field of a config as (dotted path, field, value), containers walked."""
    for f in config_fields(type(obj)):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if type(value) in LEAVES:
            yield path, f, value
        elif dataclasses.is_dataclass(value):
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
