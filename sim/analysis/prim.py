"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), through the EMA
Workbench (Kwakkel 2017): a box of parameter space holding many cases of interest and few
others, and the box in plain words. Scenario discovery (sim.analysis.discovery) feeds it.

ema_workbench is an optional dependency (the `discovery` extra), imported only when PRIM
runs.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Restriction:
    """One side or both sides of one parameter's range kept by the box."""

    parameter: str
    low: float | None
    """The box's lower limit, if it restricts from below."""
    high: float | None
    values: tuple[str, ...] = ()
    """For a categorical parameter: the values the box keeps."""
    qp: float = float("nan")
    """The smallest quasi-p value of the restriction (Bryant & Lempert 2010)."""

    def words(self) -> str:
        if self.values:
            return f"{self.parameter} is {' or '.join(self.values)}"
        if self.low is not None and self.high is not None:
            return f"{self.parameter} is between {self.low:.3g} and {self.high:.3g}"
        if self.low is not None:
            return f"{self.parameter} ≥ {self.low:.3g}"
        return f"{self.parameter} ≤ {self.high:.3g}"


@dataclass(frozen=True)
class PrimResult:
    """The box PRIM found, how good it is, and how it was chosen."""

    restrictions: tuple[Restriction, ...]
    coverage: float
    """Share of all cases of interest that fall inside the box."""
    density: float
    """Share of the runs inside the box that are cases of interest."""
    mass: float
    """Share of all runs inside the box."""
    n_cases: int
    n: int
    trajectory: pd.DataFrame
    """PRIM's peeling trajectory: coverage, density, mass, res_dim per box."""
    chosen: int
    """Row of the trajectory holding the box."""
    limits: dict[str, tuple[float, float]]
    """Numeric limits of every restricted parameter (for drawing)."""

    @property
    def base_rate(self) -> float:
        return self.n_cases / self.n if self.n else float("nan")

    def description(self, case: str = "the case of interest holds") -> str:
        """The box in one plain sentence."""
        if not self.restrictions:
            return (
                f"PRIM found no box better than the whole design: {case} in "
                f"{self.base_rate:.0%} of runs, with no parameter region standing out."
            )
        when = " and ".join(r.words() for r in self.restrictions)
        return (
            f"When {when}, {case} in {self.density:.0%} of runs (density); this region holds "
            f"{self.coverage:.0%} of all such runs (coverage) and {self.mass:.0%} of the design "
            f"(mass), against {self.base_rate:.0%} of runs overall."
        )


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    density: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    significance: float = 0.05,
) -> PrimResult:
    """Run ema_workbench's PRIM on `x` (parameters) and boolean `y` (cases of interest).

    The box kept is the one of highest coverage among those with density >= `density` on
    the peeling trajectory (the densest if none reaches it); then, least significant first,
    restrictions whose quasi-p value exceeds `significance` are dropped while more than one
    remains, since the data do not support them.
    """
    prim_module = _ema_prim()
    y = np.asarray(y, dtype=bool)
    if len(y) != len(x) or len(y) < 2:
        raise ValueError(f"PRIM needs matching x and y with at least 2 runs (got {len(y)})")
    x = x.reset_index(drop=True).copy()
    for c in x.columns:
        if pd.api.types.is_integer_dtype(x[c]):
            x[c] = x[c].astype(float)
    if not y.any():
        return _empty(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model = prim_module.Prim(
            x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min
        )
        box = model.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    dense = traj.index[traj["density"] >= density]
    i = int(traj.loc[dense, "coverage"].idxmax()) if len(dense) else int(traj["density"].idxmax())
    box.select(i)
    initial = model.box_init
    i = _drop_unsupported(box, i, initial, significance)
    traj = box.peeling_trajectory.reset_index(drop=True)
    restrictions, limits = _restrictions(x, box.box_lims[i], box.p_values[i], initial)
    row = traj.loc[i]
    return PrimResult(
        tuple(restrictions),
        float(row["coverage"]),
        float(row["density"]),
        float(row["mass"]),
        int(y.sum()),
        len(y),
        traj[["coverage", "density", "mass", "res_dim"]].astype(float),
        i,
        limits,
    )


def _drop_unsupported(box: Any, i: int, initial: Any, significance: float) -> int:
    """Drop box `i`'s least significant restriction while its quasi-p value exceeds
    `significance` and more than one remains; returns the index of the box kept."""
    while True:
        qps = {d: _qp(box.p_values[i], d) for d in _restricted(box.box_lims[i], initial)}
        worst = max(qps, key=lambda d: qps[d], default=None)
        if worst is None or len(qps) < 2 or not qps[worst] > significance:
            return i
        box.drop_restriction(worst, i)
        i = len(box.box_lims) - 1
        box.select(i)


def _restrictions(
    x: pd.DataFrame, lims: Any, p_values: Mapping[str, Any], initial: Any
) -> tuple[list[Restriction], dict[str, tuple[float, float]]]:
    """The box's restrictions in words (a bound only where it cuts the initial box; the
    categories kept), and its numeric limits for drawing."""
    restrictions, limits = [], {}
    for dim in _restricted(lims, initial):
        qp = _qp(p_values, dim)
        if pd.api.types.is_numeric_dtype(x[dim]):
            lo, hi = float(lims.loc[0, dim]), float(lims.loc[1, dim])
            low = lo if lo > float(initial.loc[0, dim]) else None
            high = hi if hi < float(initial.loc[1, dim]) else None
            restrictions.append(Restriction(dim, low, high, qp=qp))
            limits[dim] = (lo, hi)
        else:
            kept = tuple(sorted(str(v) for v in lims.loc[0, dim]))
            restrictions.append(Restriction(dim, None, None, kept, qp))
    return restrictions, limits


def _qp(p_values: Mapping[str, Any], dim: str) -> float:
    """The smallest quasi-p value of a restriction (ema marks an unrestricted side -1)."""
    values = [float(p) for p in p_values.get(dim, []) if p is not None and float(p) >= 0]
    return min(values) if values else float("nan")


def _restricted(lims: pd.DataFrame, initial: pd.DataFrame) -> list[str]:
    out = []
    for dim in initial.columns:
        a, b = lims[dim].tolist(), initial[dim].tolist()
        if a != b:
            out.append(str(dim))
    return out


def _empty(x: pd.DataFrame, y: np.ndarray) -> PrimResult:
    traj = pd.DataFrame({"coverage": [0.0], "density": [0.0], "mass": [1.0], "res_dim": [0.0]})
    return PrimResult((), 0.0, 0.0, 1.0, int(np.sum(y)), len(y), traj, 0, {})


def _ema_prim() -> Any:
    """ema_workbench's PRIM module, imported quietly (it warns about optional parts)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # an optional extra: mypy may run where it is not installed
            from ema_workbench.analysis import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
                prim as prim_module,
            )
    except ImportError as err:
        raise ImportError(
            "scenario discovery needs ema_workbench: pip install -e '.[discovery]'"
        ) from err
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim_module
