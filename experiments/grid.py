"""A sweep's points, planned once in the launching process, and run there under a local
launcher.

:func:`plan_sweep` composes every point of a multirun as its job would be (Hydra, ~0.2 s a
point), on every core, and keeps what each point runs: its run specs, or why its config is
invalid. The launching process's callback (experiments.launching) records the plan in the
manifest; the project's sweeper (``hydra_plugins.accessrace_sweeper``) then either runs
the whole grid here (:func:`run_grid`: under the basic and joblib launchers, all points'
runs in one pool of worker processes, as ``sim.experiment.run.sweep`` would run them) or,
under the cluster launchers (Ray, SLURM, submitit), launches one job per point
(experiments.sweeps). Both write the same runs, with the same seeds and param__ columns.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig

from experiments.sweeps import fail, plan_point, report_failure, run_specs
from sim import ConfigError
from sim.experiment.store import RunSpec, StoreFullError

RUN_HERE = ("BasicLauncher", "JoblibLauncher")
"""Launchers whose sweeps run as one grid in the launching process (:func:`run_grid`):
both run on this machine only, so a job per point would add Hydra's cost per point and
nothing else."""


@dataclass
class Point:
    """One sweep point: its overrides, and its runs or why its config is invalid."""

    overrides: list[str]
    specs: list[RunSpec] = field(default_factory=list)
    invalid: str | None = None
    task: str = "simulate"
    uncomposable: str | None = None
    """Why Hydra cannot compose the point's overrides (the sweep stops before it starts)."""


@dataclass
class SweepPlan:
    """Every point of a sweep, composed, and the points that repeat an earlier one."""

    points: list[Point]
    duplicates: list[dict[str, list[str]]]

    @property
    def jobs(self) -> list[list[str]]:
        return [p.overrides for p in self.points]


_plans: dict[str, SweepPlan] = {}
"""The plan of each sweep directory this process launched: made by the callback before the
sweeper starts, read by the sweeper (both run in the launching process, one after the other)."""


def sweep_overrides(cfg: DictConfig) -> list[str]:
    """The overrides the basic sweeper expands: `hydra.sweeper.params`, then the command line."""
    params = cfg.hydra.sweeper.get("params") or {}
    return [f"{k}={v}" for k, v in params.items()] + list(cfg.hydra.overrides.task)


def planned_jobs(cfg: DictConfig) -> list[list[str]]:
    parsed = OverridesParser.create().parse_overrides(sweep_overrides(cfg))
    return BasicSweeper.split_arguments(parsed, None)[0]


def plan_sweep(cfg: DictConfig) -> SweepPlan:
    """Compose every point of the sweep `cfg` describes (on every core when there are
    several); stop with one line if a point's overrides do not compose (what Hydra's own
    sweeper checks before launching, one point at a time). Kept for the sweeper as the plan
    of ``hydra.sweep.dir``."""
    jobs = planned_jobs(cfg)
    loader = GlobalHydra.instance().config_loader()
    if len(jobs) == 1:
        points = compose_points(loader, cfg, jobs)
    else:
        from joblib import Parallel, delayed, effective_n_jobs

        # one share of the points per worker (loky's, which the runs then reuse): a loader
        # arrives in a worker with its file cache empty, so one task per point would read
        # every config file every time
        workers = effective_n_jobs(-1)
        size = -(-len(jobs) // workers)  # points per worker, rounded up
        shares = Parallel(n_jobs=workers, backend="loky")(
            delayed(compose_points)(loader, cfg, jobs[i : i + size])
            for i in range(0, len(jobs), size)
        )
        points = [p for share in shares for p in share]
    for point in points:
        if point.uncomposable is not None:
            swept = [o for o in point.overrides if any(o not in job for job in jobs)]
            fail(f"sweep point {' '.join(swept or point.overrides)}: {point.uncomposable}")
    plan = SweepPlan(points, find_duplicates(points))
    _plans[str(cfg.hydra.sweep.dir)] = plan
    return plan


def plan_of(cfg: DictConfig) -> SweepPlan:
    """The plan the callback made for this sweep, or a new one."""
    return _plans.get(str(cfg.hydra.sweep.dir)) or plan_sweep(cfg)


def compose_points(loader: Any, cfg: DictConfig, jobs: list[list[str]]) -> list[Point]:
    """Each sweep point of `jobs`, composed by Hydra's config `loader` as its job will be
    and checked as its job will check it (in a worker process: nothing here may exit)."""
    from experiments.schema import register

    register()  # in a worker process, the schema the composition starts from
    out = []
    for job in jobs:
        try:
            job_cfg = loader.load_sweep_config(cfg, list(job))
        except Exception as err:  # Hydra's errors span lines (and list its search path)
            why = str(err).split("Config search path")[0]
            out.append(Point(list(job), uncomposable=" ".join(why.split())))
            continue
        point = Point(list(job), task=str(job_cfg.task))
        if point.task == "simulate":
            try:
                point.specs = plan_point(job_cfg, list(job))
            except ConfigError as err:
                point.invalid = f"invalid configuration: {err}"
        out.append(point)
    return out


def find_duplicates(points: list[Point]) -> list[dict[str, list[str]]]:
    """Sweep points whose runs are an earlier point's (identical configs):
    ``{"job": overrides, "same_as": overrides}`` each. A point sharing only some runs with
    another (e.g. ``sweep.replicates=2,3``) raises ConfigError: its runs would carry two
    points' columns."""
    seen: dict[frozenset[str], list[str]] = {}
    owner: dict[str, list[str]] = {}
    out = []
    for point in points:
        runs = frozenset(s.run_id for s in point.specs)
        if not runs:  # an invalid point fails with its own message
            continue
        if runs in seen:
            out.append({"job": point.overrides, "same_as": seen[runs]})
            continue
        shared = [owner[r] for r in runs if r in owner]
        if shared:
            raise ConfigError(
                f"sweep points {shared[0]} and {point.overrides} share runs (identical configs "
                "and seeds) but are not the same point; sweep them in separate directories"
            )
        seen[runs] = point.overrides
        owner.update({r: point.overrides for r in runs})
    return out


def local(cfg: DictConfig) -> bool:
    """Whether the sweep's launcher is one of :data:`RUN_HERE`."""
    return str(cfg.hydra.launcher.get("_target_", "")).rsplit(".", 1)[-1] in RUN_HERE


def runs_here(cfg: DictConfig, plan: SweepPlan) -> bool:
    """Whether the sweep runs as one grid in this process: under a local launcher, when
    every point simulates (other tasks write a job folder each)."""
    return local(cfg) and all(p.task == "simulate" for p in plan.points)


def run_workers(cfg: DictConfig) -> int:
    """Worker processes of a grid run here: `sweep.n_jobs`, or every core (-1)."""
    return -1 if cfg.sweep.n_jobs is None else int(cfg.sweep.n_jobs)


def run_grid(cfg: DictConfig, plan: SweepPlan) -> None:
    """Every point's unfinished runs in one pool of `sweep.n_jobs` worker processes (all
    cores by default), skipping points that repeat an earlier one; each failure is named
    with its point's overrides and recorded, as a point's own job would."""
    sweep_dir = Path(cfg.hydra.sweep.dir)
    repeated = [d["job"] for d in plan.duplicates]
    point_of: dict[str, list[str]] = {}
    specs: list[RunSpec] = []
    for point in plan.points:
        if point.overrides in repeated:
            continue
        if point.invalid is not None:
            report_failure(sweep_dir, point.overrides, {"error": point.invalid, "seed": None})
        specs += point.specs
        point_of.update({s.run_id: point.overrides for s in point.specs})
    try:
        failures = run_specs(
            specs, sweep_dir, run_workers(cfg), share_prefix=cfg.sweep.share_prefix
        )
    except StoreFullError as err:
        print(f"accessrace: error: {err.strerror}", file=sys.stderr, flush=True)
        return
    for f in failures:
        report_failure(sweep_dir, point_of[f["run_id"]], f)
