"""The teaching flagship end to end, this checkout against the code before this round's
layout and speed work, timed side by side in one run.

The experiment is the one the flagship was before the calibrated history world replaced it:
16 pairs of `claude_cutoff` with and without the scripted cutoff (`experiment=flagship` at
the old commit, `experiment=archetype` now), through the command line in a fresh sweep
directory each time (Hydra, the launcher, the runs, the effect table and the HTML report).
The old commit is checked out into a temporary git worktree and run with the same Python
environment, its own source first on the path. Target: now <= 0.5x before. The model has
gained mechanisms since (stakes, strategic providers, two-part trust, releases), so the
ratio measures the whole: machinery made faster, model made richer. To tell the two
apart, it also prints the cost of one `claude_cutoff` run (`simulate`, no files) at each
commit, measured alternately in fresh processes.

    .venv/bin/python benchmarks/bench_before_after.py [--repeats 2] [--developers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFORE = "1aac564"
"""The last commit before the rooms-by-concern move (issue 11's work began after it)."""
TARGET = 0.5


def timed(source: Path, experiment: str, work: Path, extra: list[str]) -> float:
    """Seconds for one end-to-end command-line run of `experiment` from `source`."""
    out = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "PYTHONPATH": str(source)}
    env.pop("HYDRA_FULL_ERROR", None)
    cmd = [sys.executable, "-m", "experiments.main", f"experiment={experiment}"]
    cmd += [*extra, f"hydra.sweep.dir={out / 'sweep'}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{source.name}: {' '.join(cmd[3:])} failed:\n{proc.stderr[-2000:]}")
    if not (out / "sweep" / "report.html").is_file():
        sys.exit(f"{source.name}: no report.html was written")
    shutil.rmtree(out)
    return took


RUN_COST = """
import importlib, sys, time
from hydra import compose, initialize_config_dir
from experiments.schema import register, to_sim_config
register()
with initialize_config_dir(config_dir=sys.argv[1], version_base="1.3"):
    config = to_sim_config(compose("config", ["scenario=claude_cutoff", *sys.argv[2:]]))
try:
    simulate = importlib.import_module("sim.experiment.run").simulate
except ImportError:  # before the rooms-by-concern move
    simulate = importlib.import_module("sim.run").simulate
simulate(config)
start = time.perf_counter()
for _ in range(4):
    simulate(config)
print((time.perf_counter() - start) / 4)
"""
"""One `claude_cutoff` run's seconds (the mean of four, after one to warm up), importable
from the source tree at either commit."""


def run_cost(source: Path, extra: list[str]) -> float:
    """Seconds of one claude_cutoff run of the model in `source`, no files written."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    cmd = [sys.executable, "-c", RUN_COST, str(source / "configs"), *extra]
    proc = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{source.name}: timing a run failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--developers", type=int, default=None)
    args = parser.parse_args()
    extra = [] if args.developers is None else [f"population.n_developers={args.developers}"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        before = work / "before"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(before), BEFORE],
            check=True,
        )
        try:
            times: dict[str, list[float]] = {"before": [], "now": []}
            runs: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.repeats):  # alternated: both meet the same machine
                times["before"].append(timed(before, "flagship", work, extra))
                times["now"].append(timed(REPO, "archetype", work, extra))
                runs["before"].append(run_cost(before, extra))
                runs["now"].append(run_cost(REPO, extra))
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(before)],
                check=False,
            )
    old, new = min(times["before"]), min(times["now"])
    print(f"16 pairs of claude_cutoff end to end ({args.repeats} runs each, best of):")
    print(f"   before ({BEFORE}, experiment=flagship): {old:.1f} s  {times['before']}")
    print(f"   now    (experiment=archetype):         {new:.1f} s  {times['now']}")
    print(f"   ratio now/before {new / old:.2f}x (target <= {TARGET}x)")
    run_old, run_new = min(runs["before"]), min(runs["now"])
    print(
        f"one claude_cutoff run (the model alone, best of {args.repeats}): before "
        f"{run_old:.3f} s, now {run_new:.3f} s ({run_new / run_old:.2f}x)"
    )


if __name__ == "__main__":
    main()
