"""The factors of a design: numeric config parameters by dotted path, checked and applied.

Sensitivity analysis, scenario discovery and calibration all vary parameters of a config
within ranges and read metrics of its runs; this is the one place that resolves a dotted
path to a field, refuses a path, range or metric that does not exist (naming it and the
closest known ones), and sets the values.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.config import Config, ConfigError, iter_fields


class SensitivityError(ValueError):
    """A sensitivity or discovery design names a parameter or metric that does not exist, or
    gives a range that is empty or leaves the parameter's valid range."""


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a dotted config path and the range it is sampled from."""

    path: str
    low: float
    high: float


def numeric_parameters(config: Config) -> dict[str, type]:
    """Every numeric parameter of `config` by dotted path, with its type (int or float);
    per-domain values appear as `<field>.<domain>`."""
    out: dict[str, type] = {}
    for path, f, value in iter_fields(config):
        annotation = str(f.type)
        if isinstance(value, bool) or "bool" in annotation:
            continue
        if isinstance(value, dict):
            for key, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    out[f"{path}.{key}"] = float
        elif isinstance(value, int | float) or (value is None and "int" in annotation):
            out[path] = int if ("int" in annotation and "float" not in annotation) else float
    return out


def with_values(config: Config, values: Mapping[str, float]) -> Config:
    """`config` with the parameters at dotted paths set (integers rounded), validated."""
    kinds = numeric_parameters(config)
    data = config.to_dict()
    for path, value in values.items():
        node = data
        *head, last = path.split(".")
        for key in head:
            node = node[key]
        node[last] = round(value) if kinds.get(path) is int else float(value)
    return Config.from_dict(data)


def check_parameters(config: Config, parameters: Sequence[Parameter]) -> None:
    """Refuse an empty design, a repeated or unknown path, a non-numeric parameter, a range
    with low >= high, or one that leaves the parameter's valid range; the error names it."""
    if not parameters:
        raise SensitivityError("no parameters to vary: give at least one {path, low, high}")
    kinds = numeric_parameters(config)
    seen: set[str] = set()
    for p in parameters:
        if p.path in seen:
            raise SensitivityError(f"parameter {p.path!r} is listed twice")
        seen.add(p.path)
        if p.path not in kinds:
            known = {path for path, _, _ in iter_fields(config)}
            if p.path in known:
                raise SensitivityError(
                    f"parameter {p.path!r} is not numeric, so it cannot be given a range"
                )
            close = difflib.get_close_matches(p.path, list(kinds), n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise SensitivityError(f"unknown parameter {p.path!r}: no such config field{hint}")
        if not (np.isfinite(p.low) and np.isfinite(p.high)) or p.low >= p.high:
            raise SensitivityError(
                f"parameter {p.path!r}: range [{p.low:g}, {p.high:g}] is empty; expected low < high"
            )
        for value in (p.low, p.high):
            try:
                with_values(config, {p.path: value})
            except ConfigError as err:
                raise SensitivityError(
                    f"parameter {p.path!r}: range [{p.low:g}, {p.high:g}] leaves the valid "
                    f"range ({err})"
                ) from None


def known_metrics(config: Config) -> list[str]:
    """The metric columns a run of `config` records (from the initial month of a model with
    a handful of developers: the columns depend on the labs, providers and domains)."""
    from sim.experiment.run import timeseries_frame  # the model (Mesa) only here
    from sim.model.model import AccessModel

    degree = config.population.social_degree
    tiny = config.replace(
        population=dataclasses.replace(config.population, n_developers=max(20, 2 * degree + 2))
    )
    frame = timeseries_frame(AccessModel(tiny))
    return [c for c in frame.columns if c not in ("step", "seed", "scenario")]


def check_metrics(config: Config, metrics: Sequence[str], what: str = "outcome") -> None:
    """Refuse a metric no run records, naming it and the closest known ones."""
    if not metrics:
        raise SensitivityError(f"no {what}s given")
    known = known_metrics(config)
    for m in metrics:
        if m not in known:
            close = difflib.get_close_matches(m, known, n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise SensitivityError(f"{what} {m!r} is not a metric of the model{hint}")
