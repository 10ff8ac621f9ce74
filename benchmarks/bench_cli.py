"""The command line against the in-process sweep, measured side by side in one run.

For each experiment (archetype: one sweep point, 16 pairs; policy_sweep: 90 points x 4
replicates; flagship, on request: 16 posterior draws x 4 pairs), prints the wall time of
- `accessrace experiment=NAME` end to end (Hydra, the joblib launcher, the runs, the effect
  table and the HTML report), and
- `sim.experiment.run.sweep` of the same runs on all cores (runs only),
their ratio (target: <= 1.5x), whether both wrote the same runs with identical results,
and where the command line's time goes (from the files' times: start-up to the manifest,
to the first and last run, the effect table, the report, exit). Each measurement uses a
fresh temporary sweep directory, so nothing is resumed.

    .venv/bin/python benchmarks/bench_cli.py [--experiments archetype policy_sweep flagship]
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


def compare(experiment: str, work: Path) -> float:
    specs = planned_specs(experiment)
    cli_dir, py_dir = work / f"{experiment}_cli", work / f"{experiment}_py"
    exe = str(Path(sys.executable).with_name("accessrace"))
    cmd = [exe, f"experiment={experiment}", f"hydra.sweep.dir={cli_dir}"]
    began = time.time()
    cli = timed(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=work))
    ended = time.time()
    runs = sorted(p.stat().st_mtime for p in (cli_dir / "timeseries").glob("*.parquet"))
    marks = [
        ("start-up, manifest", (cli_dir / "manifest.json").stat().st_mtime),
        ("to the first run", runs[0]),
        ("to the last run", runs[-1]),
        (
            "effect table",
            (cli_dir / "effects.csv").stat().st_mtime
            if (cli_dir / "effects.csv").exists()
            else runs[-1],
        ),
        ("report", (cli_dir / "report.html").stat().st_mtime),
        ("exit", ended),
    ]
    py = timed(lambda: sweep(specs, py_dir, n_jobs=-1))
    ours = load(cli_dir, "summary").set_index("run_id").sort_index()
    theirs = load(py_dir, "summary").set_index("run_id").sort_index()
    metrics = [c for c in theirs.columns if pd.api.types.is_float_dtype(theirs[c])]
    same = ours.index.equals(theirs.index) and ours[metrics].equals(theirs[metrics])
    ratio = cli / py
    print(f"{experiment}: {len(specs)} runs")
    print(f"  accessrace experiment={experiment} (end to end, report included) {cli:8.1f} s")
    print(f"  sim.experiment.run.sweep, all cores (runs only)          {py:8.1f} s")
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"  ratio {ratio:.2f}x ({verdict} the <= {TARGET}x target); identical runs: {same}")
    last = began
    steps = []
    for label, at in marks:
        steps.append(f"{label} {at - last:.1f} s")
        last = at
    print("  command line: " + ", ".join(steps))
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiments", nargs="+", default=["archetype", "policy_sweep"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        for experiment in args.experiments:
            compare(experiment, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
