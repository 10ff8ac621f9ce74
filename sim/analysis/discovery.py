"""Scenario discovery: where in parameter space does an intervention do something?

A discovery design samples numeric parameters by Latin hypercube (seeded) and runs every
point as a pair with and without an intervention, through the sweep store. Each pair is a
case; it is a *case of interest* when the paired effect of the intervention on a metric is
below (or above) a threshold - e.g. "the cutoff lowered total innovation". PRIM (the
Patient Rule Induction Method of Friedman & Fisher 1999, as implemented by the EMA
Workbench, Kwakkel 2017) then finds a box of parameter space with many of the cases
(coverage) and few others (density), described in plain words.

PRIM itself lives in sim.analysis.prim.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.analysis.estimates import intervention_month, paired_differences
from sim.analysis.factors import Parameter, SensitivityError, check_metrics, check_parameters
from sim.analysis.kinds import ReportKind
from sim.analysis.names import metric_name
from sim.analysis.prim import PrimResult, Restriction, prim
from sim.analysis.sensitivity import (
    plan_design,
    run_design,
    write_design,
)
from sim.config import Config, EventKind, build_dataclass
from sim.experiment.store import Arm, config_hash, ensure_manifest, load_config, read_manifest
from sim.experiment.store import load as load_results


@dataclass(frozen=True)
class DiscoverySpec:
    """A discovery design: the parameters sampled, the intervention, the case definition
    and PRIM's settings."""

    parameters: tuple[Parameter, ...]
    samples: int = 100
    intervention: tuple[str, ...] = ("revoke_access",)
    metric: str = "frontier_capability"
    after: int | None = None
    """Months after the intervention at which the effect is read; None = the final month."""
    threshold: float = 0.0
    below: bool = True
    """A case of interest has effect < threshold (True) or effect > threshold (False)."""
    replicates: int = 1
    seed: int = 0
    density: float = 0.8
    """PRIM keeps the box of highest coverage among those at least this dense."""
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    significance: float = 0.05
    """Restrictions whose quasi-p value exceeds this are dropped (the best one is kept)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiscoverySpec:
        return build_dataclass(cls, data, "discovery.")


def kinds(spec: DiscoverySpec) -> list[EventKind]:
    return [EventKind(k) for k in spec.intervention]


def check_spec(config: Config, spec: DiscoverySpec) -> None:
    """Every error a discovery design can have, before anything runs."""
    check_parameters(config, spec.parameters)
    check_metrics(config, [spec.metric], "metric")
    if spec.samples < 2 or spec.replicates < 1:
        raise SensitivityError(
            f"samples = {spec.samples}, replicates = {spec.replicates}: expected samples >= 2 "
            "and replicates >= 1"
        )
    from sim.experiment.run import without  # the model (Mesa) only to check a design

    try:
        without(config, kinds(spec))
    except (ValueError, KeyError) as err:
        raise SensitivityError(f"intervention {list(spec.intervention)}: {err}") from None
    if not 0 < spec.density <= 1:
        raise SensitivityError(f"density = {spec.density}: expected a number in (0, 1]")


def sample(spec: DiscoverySpec) -> pd.DataFrame:
    """A Latin hypercube over the parameter ranges (seeded): columns method ('lhs'), row,
    and one column per parameter path."""
    unit = qmc.LatinHypercube(d=len(spec.parameters), seed=np.random.default_rng(spec.seed))
    x = qmc.scale(
        unit.random(spec.samples),
        [p.low for p in spec.parameters],
        [p.high for p in spec.parameters],
    )
    frame = pd.DataFrame(x, columns=[p.path for p in spec.parameters])
    frame.insert(0, "row", np.arange(len(frame)))
    frame.insert(0, "method", "lhs")
    return frame


def run_discovery(
    config: Config,
    spec: DiscoverySpec,
    sweep_dir: str | os.PathLike[str],
    *,
    n_jobs: int = 1,
    progress: str | None = None,
    description: Mapping[str, Any] | None = None,
) -> int:
    """Check the design, record it, and run the pairs not yet finished (resumable), with a
    progress bar so described if `progress`."""
    check_spec(config, spec)
    path = Path(sweep_dir)
    design = sample(spec)
    specs, point_ids = plan_design(config, design, spec.parameters, spec.replicates, kinds(spec))
    design["point_id"] = point_ids
    at = intervention_month(config, kinds(spec))
    ensure_manifest(
        path,
        config_hash({"base": config.to_dict(), "discovery": spec.to_dict()}),
        {
            "experiment": "discovery",
            "kind": ReportKind.discovery.value,
            "intervention": list(spec.intervention),
            "effects_after": [spec.after if spec.after is not None else config.steps - at],
            "jobs": 1,
            "planned_runs": len(specs),
            "discovery": spec.to_dict(),
            **(description or {}),
        },
    )
    write_design(path, design)
    return run_design(config, specs, path, n_jobs, progress)


# --- cases and PRIM ----------------------------------------------------------------------------


def cases(
    results: pd.DataFrame,
    metric: str,
    step: int | None = None,
    *,
    threshold: float = 0.0,
    below: bool = True,
) -> pd.DataFrame:
    """One row per complete pair: the swept parameters (numeric where they parse as
    numbers), the paired effect on `metric` at `step` (default: the last month) and whether
    it is a case of interest (`case`)."""
    diffs = paired_differences(results, metric)
    step = int(diffs["step"].max()) if step is None else step
    diffs = diffs[diffs["step"] == step]
    if diffs.empty:
        raise ValueError(f"no complete pair reaches month {step}")
    params = [c for c in results.columns if c.startswith("param__")]
    x = results.drop_duplicates("pair_id").set_index("pair_id")[params]
    frame = diffs.set_index("pair_id")[["difference"]].join(x)
    frame = frame.rename(columns={c: c.removeprefix("param__") for c in params})
    for c in frame.columns.drop("difference"):
        numeric = pd.to_numeric(frame[c], errors="coerce")
        frame[c] = numeric if numeric.notna().all() else frame[c].astype(str)
    frame["case"] = frame["difference"] < threshold if below else frame["difference"] > threshold
    return frame.reset_index()


@dataclass(frozen=True)
class Discovery:
    """Scenario discovery of one sweep: the cases, the PRIM box, and the question asked."""

    cases: pd.DataFrame
    box: PrimResult
    metric: str
    step: int
    months_after: int
    threshold: float
    below: bool
    parameters: tuple[str, ...]
    subject: str = "the intervention"

    @property
    def case_words(self) -> str:
        """The case of interest in words, e.g. 'the cutoff lowered the frontier capability'."""
        name = metric_name(self.metric)
        if self.threshold == 0.0:
            verb = "lowered" if self.below else "raised"
            return f"{self.subject} {verb} the {name}"
        side = "below" if self.below else "above"
        return f"the effect of {self.subject} on the {name} was {side} {self.threshold:g}"


def discover(
    sweep_dir: str | os.PathLike[str],
    *,
    metric: str | None = None,
    after: int | None = None,
    threshold: float | None = None,
    below: bool | None = None,
    density: float | None = None,
    results: pd.DataFrame | None = None,
) -> Discovery:
    """Scenario discovery over a paired sweep directory: a discovery design, or any paired
    sweep whose swept parameters vary. Settings default to the design's (if it is one).
    `results` is the directory's time series when the caller has already loaded them."""
    path = Path(sweep_dir)
    manifest = read_manifest(path)
    spec = (
        DiscoverySpec.from_dict(manifest["discovery"])
        if manifest.get("kind") == ReportKind.discovery
        else None
    )
    metric = metric or (spec.metric if spec else "frontier_capability")
    threshold = threshold if threshold is not None else (spec.threshold if spec else 0.0)
    below = below if below is not None else (spec.below if spec else True)
    density = density if density is not None else (spec.density if spec else 0.8)
    results = load_results(path) if results is None else results
    treated = results.loc[results["arm"] == Arm.treated, "run_id"]
    if treated.empty:
        raise ValueError(f"{path} holds no paired runs: scenario discovery needs pairs")
    config = load_config(path, str(treated.iloc[0]))
    at = intervention_month(config, [EventKind(k) for k in manifest["intervention"]])
    after = after if after is not None else (spec.after if spec else None)
    step = config.steps if after is None else at + after
    frame = cases(results, metric, step, threshold=threshold, below=below)
    varying = [
        c
        for c in frame.columns
        if c not in ("pair_id", "difference", "case") and frame[c].nunique() > 1
    ]
    if not varying:
        raise ValueError(f"{path}: no swept parameter varies, so there is no space to search")
    kw = (
        {
            "peel_alpha": spec.peel_alpha,
            "paste_alpha": spec.paste_alpha,
            "mass_min": spec.mass_min,
            "significance": spec.significance,
        }
        if spec
        else {}
    )
    box = prim(frame[varying], frame["case"].to_numpy(), density=density, **kw)
    kinds_ = [EventKind(k) for k in manifest["intervention"]]
    subject = "the cutoff" if EventKind.revoke_access in kinds_ else "the intervention"
    return Discovery(frame, box, metric, step, step - at, threshold, below, tuple(varying), subject)


__all__ = [
    "Discovery",
    "DiscoverySpec",
    "PrimResult",
    "Restriction",
    "cases",
    "discover",
    "prim",
    "run_discovery",
    "sample",
]
