"""The launching process's side of a sweep on the command line: the points planned and
checked for duplicates, the manifest recorded before any job starts, one progress bar for
the whole sweep while the jobs run (whatever the launcher), and the effect table and HTML
report at the end (:class:`SweepCallback`, a Hydra callback). A sweep of one point under
the joblib launcher runs its job in the launching process (:func:`run_alone_here`). Each
point's job is experiments.sweeps.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, read_write

from experiments.outcome import effects_or_warning, write_report
from experiments.schema import to_sim_config
from experiments.sweeps import (
    FAILED,
    check_sweep,
    difference,
    fail,
    intervention_of,
    signature,
    specs_for,
)
from sim import ConfigError
from sim.experiment.store import (
    TIMESERIES,
    SweepMismatchError,
    acquire_lock,
    ensure_manifest,
    read_manifest,
    release_lock,
    run_files,
)
from sim.experiment.workers import progress_bar

# --- planning -----------------------------------------------------------------------------


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


def sweep_overrides(cfg: DictConfig) -> list[str]:
    """The overrides the basic sweeper expands: `hydra.sweeper.params`, then the command line."""
    params = cfg.hydra.sweeper.get("params") or {}
    return [f"{k}={v}" for k, v in params.items()] + list(cfg.hydra.overrides.task)


def planned_jobs(cfg: DictConfig) -> list[list[str]]:
    parsed = OverridesParser.create().parse_overrides(sweep_overrides(cfg))
    return BasicSweeper.split_arguments(parsed, None)[0]


# --- the manifest, the progress bar and the end -------------------------------------------


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
