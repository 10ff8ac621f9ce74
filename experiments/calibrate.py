"""The calibration task of the command line: ABC-SMC of the history world, the posterior
predictive check and the out-of-sample predictions.

accessrace experiment=calibrate                        # resumes from sweeps/calibrate/abc.db
accessrace experiment=calibrate calibrate.budget=0.05  # a smoke test
make calibrate                                         # ... and ship into data/calibration

Writes into ``sweeps/<sweep.name>/``: ``abc.db`` (pyabc's database), ``posterior/``
(draws, particles, summary.json), ``fit.csv`` (each target: data, median, 90% band),
``predictions.csv`` (scripted restrictions only) and ``predictions_strategic.csv``
(strategic providers alongside them).
"""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig

from experiments.designs import _config
from experiments.sweeps import fail
from sim import ConfigError
from sim.calibration import fit
from sim.calibration.posterior import CalibrationError, Posterior
from sim.config.files import data_dir
from sim.experiment.store import SweepMismatchError

SHIPPED = (
    "posterior",
    "fit.csv",
    "predictions.csv",
    "predictions_strategic.csv",
    "report.html",
)
"""What `calibrate.ship=true` copies into data/calibration/."""


def _runner(workers: int) -> Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]:
    def run(f: Callable[[Any], Any], jobs: Iterable[Any]) -> list[Any]:
        return list(Parallel(n_jobs=workers)(delayed(f)(job) for job in jobs))

    return run


def run_calibration_task(cfg: DictConfig, out_dir: Path) -> None:
    """Calibrate (or resume), then check the fit and predict; one line per failure."""
    from sim.calibration.abc import Budget, calibrate

    config = _config(cfg)
    c = cfg.calibrate
    check_options(c)
    try:
        budget = Budget(
            population=round(int(c.population) * float(c.budget)),
            generations=int(c.generations),
            min_acceptance=float(c.min_acceptance),
            workers=int(c.workers),
            sampler=str(c.sampler),  # type: ignore[arg-type]  # validated by Budget
            dask_address=None if c.dask_address is None else str(c.dask_address),
        )
    except ConfigError as err:
        fail(f"invalid configuration: calibrate.{str(err).removeprefix('budget.')}")
    priors = fit.priors()
    values, scales = fit.observed_targets()
    print(
        f"Calibrating {len(priors)} parameters to {len(values)} targets by ABC-SMC: "
        f"{budget.population} particles a generation, at most {budget.generations} "
        f"generations, {budget.sampler.value} sampler with {budget.workers} workers; "
        f"database {out_dir / 'abc.db'} (a rerun resumes)."
    )
    started = time.perf_counter()
    try:
        posterior = calibrate(
            functools.partial(fit.summaries, base=config),
            values,
            scales,
            priors,
            out_dir / "abc.db",
            budget,
            seed=int(c.seed),
            progress=lambda line: print(f"[calibrate] {line}", flush=True),
        )
        posterior.export(out_dir / "posterior", seed=int(c.seed))
    except CalibrationError as err:
        fail(str(err))
    print(
        f"Posterior: {len(posterior.particles)} particles, effective sample size "
        f"{posterior.ess:.0f}, in {time.perf_counter() - started:.0f} s."
    )
    check(posterior, cfg, config, out_dir)
    from sim.report.calibration import build_calibration_report

    print(f"[accessrace] report: {build_calibration_report(out_dir)}")
    if c.ship:
        ship(out_dir)


MIN_PARTICLES = 4
"""Fewest particles a generation may have: fewer cannot fit the sampler's kernel."""


def check_options(c: DictConfig) -> None:
    """Refuse, before the first simulation, options the calibration or its checks would
    fail on at their end (a seed below 0, no seeds for the fit check) or would have to
    change (a budget leaving fewer than `MIN_PARTICLES` particles): one line naming the
    field, the value and what is allowed."""
    if not 0 < float(c.budget) <= 100:
        fail(f"calibrate.budget = {c.budget!r}: expected a number in (0, 100]")
    for name in ("seed", "check_draws", "check_seeds", "population", "generations"):
        low = 0 if name == "seed" else 1
        value = c[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            fail(f"calibrate.{name} = {value!r}: expected a whole number >= {low}")
    particles = round(int(c.population) * float(c.budget))
    if particles < MIN_PARTICLES:
        fail(
            f"calibrate.population x calibrate.budget = {c.population} x {c.budget} = "
            f"{particles} particles a generation: expected at least {MIN_PARTICLES}"
        )


def check(posterior: Posterior, cfg: DictConfig, config: Any, out_dir: Path) -> None:
    """The posterior predictive table and the predictions, both variants."""
    c = cfg.calibrate
    draws = max(round(int(c.check_draws) * float(c.budget)), 2)
    seeds, seed = int(c.check_seeds), int(c.seed)
    runner = _runner(int(c.workers))
    table = fit.posterior_predictive(posterior, draws, seeds, seed, base=config, runner=runner)
    table.to_csv(out_dir / "fit.csv", index=False, float_format="%.6g")
    print()
    print(format_fit(table, draws, seeds))
    for name, strategic in (("predictions.csv", False), ("predictions_strategic.csv", True)):
        predictions = fit.predict(
            posterior, draws, seeds, seed, base=config, strategic=strategic, runner=runner
        )
        predictions.to_csv(out_dir / name, index=False, float_format="%.6g")
    print(f"\nPredictions in {out_dir / 'predictions.csv'} (and predictions_strategic.csv).")


def format_fit(table: pd.DataFrame, draws: int, seeds: int) -> str:
    """The posterior predictive check in words: which targets the model misses."""
    lines = [
        f"Fit ({draws} posterior draws x {seeds} seeds): data against the model's median "
        "and 90% band"
    ]
    for row in table.itertuples(index=False):
        mark = "inside " if row.inside else "OUTSIDE"
        lines.append(
            f"  {mark} {row.target:22} data {row.data:8.3g}  model {row.median:8.3g} "
            f"[{row.lo90:.3g}, {row.hi90:.3g}]"
        )
    missed = table.loc[~table["inside"], "target"].tolist()
    lines.append(
        f"The data fall inside the band for {int(table['inside'].sum())} of {len(table)} "
        f"targets; the model misses {', '.join(missed) if missed else 'none'}."
    )
    return "\n".join(lines)


def ship(out_dir: Path) -> None:
    """Copy the posterior, the fit and the predictions into the project's data/calibration/."""
    target = data_dir() / "calibration"
    target.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        source = out_dir / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target / name)
    print(f"Shipped {', '.join(SHIPPED)} into {target}.")


def run_flips_task(cfg: DictConfig, out_dir: Path) -> None:
    """Where the cutoff's answer flips: run the design (resumable), then say it in words."""
    from sim.analysis.sensitivity import SensitivityError
    from sim.calibration.flips import analyse, run_flips, spec

    config = _config(cfg)
    f = cfg.flips
    design = spec(int(f.samples), int(f.after), int(f.seed))
    try:
        run_flips(config, out_dir, design, n_jobs=int(f.n_jobs))
    except (SensitivityError, SweepMismatchError, ConfigError) as err:
        fail(str(err))
    table = analyse(out_dir, int(f.after))
    table.to_csv(out_dir / "flips.csv", index=False, float_format="%.4g")
    print()
    for row in table.itertuples(index=False):
        print(f"{row.words} Most of its variance: {row.top_parameter} (S1 {row.top_s1:.2f}).")
    if f.ship:
        target = data_dir() / "calibration"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out_dir / "flips.csv", target / "flips.csv")
        print(f"Shipped flips.csv into {target}.")
