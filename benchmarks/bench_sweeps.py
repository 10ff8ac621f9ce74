"""Throughput of the sweep machinery, measured side by side in one run.

Runs N default claude_cutoff runs (10,000 developers, 60 months) on seeds spawned from
one SeedSequence, and prints:
- runs per minute through the sweep path with 1 and 2 joblib workers, and the speed-up
  of 2 workers over 1 (target >= 1.7x on 2 cores);
- the overhead of the sweep machinery per run (sweep time per run minus a bare
  `sim.simulate` per run);
- the same runs through `mesa.batch_run` with 2 processes, collecting every month as the
  sweep path does, the ratio of its time to ours (target: ours >= 2x faster), and whether
  the final metrics are identical;
- the same runs through the Hydra command line (joblib launcher), runs per minute.

    .venv/bin/python benchmarks/bench_sweeps.py [--runs 200]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir

import sim
from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from sim.experiment.run import plan, replicate_seeds, sweep
from sim.experiment.store import load
from sim.model.metrics import REPORTERS


def default_config() -> sim.Config:
    """The command line's default run (the claude_cutoff preset), as Hydra composes it, so
    that the command line's runs are these runs."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_sim_config(compose("config"))


BASE = default_config()


class BatchRunModel(sim.AccessModel):
    """The default model, built the way mesa.batch_run builds models (keyword `rng`)."""

    def __init__(self, rng: int) -> None:
        super().__init__(BASE.replace(seed=int(rng)))


def timed(label: str, fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:8.1f} s", flush=True)
    return elapsed


def mesa_batch(seeds: list[int]) -> list[dict[str, object]]:
    """The same runs through Mesa's own batch runner, final month only, on 2 processes."""
    rows: list[dict[str, object]] = mesa.batch_run(
        BatchRunModel,
        parameters={},
        rng=seeds,
        number_processes=2,
        data_collection_period=-1,
        max_steps=BASE.steps,
        display_progress=False,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    n = args.runs
    specs = plan(BASE, replicates=n)
    seeds = replicate_seeds(BASE.seed, n)
    work = Path(tempfile.mkdtemp(prefix="bench_sweeps_"))
    print(f"{n} default runs (claude_cutoff, 10,000 developers, 60 months)", flush=True)
    try:
        bare_n = min(n, 50)
        bare = (
            timed(
                f"bare sim.simulate x {bare_n} (1 process)",
                lambda: [sim.simulate(s.config) for s in specs[:bare_n]],
            )
            / bare_n
        )
        one = timed("sweep path, 1 worker", lambda: sweep(specs, work / "one", n_jobs=1))
        two = timed("sweep path, 2 workers", lambda: sweep(specs, work / "two", n_jobs=2))
        batch: list[dict[str, object]] = []
        mesa_time = timed("mesa.batch_run, 2 processes", lambda: batch.extend(mesa_batch(seeds)))
        cli = [
            str(Path(sys.executable).with_name("accessrace")),
            "-m",
            f"sweep.replicates={n}",
            f"hydra.sweep.dir={work / 'hydra'}",
        ]
        hydra_time = timed(
            "Hydra command line, joblib launcher (2 workers)",
            lambda: subprocess.run(cli, check=True, capture_output=True),
        )

        ours = load(work / "two", "summary").set_index("seed")
        rows = pd.DataFrame(batch)
        theirs = rows[rows["Step"] == BASE.steps].set_index("rng")
        same = all(
            np.array_equal(ours.loc[seeds, m].to_numpy(), theirs.loc[seeds, m].to_numpy())
            for m in REPORTERS
        )
        hydra_same = load(work / "hydra", "summary").set_index("seed").loc[seeds, list(REPORTERS)]
        hydra_same_ok = hydra_same.equals(ours.loc[seeds, list(REPORTERS)])
        print()
        print(f"runs per minute, sweep path, 1 worker : {60 * n / one:8.1f}")
        print(f"runs per minute, sweep path, 2 workers: {60 * n / two:8.1f}")
        print(f"speed-up of 2 workers over 1          : {one / two:8.2f}x  (target >= 1.7x)")
        print(
            f"sweep overhead per run (1 worker)     : {1e3 * (one / n - bare):8.1f} ms "
            f"on {1e3 * bare:.0f} ms of simulation ({100 * (one / n - bare) / bare:.1f}%)"
        )
        print(
            f"mesa.batch_run / our sweep (2 workers): {mesa_time / two:8.2f}x  "
            "(target: ours >= 2x faster)"
        )
        print(f"identical final metrics to batch_run  : {same}")
        print(
            f"runs per minute, Hydra CLI (joblib)   : {60 * n / hydra_time:8.1f}  "
            f"(identical to the sweep path: {hydra_same_ok})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
