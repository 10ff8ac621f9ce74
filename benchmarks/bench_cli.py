"""The command line against the in-process sweep, measured side by side in one run.

For each experiment (archetype: one sweep point, 16 pairs; policy_sweep: 90 points x 4
replicates; flagship, on request: 16 posterior draws x 4 pairs), prints the best wall time
of `--repeats` alternated runs (default 2) of
- `accessrace experiment=NAME` end to end (Hydra, the project's sweeper, the runs, the effect
  table and the HTML report), and
- `sim.experiment.run.sweep` of the same runs on all cores (runs only),
their ratio (target: <= 1.5x), whether both wrote the same runs with identical results,
and where the command line's time goes (from the files' times: start-up to the manifest,
to the first and last run, the effect table, the report, exit). Each measurement uses a
fresh temporary sweep directory, so nothing is resumed.

    .venv/bin/python benchmarks/bench_cli.py [--experiments archetype policy_sweep flagship]
        [--repeats 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from experiments.sweeps import specs_for
from sim.experiment.run import sweep
from sim.experiment.store import RunSpec, load

TARGET = 1.5


def planned_specs(experiment: str) -> list[RunSpec]:
    """The runs `accessrace experiment=NAME` makes, planned in Python by the function a
    sweep job plans with (posterior draws included, for a sweep over a posterior)."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        base = compose("config", [f"experiment={experiment}"], return_hydra_config=True)
        params = base.hydra.sweeper.get("params") or {}
        swept = [f"{k}={v}" for k, v in params.items()]
        parsed = OverridesParser.create().parse_overrides(swept)
        jobs = BasicSweeper.split_arguments(parsed, None)[0] if swept else [[]]
        specs = []
        for job in jobs:
            cfg = compose("config", [f"experiment={experiment}", *job])
            specs += specs_for(cfg, to_sim_config(cfg), dict(o.split("=", 1) for o in job))
    return specs


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def cli_run(experiment: str, cli_dir: Path, work: Path) -> tuple[float, list[str]]:
    """Seconds of `accessrace experiment=NAME` into `cli_dir`, and where they went (from the
    files' times: start-up to the manifest, to the first and last run, the effect table,
    the report, exit)."""
    exe = str(Path(sys.executable).with_name("accessrace"))
    cmd = [exe, f"experiment={experiment}", f"hydra.sweep.dir={cli_dir}"]
    began = time.time()
    took = timed(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=work))
    ended = time.time()
    runs = sorted(p.stat().st_mtime for p in (cli_dir / "timeseries").glob("*.parquet"))
    effects = cli_dir / "effects.csv"
    marks = [
        ("start-up, manifest", (cli_dir / "manifest.json").stat().st_mtime),
        ("to the first run", runs[0]),
        ("to the last run", runs[-1]),
        ("effect table", effects.stat().st_mtime if effects.exists() else runs[-1]),
        ("report", (cli_dir / "report.html").stat().st_mtime),
        ("exit", ended),
    ]
    steps, last = [], began
    for label, at in marks:
        steps.append(f"{label} {at - last:.1f} s")
        last = at
    return took, steps


def compare(experiment: str, work: Path, repeats: int) -> float:
    """The best of `repeats` runs of each, alternated so both meet the same machine (whose
    timings drift by up to a third within minutes)."""
    specs = planned_specs(experiment)
    clis: list[tuple[float, list[str]]] = []
    pys: list[float] = []
    for i in range(repeats):
        cli_dir, py_dir = work / f"{experiment}_cli{i}", work / f"{experiment}_py{i}"
        clis.append(cli_run(experiment, cli_dir, work))
        pys.append(timed(lambda d=py_dir: sweep(specs, d, n_jobs=-1)))
    ours = load(cli_dir, "summary").set_index("run_id").sort_index()
    theirs = load(py_dir, "summary").set_index("run_id").sort_index()
    metrics = [c for c in theirs.columns if pd.api.types.is_float_dtype(theirs[c])]
    same = ours.index.equals(theirs.index) and ours[metrics].equals(theirs[metrics])
    cli, steps = min(clis)
    py = min(pys)
    ratio = cli / py
    print(f"{experiment}: {len(specs)} runs, best of {repeats}")
    print(
        f"  accessrace experiment={experiment} (end to end, report included) {cli:8.1f} s  "
        f"{[round(t, 1) for t, _ in clis]}"
    )
    print(
        f"  sim.experiment.run.sweep, all cores (runs only)          {py:8.1f} s  "
        f"{[round(t, 1) for t in pys]}"
    )
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"  ratio {ratio:.2f}x ({verdict} the <= {TARGET}x target); identical runs: {same}")
    print("  command line (its best run): " + ", ".join(steps))
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiments", nargs="+", default=["archetype", "policy_sweep"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        for experiment in args.experiments:
            compare(experiment, work, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
