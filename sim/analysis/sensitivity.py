"""Global sensitivity analysis of the headline outcomes: Morris screening and Sobol indices.

A design varies numeric config parameters (dotted paths, each within [low, high]) and runs
every design point through the sweep store (sim.run.sweep: parallel, resumable). The design
is sampled with SALib (seeded), written beside the runs, and analysed from the sweep
directory alone, so an interrupted design resumes and a finished one can be re-analysed.

Every point runs the same `replicates` seeds (common random numbers), so the indices measure
how the parameters move the outcome averaged over those seeds, not seed noise.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.factors import (
    Parameter,
    SensitivityError,
    check_metrics,
    check_parameters,
    known_metrics,
    numeric_parameters,
    with_values,
)
from sim.analysis.kinds import ReportKind, SensitivityMethod
from sim.config import Config, build_dataclass
from sim.experiment.store import (
    MANIFEST,
    RunSpec,
    atomic_path,
    config_hash,
    ensure_manifest,
    read_manifest,
)
from sim.experiment.store import load as load_results

DESIGN = "design.parquet"
METHODS = tuple(m.value for m in SensitivityMethod)


@dataclass(frozen=True)
class SensitivitySpec:
    """What a sensitivity analysis varies, measures and how many runs it makes."""

    parameters: tuple[Parameter, ...]
    outcomes: tuple[str, ...] = (
        "frontier_capability",
        "developer_trust",
        "open_weights_share",
        "hhi",
    )
    """Metrics, read at the final month of each run."""
    methods: tuple[str, ...] = METHODS
    morris_trajectories: int = 10
    morris_levels: int = 4
    sobol_samples: int = 64
    """Sobol base samples N (a power of 2); the design has N * (k + 2) points."""
    replicates: int = 1
    seed: int = 0
    """Seeds the samplers and the bootstrap of the confidence intervals."""
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SensitivitySpec:
        return build_dataclass(cls, data, "sensitivity.")


def problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem definition of a design."""
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [[p.low, p.high] for p in parameters],
    }


# --- the design ------------------------------------------------------------------------------


def check_spec(config: Config, spec: SensitivitySpec) -> None:
    """Every error a design can have, before anything runs."""
    check_parameters(config, spec.parameters)
    check_metrics(config, spec.outcomes)
    unknown = [m for m in spec.methods if m not in METHODS]
    if unknown or not spec.methods:
        raise SensitivityError(f"methods = {list(spec.methods)}: expected some of {METHODS}")
    for name in ("morris_trajectories", "sobol_samples", "replicates"):
        if getattr(spec, name) < 1:
            raise SensitivityError(f"{name} = {getattr(spec, name)}: expected a number >= 1")
    if spec.morris_levels < 2 or spec.morris_levels % 2:
        raise SensitivityError(
            f"morris_levels = {spec.morris_levels}: expected an even number >= 2"
        )
    if SensitivityMethod.morris in spec.methods and spec.morris_trajectories < 2:
        raise SensitivityError("morris_trajectories must be >= 2 for confidence intervals")


def sample(spec: SensitivitySpec) -> pd.DataFrame:
    """The design's points: columns method, row (order within the method's sample), and one
    column per parameter path. Seeded: the same spec gives the same design."""
    # SALib (and scipy.stats under it, ~1.5 s) only where a design is sampled or analysed:
    # a posterior's worlds are planned through this module without either
    from SALib.sample import morris as morris_sample  # type: ignore[import-untyped]
    from SALib.sample import sobol as sobol_sample

    prob = problem(spec.parameters)
    frames = []
    if SensitivityMethod.morris in spec.methods:
        x = morris_sample.sample(
            prob, spec.morris_trajectories, num_levels=spec.morris_levels, seed=spec.seed
        )
        frames.append(_design_frame(SensitivityMethod.morris, x, prob["names"]))
    if SensitivityMethod.sobol in spec.methods:
        x = sobol_sample.sample(
            prob, spec.sobol_samples, calc_second_order=False, scramble=True, seed=spec.seed
        )
        frames.append(_design_frame(SensitivityMethod.sobol, x, prob["names"]))
    return pd.concat(frames, ignore_index=True)


def _design_frame(method: SensitivityMethod, x: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=list(names))
    frame.insert(0, "row", np.arange(len(frame)))
    frame.insert(0, "method", method.value)
    return frame


def plan_design(
    config: Config,
    design: pd.DataFrame,
    parameters: Sequence[Parameter],
    replicates: int,
    intervention: Sequence[Any] = (),
) -> tuple[list[RunSpec], list[str]]:
    """The runs of every design point (each replicate, both arms with an intervention),
    without duplicates, and each design row's point id."""
    from sim.experiment.run import plan  # the model (Mesa) only to plan: reading needs none

    paths = [p.path for p in parameters]
    specs: dict[str, RunSpec] = {}
    point_ids = []
    for values in design[paths].itertuples(index=False):
        point = dict(zip(paths, (float(v) for v in values), strict=True))
        runs = plan(
            with_values(config, point),
            replicates,
            intervention,
            params={k: repr(v) for k, v in point.items()},
        )
        point_ids.append(runs[0].point_id)
        for r in runs:
            specs.setdefault(r.run_id, r)
    return list(specs.values()), point_ids


def run_design(
    config: Config,
    specs: Sequence[RunSpec],
    sweep_dir: Path,
    n_jobs: int,
    progress: str | None = None,
) -> int:
    """Run the specs not yet finished in `sweep_dir`, with a progress bar so described
    (sim.experiment.workers.progress_bar) if `progress`; returns the number run now."""
    from sim.experiment.run import sweep

    return sweep(specs, sweep_dir, n_jobs, progress=progress)


def run_sensitivity(
    config: Config,
    spec: SensitivitySpec,
    sweep_dir: str | os.PathLike[str],
    *,
    n_jobs: int = 1,
    progress: str | None = None,
    description: Mapping[str, Any] | None = None,
) -> int:
    """Check the design, record it (manifest and design file), and run what is missing
    (with a progress bar so described, if `progress`).

    Raises SensitivityError for a bad design and sim.results.SweepMismatchError when the
    directory holds another sweep. Returns the number of runs made now.
    """
    check_spec(config, spec)
    path = Path(sweep_dir)
    design = sample(spec)
    specs, point_ids = plan_design(config, design, spec.parameters, spec.replicates)
    design["point_id"] = point_ids
    signature = config_hash({"base": config.to_dict(), "sensitivity": spec.to_dict()})
    ensure_manifest(
        path,
        signature,
        {
            "experiment": "sensitivity",
            "kind": ReportKind.sensitivity.value,
            "intervention": [],
            "effects_after": [],
            "jobs": 1,
            "planned_runs": len(specs),
            "sensitivity": spec.to_dict(),
            **(description or {}),
        },
    )
    write_design(path, design)
    return run_design(config, specs, path, n_jobs, progress)


def write_design(sweep_dir: Path, design: pd.DataFrame) -> None:
    if (sweep_dir / DESIGN).exists():
        return
    with atomic_path(sweep_dir / DESIGN) as tmp:
        design.to_parquet(tmp, index=False)


# --- analysis from the sweep directory ---------------------------------------------------------


@dataclass(frozen=True)
class SensitivityResult:
    """Indices of every method, outcome and parameter, and what the design lacked."""

    indices: pd.DataFrame
    """Columns method, outcome, parameter, and mu_star, mu_star_conf, mu, sigma (Morris) or
    S1, S1_conf, ST, ST_conf (Sobol); *_conf is the half-width of the confidence interval."""
    used: dict[SensitivityMethod, tuple[int, int]]
    """Per method: (complete units used, units planned) - Morris trajectories, Sobol base
    samples."""
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return any(u < n for u, n in self.used.values())


def analyze(
    sweep_dir: str | os.PathLike[str], outcomes: Sequence[str] | None = None
) -> SensitivityResult:
    """Morris and Sobol indices from a sensitivity sweep directory. Only complete Morris
    trajectories and complete Sobol blocks are used, so a partial sweep gives indices from
    fewer samples (and says so) rather than failing."""
    path = Path(sweep_dir)
    manifest = read_manifest(path)
    if manifest.get("kind") != ReportKind.sensitivity:
        raise SensitivityError(f"{path} is not a sensitivity sweep (its {MANIFEST} says so)")
    spec = SensitivitySpec.from_dict(manifest["sensitivity"])
    outcomes = list(outcomes or spec.outcomes)
    design = pd.read_parquet(path / DESIGN)
    prob = problem(spec.parameters)
    k = prob["num_vars"]
    try:
        summary = load_results(path, "summary")
    except FileNotFoundError:
        summary = pd.DataFrame(columns=["point_id", *outcomes])
    for m in outcomes:
        if m not in summary.columns and len(summary):
            raise SensitivityError(f"outcome {m!r} is not a metric in {path}")
    means = summary.groupby("point_id")[outcomes].mean() if len(summary) else None
    frames, used, notes = [], {}, []
    for method in map(SensitivityMethod, spec.methods):
        rows = design[design["method"] == method].sort_values("row")
        size = method.block(k)
        planned = len(rows) // size
        y = (
            means.reindex(rows["point_id"]).to_numpy(dtype=float)
            if means is not None
            else np.full((len(rows), len(outcomes)), np.nan)
        )
        complete = ~np.isnan(y).any(axis=1).reshape(planned, size).any(axis=1)
        used[method] = (int(complete.sum()), planned)
        minimum = 2
        if complete.sum() < minimum:
            notes.append(
                f"{method}: {int(complete.sum())} of {planned} "
                f"{method.units} finished; "
                f"at least {minimum} are needed for indices"
            )
            continue
        keep = np.repeat(complete, size)
        x = rows[prob["names"]].to_numpy(dtype=float)[keep]
        for j, outcome in enumerate(outcomes):
            frames.append(_indices(method, prob, x, y[keep, j], spec).assign(outcome=outcome))
    columns = ["method", "outcome", "parameter"]
    indices = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    rest = [c for c in indices.columns if c not in columns]
    return SensitivityResult(indices[columns + rest], used, notes)


def _indices(
    method: SensitivityMethod,
    prob: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    spec: SensitivitySpec,
) -> pd.DataFrame:
    # SALib's Sobol analysis ignores a seed of 0 (it tests `if seed:`), so the bootstrap seed
    # is derived from the spec's seed and is never 0.
    seed = int(np.random.SeedSequence(spec.seed).generate_state(1)[0]) | 1
    from SALib.analyze import morris as morris_analyze  # type: ignore[import-untyped]
    from SALib.analyze import sobol as sobol_analyze

    if method is SensitivityMethod.morris:
        res = morris_analyze.analyze(
            prob,
            x,
            y,
            num_resamples=1000,
            conf_level=spec.confidence,
            num_levels=spec.morris_levels,
            seed=seed,
        )
    else:
        res = sobol_analyze.analyze(
            prob,
            y,
            calc_second_order=False,
            num_resamples=1000,
            conf_level=spec.confidence,
            seed=seed,
        )
    frame = pd.DataFrame({key: np.asarray(res[key], dtype=float) for key in method.columns})
    frame.insert(0, "parameter", prob["names"])
    frame.insert(0, "method", method.value)
    return frame


def ranking(indices: pd.DataFrame, method: str | SensitivityMethod, outcome: str) -> pd.DataFrame:
    """The parameters of one method and outcome, most influential first (by total Sobol
    index ST, or Morris mu*)."""
    key = SensitivityMethod(method).key
    rows = indices[(indices["method"] == method) & (indices["outcome"] == outcome)]
    return rows.sort_values(key, ascending=False).reset_index(drop=True)


__all__ = [
    "Parameter",
    "SensitivityError",
    "SensitivityMethod",
    "SensitivityResult",
    "SensitivitySpec",
    "analyze",
    "check_metrics",
    "check_parameters",
    "known_metrics",
    "numeric_parameters",
    "run_sensitivity",
    "sample",
    "with_values",
]
