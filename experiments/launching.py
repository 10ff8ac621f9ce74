"""The launching process's side of a sweep on the command line: the points planned and
checked for duplicates (experiments.grid), the manifest recorded before any run starts, one
progress bar for the whole sweep while the runs go (whatever the launcher), and the effect
table and HTML report at the end (:class:`SweepCallback`, a Hydra callback). The project's
sweeper then runs the plan (``hydra_plugins.accessrace_sweeper``).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.grid import plan_sweep, sweep_overrides
from experiments.outcome import conclude
from experiments.schema import to_sim_config
from experiments.sweeps import (
    FAILED,
    check_sweep,
    difference,
    fail,
    intervention_of,
    signature,
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
            plan = plan_sweep(config)
            jobs, duplicates = plan.jobs, plan.duplicates
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
        conclude(sweep_dir, effects=bool(manifest["intervention"] and done))
        if self.lock is not None:
            release_lock(self.lock)
            self.lock = None
        if failed:
            fail(f"{len(failed)} failure(s) in this session; details in {sweep_dir / FAILED}/")
        if done < int(manifest["planned_runs"]):
            fail(f"{int(manifest['planned_runs']) - done} planned run(s) did not finish (above)")
