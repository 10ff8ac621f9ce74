"""The command line: one run of the simulation, configured by Hydra.

accessrace                                   # the flagship claude_cutoff scenario
accessrace scenario=escalation seed=7        # any preset, seed or parameter
accessrace --help                            # groups, choices and the config
accessrace experiment=flagship               # a paired sweep, its effect table and report
accessrace experiment=policy_sweep           # policies x monitoring x benchmarking
accessrace experiment=sensitivity            # Morris and Sobol indices
accessrace experiment=discovery              # PRIM: where does the cutoff lower innovation?
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.outcome import conclude
from experiments.schema import register, to_sim_config
from experiments.sweeps import (
    check_sweep,
    fail,
    intervention_of,
    run_specs,
    run_sweep_job,
    signature,
    specs_for,
)
from sim import Config, ConfigError, run
from sim.config.files import config_dir
from sim.experiment.store import (
    StoreFullError,
    SweepMismatchError,
    acquire_lock,
    ensure_manifest,
    is_done,
    release_lock,
)
from sim.experiment.workers import progress_bar


def register_sweeper() -> None:
    """Make the project's sweeper known to Hydra. Hydra finds plugins by listing the
    hydra_plugins namespace, which an editable install does not list, so the class is
    registered by name (from a wheel it is also found). The listing comes first: it
    executes Hydra's own plugin modules again, which rebinds ``BasicSweeper`` to a new
    class, and a sweeper subclassing the old one could not be made."""
    plugins = Plugins.instance()
    from hydra_plugins.accessrace_sweeper.accessrace_sweeper import AccessraceSweeper

    plugins.register(AccessraceSweeper)


register()
register_sweeper()
CONFIG_DIR = config_dir()  # configs/ in a checkout, the installed copy from a wheel


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    hydra_cfg = HydraConfig.get()
    if cfg.task == "dsair":
        run_dsair(cfg, Path(hydra_cfg.runtime.output_dir))
        return
    if cfg.task in ("calibrate", "flips"):
        from experiments.calibrate import run_calibration_task, run_flips_task

        task = run_calibration_task if cfg.task == "calibrate" else run_flips_task
        task(cfg, Path(hydra_cfg.runtime.output_dir))
        return
    if cfg.task in ("sensitivity", "discovery"):
        from experiments.designs import run_discovery_task, run_sensitivity_task

        task = run_sensitivity_task if cfg.task == "sensitivity" else run_discovery_task
        task(cfg, Path(hydra_cfg.runtime.output_dir))
        return
    if cfg.task != "simulate":
        fail(
            f"task = {cfg.task!r}: expected 'simulate', 'dsair', 'sensitivity', 'discovery', "
            "'calibrate' or 'flips'"
        )
    if hydra_cfg.mode is RunMode.MULTIRUN:
        run_sweep_job(cfg, Path(hydra_cfg.sweep.dir))
        return
    try:
        check_sweep(cfg, [str(o) for o in hydra_cfg.overrides.task])
        config = to_sim_config(cfg)
    except ConfigError as err:
        fail(f"invalid configuration: {err}")
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if cfg.sweep.replicates > 1 or cfg.sweep.intervention:
        run_replicates(cfg, config, out_dir)
        return
    run_one(config, out_dir)


def run_one(config: Config, out_dir: Path) -> None:
    """One run into `out_dir`, with a progress bar, its summary and where its files are."""
    print(
        f"Running {config.scenario.name}: {config.population.n_developers:,} developers, "
        f"{config.steps} months, seed {config.seed} ...",
        flush=True,
    )
    from sim.analysis.summary import summarize  # after the line above: the model loads here
    from sim.experiment.run import RunDirectoryError

    bar = progress_bar(config.steps, "[accessrace] months", unit="month")

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        result = run(config, out_dir, progress=progress)
    except (ConfigError, RunDirectoryError) as err:
        fail(str(err))
    except StoreFullError as err:
        fail(f"{err.strerror}; nothing of this run was kept, so the same command runs it again")
    except OSError as err:
        kept = (
            "its data is complete there, its figures are not"
            if (out_dir / "timeseries.parquet").exists()
            else "nothing of it was kept"
        )
        fail(f"could not write the run into {out_dir} ({err.strerror or err}): {kept}")
    finally:
        bar.close()
    print()
    print(summarize(result))
    print()
    print(f"Results in {out_dir}/: timeseries.parquet, events.parquet, config.yaml, figures/")


def run_replicates(cfg: DictConfig, config: Config, out_dir: Path) -> None:
    """Replicates (and pairs) in this one process, into `out_dir` as a sweep store, which
    stays locked meanwhile."""
    try:
        specs = specs_for(cfg, config, {})
        lock = acquire_lock(out_dir)
        note = ensure_manifest(
            out_dir,
            signature(cfg, list(HydraConfig.get().overrides.task)),
            {
                "experiment": None,
                "overrides": list(HydraConfig.get().overrides.task),
                "intervention": [k.value for k in intervention_of(cfg)],
                "effects_after": list(cfg.sweep.effects_after),
                "jobs": 1,
                "planned_runs": len(specs),
            },
        )
    except ConfigError as err:
        fail(f"invalid configuration: {err}")
    except (SweepMismatchError, ValueError) as err:
        fail(str(err))
    if note:
        print(f"[accessrace] {note}", flush=True)
    n_jobs = -1 if cfg.sweep.n_jobs is None else int(cfg.sweep.n_jobs)
    try:
        failures = run_specs(
            specs,
            out_dir,
            n_jobs,
            progress="[accessrace] runs",
            share_prefix=cfg.sweep.share_prefix,
        )
    except StoreFullError as err:
        fail(f"{err.strerror}; finished runs are kept and the rest rerun when you run it again")
    for f in failures:
        print(f"accessrace: run failed (seed {f['seed']}, arm {f['arm']}): {f['error']}")
    done = sum(is_done(out_dir, s) for s in specs)
    print(f"[accessrace] {done}/{len(specs)} runs done", flush=True)
    if failures:
        fail(f"{len(failures)} run(s) failed")
    conclude(out_dir, effects=bool(cfg.sweep.intervention))
    release_lock(lock)
    print(f"\nResults in {out_dir}/timeseries/ and events/ (load with sim.experiment.store.load)")


def run_dsair(cfg: DictConfig, out_dir: Path) -> None:
    """The DSAIR maps: UNSAFE frequency over speed x risk per regime, with both thresholds."""
    import numpy as np

    from sim.theory import dsair

    d = cfg.dsair
    try:
        grid = dsair.unsafe_frequency_map(
            np.linspace(d.s_min, d.s_max, d.s_points).tolist(),
            np.linspace(0.0, 1.0, d.pr_points).tolist(),
            b=d.b,
            c=d.c,
            B=d.B,
            W=list(d.W),
            Z=d.Z,
            beta=d.beta,
        )
    except ValueError as err:
        fail(f"invalid dsair parameters: {err}")
    out_dir.mkdir(parents=True, exist_ok=True)
    grid.to_parquet(out_dir / "dsair_map.parquet", index=False)
    png = dsair.plot_maps(grid, out_dir / "dsair_map.png")
    for w, block in grid.groupby("W"):
        below = block[block["p_r"] < block["risk_threshold"]]["unsafe_frequency"].mean()
        above = block[block["p_r"] > block["risk_threshold"]]["unsafe_frequency"].mean()
        print(
            f"W = {w:g}: mean UNSAFE frequency {below:.2f} below the risk-dominance "
            f"threshold, {above:.2f} above it"
        )
    print(f"Maps in {png} and {out_dir / 'dsair_map.parquet'}")


if __name__ == "__main__":
    main()
