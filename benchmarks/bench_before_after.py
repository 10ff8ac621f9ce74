"""The teaching flagship end to end, this checkout against the code before this round's
layout and speed work, timed side by side in one run.

The experiment is the one the flagship was before the calibrated history world replaced it:
16 pairs of `claude_cutoff` with and without the scripted cutoff (`experiment=flagship` at
the old commit, `experiment=archetype` now), through the command line in a fresh sweep
directory each time (Hydra, the launcher, the runs, the effect table and the HTML report).
The old commit is checked out into a temporary git worktree and run with the same Python
environment, its own source first on the path. Target: now <= 0.5x before. The model has
gained mechanisms since (stakes, strategic providers, two-part trust, releases), so the
ratio measures the whole: machinery made faster, model made richer.

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
            for _ in range(args.repeats):  # alternated: both meet the same machine
                times["before"].append(timed(before, "flagship", work, extra))
                times["now"].append(timed(REPO, "archetype", work, extra))
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


if __name__ == "__main__":
    main()
