"""Sweeps on the command line, a sweep point's job: replicates, paired counterfactuals,
resume, failures.

Under a cluster launcher (Ray, SLURM, submitit) a Hydra multirun launches one job per
point of the sweep (its swept parameters), the unit sent to the cluster; each job runs
that point's replicates, both arms when the experiment declares an intervention, in
joblib worker processes (``sweep.n_jobs``), into the shared store
``<sweep dir>/timeseries/`` and ``events/`` (sim.experiment.store). Under the local
launchers the whole grid runs in the launching process instead (experiments.grid), through
the same functions here; the launching process's side (planning, the manifest, one
progress bar, the effect table and report at the end) is experiments.launching."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.schema import DESIGN_KEYS, to_sim_config
from sim import ConfigError
from sim.config import Config, EventKind
from sim.experiment.store import RunSpec, StoreFullError, atomic_path, read_manifest, triage
from sim.experiment.workers import parallel_map, stop_with_parent

FAILED = "failed"
NOT_SWEPT = ("sweep.replicate", "sweep.n_jobs", "sweep.share_prefix", "seed")
"""Overrides that are not a sweep point's parameters (no param__ column)."""
POINTS_AT_ONCE = ("JoblibLauncher", "LocalLauncher", "RayLauncher")
"""Launchers that run several sweep points at once on the machines they have; under them a
sweep of several points runs each point's replicates one after another (no nested pools)."""


def fail(message: str) -> None:
    """A clear error on stderr and exit status 2, with no traceback."""
    print(f"accessrace: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_sweep(cfg: DictConfig, overrides: list[str]) -> None:
    """Refuse, before anything runs, what would silently run something else than asked:
    an empty map on the command line (Hydra merges maps, so ``labs={}`` keeps the default
    labs), ``sweep.replicates`` below 1, effect horizons before the intervention, and a
    posterior that is missing or damaged (or too few draws from it). Raises ConfigError in
    one line."""
    for item in overrides:
        key, _, value = str(item).partition("=")
        if value.replace(" ", "") == "{}":
            name = key.lstrip("+~")
            raise ConfigError(
                f"{name} = {{}}: an empty map changes nothing on the command line (Hydra "
                f"merges it into the default); remove entries one by one with ~{name}.NAME, "
                "or write the whole map in a config file (README, 'Your own labs')"
            )
    replicates = cfg.sweep.replicates
    if not isinstance(replicates, int) or replicates < 1:
        raise ConfigError(f"sweep.replicates = {replicates}: expected a whole number >= 1")
    before = [a for a in cfg.sweep.effects_after if a < 0]
    if before:
        raise ConfigError(
            f"sweep.effects_after = {list(cfg.sweep.effects_after)}: {before} would be before "
            "the intervention (both arms are the same run there); expected months after it, >= 0"
        )
    if cfg.sweep.get("posterior") is not None:
        from sim.calibration.posterior import CalibrationError
        from sim.calibration.worlds import load_posterior

        draws = cfg.sweep.draws
        if not isinstance(draws, int) or draws < 2:
            raise ConfigError(f"sweep.draws = {draws}: expected a whole number >= 2")
        try:
            load_posterior(str(cfg.sweep.posterior))
        except CalibrationError as err:
            raise ConfigError(str(err)) from None


def intervention_of(cfg: DictConfig) -> list[EventKind]:
    return [EventKind(getattr(k, "value", k)) for k in cfg.sweep.intervention]


def specs_for(cfg: DictConfig, config: Config, params: dict[str, str]) -> list[RunSpec]:
    if cfg.sweep.posterior is not None:
        from sim.calibration.worlds import load_posterior, posterior_plan

        return posterior_plan(
            config,
            load_posterior(str(cfg.sweep.posterior)),
            int(cfg.sweep.draws),
            int(cfg.sweep.replicates),
            intervention_of(cfg),
        )
    from sim.experiment.run import plan  # the model (Mesa) only once runs are planned

    return plan(
        config,
        int(cfg.sweep.replicates),
        intervention_of(cfg),
        params,
        only=None if cfg.sweep.replicate is None else int(cfg.sweep.replicate),
    )


def point_params(overrides: list[str]) -> dict[str, str]:
    """The overrides that make a sweep point (recorded with its runs as param__ columns)."""
    out = {}
    for item in overrides:
        key, _, value = str(item).lstrip("+~").partition("=")
        if key not in NOT_SWEPT:
            out[key] = value
    return out


def plan_point(cfg: DictConfig, overrides: list[str]) -> list[RunSpec]:
    """The runs of the sweep point composed as `cfg` from `overrides`, its config checked
    first (ConfigError); the same in a point's own job and in a grid run here."""
    check_sweep(cfg, overrides)
    return specs_for(cfg, to_sim_config(cfg), point_params(overrides))


def run_specs(
    specs: list[RunSpec],
    sweep_dir: Path,
    n_jobs: int,
    progress: str | None = None,
    share_prefix: bool = True,
) -> list[dict[str, Any]]:
    """The runs not yet finished in the store, on `n_jobs` worker processes; their failures.
    A run whose file is there but cannot be trusted is named on stderr and redone. A pair's
    arms are one work unit, sharing the months before the intervention unless
    `share_prefix` is false (sim.experiment.pairing; the results are the same)."""
    from sim.experiment.pairing import pairs
    from sim.experiment.run import attempt_unit, failure_record

    todo, notes = triage(sweep_dir, specs)
    for note in notes:
        print(f"accessrace: {note}", file=sys.stderr, flush=True)
    done = parallel_map(
        attempt_unit,
        pairs(todo),
        sweep_dir,
        share_prefix,
        n_jobs=n_jobs,
        progress=progress,
        total=len(pairs(specs)),
        lost=lambda unit, why: [failure_record(s, f"WorkerLostError: {why}") for s in unit],
    )
    return [f for unit_failures in done for f in unit_failures]


def replicate_jobs(cfg: DictConfig, sweep_dir: Path) -> int:
    """Worker processes for one sweep point's runs: `sweep.n_jobs` if set; else all cores
    (joblib's -1, which respects a SLURM job's CPUs), unless the launcher already runs
    several points of this sweep at once (joblib, submitit_local, Ray): then 1, so the
    machine's cores are shared by points, not oversubscribed."""
    if cfg.sweep.n_jobs is not None:
        return int(cfg.sweep.n_jobs)
    launcher = str(HydraConfig.get().launcher.get("_target_", ""))
    points = int(read_manifest(sweep_dir).get("jobs", 1))
    return 1 if points > 1 and launcher.rsplit(".", 1)[-1] in POINTS_AT_ONCE else -1


def run_sweep_job(cfg: DictConfig, sweep_dir: Path) -> list[dict[str, Any]]:
    """Run this job's sweep point (all its replicates and arms) into the sweep store,
    skipping finished runs; failures are reported with their config and seed, and
    recorded, and the sweep carries on."""
    stop_with_parent()  # in a launcher's worker process: stop if the launcher is killed
    own = [str(o) for o in HydraConfig.get().overrides.task]
    same_as = duplicate_of(sweep_dir, own)
    if same_as is not None:
        print(
            f"[accessrace] {difference(own, same_as)} has the same config as "
            f"{difference(same_as, own)}: one point, run once",
            flush=True,
        )
        return []
    failures: list[dict[str, Any]] = []
    try:
        specs = plan_point(cfg, own)
    except ConfigError as err:
        specs = []
        failures.append({"error": f"invalid configuration: {err}", "seed": None})
    if specs:
        try:
            jobs = replicate_jobs(cfg, sweep_dir)
            failures += run_specs(specs, sweep_dir, jobs, share_prefix=cfg.sweep.share_prefix)
        except StoreFullError as err:
            print(f"accessrace: error: {err.strerror}", file=sys.stderr, flush=True)
            return failures
    for f in failures:
        report_failure(sweep_dir, own, f)
    return failures


def report_failure(sweep_dir: Path, overrides: list[str], failure: dict[str, Any]) -> None:
    """Name a failed run of the sweep point `overrides` (or the point itself, when its
    config is invalid) on stderr, and record it in ``failed/``."""
    failure["overrides"] = list(overrides)
    print(
        f"accessrace: run failed (overrides {list(overrides)}, seed {failure.get('seed')}, "
        f"replicate {failure.get('replicate')}, arm {failure.get('arm')}): {failure['error']}",
        file=sys.stderr,
        flush=True,
    )
    record_failure(sweep_dir, failure)


def record_failure(sweep_dir: Path, failure: dict[str, Any]) -> None:
    """Write `failure` to ``failed/<run id>.json``, atomically (a reader never sees half a
    record)."""
    folder = sweep_dir / FAILED
    folder.mkdir(parents=True, exist_ok=True)
    name = (
        failure.get("run_id")
        or hashlib.sha256(str(failure.get("overrides")).encode()).hexdigest()[:16]
    )
    with atomic_path(folder / f"{name}.json") as tmp:
        tmp.write_text(json.dumps(failure, indent=2, default=str))


def duplicate_of(sweep_dir: Path, overrides: list[str]) -> list[str] | None:
    """The overrides of the earlier sweep point whose config this job's equals, if the
    manifest lists this job as such a duplicate."""
    for item in read_manifest(sweep_dir).get("duplicates", []):
        if sorted(item["job"]) == sorted(overrides):
            return list(item["same_as"])
    return None


def difference(job: list[str], other: list[str]) -> str:
    """The overrides of `job` that `other` lacks, as the command line wrote them."""
    return " ".join(o for o in job if o not in other) or "(no overrides)"


def signature(cfg: DictConfig, overrides: list[str]) -> str:
    """What makes a sweep this sweep: its base config and its overrides (not the launcher
    or the number of workers, so a sweep may resume under another launcher)."""
    base = {
        str(k): OmegaConf.to_container(cfg[k], resolve=False)
        if OmegaConf.is_config(cfg[k])
        else cfg[k]
        for k in cfg
        if k != "hydra" and k not in DESIGN_KEYS
    }
    if isinstance(sweep := base.get("sweep"), dict):
        base["sweep"] = {k: v for k, v in sweep.items() if k not in ("n_jobs", "share_prefix")}
    kept = [
        o
        for o in overrides
        if o.lstrip("+~").partition("=")[0] not in ("sweep.n_jobs", "sweep.share_prefix")
    ]
    if cfg.sweep.get("posterior") is not None:  # the same name may hold another posterior
        from sim.calibration.worlds import posterior_fingerprint

        kept.append(f"posterior content {posterior_fingerprint(str(cfg.sweep.posterior))}")
    text = json.dumps([base, sorted(kept)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
