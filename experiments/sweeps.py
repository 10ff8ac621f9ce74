"""Sweeps on the command line: replicates, paired counterfactuals, resume, progress, effects.

A Hydra multirun launches one job per point of the sweep (its swept parameters); each job
runs that point's replicates, both arms when the experiment declares an intervention, in
joblib worker processes (``sweep.n_jobs``), into the shared store ``<sweep dir>/timeseries/``
and ``events/`` (sim.experiment.store). Hydra's per-job cost (~0.3 s composing a config
in the launching process) is paid per point, not per run; under the Ray and SLURM
launchers the point is the unit sent to the cluster. A sweep of one point under the joblib
launcher runs its job in the launching process (:func:`run_alone_here`).
:class:`SweepCallback` records the manifest before any job starts, shows one progress bar
for the whole sweep while the jobs run, and prints the effect table at the end.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, read_write

from experiments.outcome import effects_or_warning, write_report
from experiments.schema import DESIGN_KEYS, to_sim_config
from sim import ConfigError
from sim.config import Config, EventKind
from sim.experiment.store import (
    TIMESERIES,
    RunSpec,
    StoreFullError,
    SweepMismatchError,
    acquire_lock,
    atomic_path,
    ensure_manifest,
    read_manifest,
    release_lock,
    run_files,
    triage,
)
from sim.experiment.workers import parallel_map, progress_bar, stop_with_parent

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


def job_params() -> dict[str, str]:
    """The overrides that made this job (recorded with its runs as param__ columns)."""
    out = {}
    for item in HydraConfig.get().overrides.task:
        key, _, value = str(item).lstrip("+~").partition("=")
        if key not in NOT_SWEPT:
            out[key] = value
    return out


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
    failures: list[dict[str, Any]] = []
    same_as = duplicate_of(sweep_dir, [str(o) for o in HydraConfig.get().overrides.task])
    if same_as is not None:
        own = [str(o) for o in HydraConfig.get().overrides.task]
        print(
            f"[accessrace] {difference(own, same_as)} has the same config as "
            f"{difference(same_as, own)}: one point, run once",
            flush=True,
        )
        return []
    try:
        check_sweep(cfg, [str(o) for o in HydraConfig.get().overrides.task])
        config = to_sim_config(cfg)
        specs = specs_for(cfg, config, job_params())
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
        task = list(HydraConfig.get().overrides.task)
        f["overrides"] = task
        print(
            f"accessrace: run failed (overrides {task}, seed {f.get('seed')}, "
            f"replicate {f.get('replicate')}, arm {f.get('arm')}): {f['error']}",
            file=sys.stderr,
            flush=True,
        )
        record_failure(sweep_dir, f)
    return failures


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


def find_duplicates(cfg: DictConfig, jobs: list[list[str]]) -> list[dict[str, list[str]]]:
    """Sweep points whose configs are identical to an earlier point's (the same runs):
    ``{"job": overrides, "same_as": overrides}`` each. Every point is composed as its job
    will be (~0.2 s each here), on every core (loky's workers, which the joblib launcher
    then reuses). A point sharing only some runs with another (e.g.
    ``sweep.replicates=2,3``) raises ConfigError: its runs would carry two points' columns."""
    if len(jobs) < 2:
        return []
    from joblib import Parallel, delayed, effective_n_jobs

    # one share of the points per worker: a loader arrives in a worker with its file cache
    # empty, so composing points one task each would read every config file every time
    loader, workers = GlobalHydra.instance().config_loader(), effective_n_jobs(-1)
    size = -(-len(jobs) // workers)  # points per worker, rounded up
    composed = Parallel(n_jobs=workers, backend="loky")(
        delayed(runs_of_points)(loader, cfg, jobs[i : i + size]) for i in range(0, len(jobs), size)
    )
    point_runs = [runs for share in composed for runs in share]
    seen: dict[frozenset[str], list[str]] = {}
    owner: dict[str, list[str]] = {}
    out = []
    for job, runs in zip(jobs, point_runs, strict=True):
        if runs is None:  # an invalid point fails in its own job, with its own message
            continue
        if runs in seen:
            out.append({"job": list(job), "same_as": seen[runs]})
            continue
        shared = [owner[r] for r in runs if r in owner]
        if shared:
            raise ConfigError(
                f"sweep points {shared[0]} and {list(job)} share runs (identical configs and "
                "seeds) but are not the same point; sweep them in separate directories"
            )
        seen[runs] = list(job)
        owner.update({r: list(job) for r in runs})
    return out


def runs_of_points(
    loader: Any, cfg: DictConfig, jobs: list[list[str]]
) -> list[frozenset[str] | None]:
    """The run ids of each sweep point in `jobs`, composed by Hydra's config `loader` as its
    job will be; None for a point that does not compose or validate."""
    from experiments.schema import register

    register()  # in a worker process, the schema the composition starts from
    out: list[frozenset[str] | None] = []
    for job in jobs:
        try:
            job_cfg = loader.load_sweep_config(cfg, list(job))
            config = to_sim_config(job_cfg)
            out.append(frozenset(s.run_id for s in specs_for(job_cfg, config, {})))
        except Exception:
            out.append(None)
    return out


# --- planning and the manifest ------------------------------------------------------------


def sweep_overrides(cfg: DictConfig) -> list[str]:
    """The overrides the basic sweeper expands: `hydra.sweeper.params`, then the command line."""
    params = cfg.hydra.sweeper.get("params") or {}
    return [f"{k}={v}" for k, v in params.items()] + list(cfg.hydra.overrides.task)


def planned_jobs(cfg: DictConfig) -> list[list[str]]:
    parsed = OverridesParser.create().parse_overrides(sweep_overrides(cfg))
    return BasicSweeper.split_arguments(parsed, None)[0]


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


def runs_per_job(cfg: DictConfig, job: list[str]) -> int:
    """A job runs its point's replicates, or one replicate when `sweep.replicate` is given
    (the older one-job-per-replicate sweeps, still accepted)."""
    replicates = (
        1 if any(o.startswith("sweep.replicate=") for o in job) else int(cfg.sweep.replicates)
    )
    if cfg.sweep.replicate is not None:
        replicates = 1
    draws = int(cfg.sweep.draws) if cfg.sweep.get("posterior") is not None else 1
    return draws * replicates * (2 if cfg.sweep.intervention else 1)


def run_alone_here(cfg: DictConfig, jobs: list[list[str]]) -> None:
    """A sweep of one point under the joblib launcher runs its job in this process, as the
    basic launcher does (the same runs and files): a launcher worker would only add a
    process start and a second import of the project before the point's own pool of
    workers starts, seconds of a short sweep."""
    launcher = str(cfg.hydra.launcher.get("_target_", ""))
    if len(jobs) == 1 and launcher.rsplit(".", 1)[-1] == "JoblibLauncher":
        with read_write(cfg.hydra.launcher):
            cfg.hydra.launcher.n_jobs = 1


class SweepWatch:
    """One progress bar for a whole sweep, in the launching process whatever the launcher:
    it counts the finished runs' files in the store twice a second."""

    def __init__(self, sweep_dir: Path, total: int, done: int, every: float = 0.5) -> None:
        self.sweep_dir, self.every = sweep_dir, every
        self.bar = progress_bar(total, "[accessrace] runs", initial=done)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _count(self) -> None:
        done = len(list((self.sweep_dir / TIMESERIES).glob("*.parquet")))
        self.bar.update(done - self.bar.n)

    def _watch(self) -> None:
        while not self.stopped.wait(self.every):
            self._count()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        self._count()
        self.bar.close()


class SweepCallback(Callback):
    """Manifest before the jobs, one progress bar while they run, the effect table after."""

    watch: SweepWatch | None = None
    lock: int | None = None
    """The sweep directory's lock, held by the launching process from start to end."""
    started: float = 0.0

    def __getstate__(self) -> dict[str, Any]:
        """Launchers pickle the callbacks into their jobs; the bar and the lock stay in this
        process."""
        return {k: v for k, v in self.__dict__.items() if k not in ("watch", "lock")}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            check_sweep(config, sweep_overrides(config))
            to_sim_config(config)
            jobs = planned_jobs(config)
            run_alone_here(config, jobs)
            duplicates = find_duplicates(config, jobs)
            repeated = [d["job"] for d in duplicates]
            total = sum(runs_per_job(config, job) for job in jobs if job not in repeated)
            self.lock = acquire_lock(sweep_dir)
            note = ensure_manifest(
                sweep_dir,
                signature(config, sweep_overrides(config)),
                {
                    "experiment": config.hydra.runtime.choices.get("experiment"),
                    "overrides": sweep_overrides(config),
                    "intervention": [k.value for k in intervention_of(config)],
                    "effects_after": list(config.sweep.effects_after),
                    "posterior": config.sweep.get("posterior"),
                    "draws": int(config.sweep.draws) if config.sweep.get("posterior") else None,
                    "jobs": len(jobs),
                    "planned_runs": total,
                    "duplicates": duplicates,
                },
            )
        except (ConfigError, SweepMismatchError, ValueError) as err:
            fail(str(err))
        except Exception as err:  # Hydra would only warn: a sweep must not start unrecorded
            fail(f"could not start the sweep in {sweep_dir}: {type(err).__name__}: {err}")
        if note:
            print(f"[accessrace] {note}", flush=True)
        for d in duplicates:
            first, again = difference(d["same_as"], d["job"]), difference(d["job"], d["same_as"])
            print(
                f"[accessrace] sweep points {first} and {again} have identical configs: they "
                f"are one point, run once (as {first})",
                flush=True,
            )
        done = len(run_files(sweep_dir))
        self.started = time.time()
        print(
            f"[accessrace] sweep {sweep_dir}: {len(jobs)} jobs, {total} runs planned, "
            f"{done} already done",
            flush=True,
        )
        self.watch = SweepWatch(sweep_dir, total, done)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if self.watch is not None:
            self.watch.stop()
        failed = [
            p for p in (sweep_dir / FAILED).glob("*.json") if p.stat().st_mtime >= self.started
        ]
        manifest = read_manifest(sweep_dir)
        done = len(run_files(sweep_dir))
        print(
            f"[accessrace] {done}/{manifest['planned_runs']} runs in {sweep_dir / TIMESERIES}",
            flush=True,
        )
        if manifest["intervention"] and done:
            print()
            print(effects_or_warning(sweep_dir))
        write_report(sweep_dir)
        if self.lock is not None:
            release_lock(self.lock)
            self.lock = None
        if failed:
            fail(f"{len(failed)} job(s) failed in this session; details in {sweep_dir / FAILED}/")
        if done < int(manifest["planned_runs"]):
            fail(f"{int(manifest['planned_runs']) - done} planned run(s) did not finish (above)")
