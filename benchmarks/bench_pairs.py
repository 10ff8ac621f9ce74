"""Paired sweeps with and without a shared prefix, measured side by side in one run.

For two paired worlds, the default claude_cutoff (10,000 developers, 60 months, the cutoff
in month 24) and the flagship's history world (68 months, the cutoff in month 32), prints:
- what a copy of a 10,000-developer model costs: `copy.deepcopy` against
  sim.model.snapshot (a pickle round trip), beside one month of the model and its set-up;
- the wall time of a paired sweep (`sim.experiment.run.sweep`, N pairs, one worker so the
  machine's other load matters least) with `share_prefix` on and off, the best of
  `--repeats` alternated runs of each, their ratio (target: sharing >= 1.2x faster) and
  whether the stored tables are identical;
- the ideal ratio: separate arms against set-up and prefix computed once, from a bare
  timing of set-up, prefix and each arm's remaining months (no copy, no store; the median
  of three, as one timing is noisy on a shared machine).

    .venv/bin/python benchmarks/bench_pairs.py [--pairs 6] [--repeats 2]
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd
from bench_sweeps import BASE
from hydra import compose, initialize_config_dir

from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from experiments.sweeps import intervention_of
from sim.config import Config, EventKind
from sim.experiment.pairing import finish, fork_month
from sim.experiment.run import plan, sweep
from sim.experiment.store import RunSpec, load
from sim.model.model import AccessModel
from sim.model.snapshot import reschedule, snapshot

TARGET = 1.2


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def flagship_world() -> tuple[Config, list[EventKind]]:
    """The flagship's base world (its posterior draws aside) and its intervention."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", ["experiment=flagship"])
    return to_sim_config(cfg), intervention_of(cfg)


def copy_costs(config: Config) -> None:
    model = AccessModel(config)
    setup = timed(lambda: AccessModel(config))
    month = timed(model.step)
    deep = min(timed(lambda: copy.deepcopy(model)) for _ in range(3))
    snap = min(timed(lambda: snapshot(model)) for _ in range(3))
    print(f"  set-up {setup:.3f} s, one month {month:.3f} s", flush=True)
    print(f"  copy.deepcopy {deep:.3f} s, snapshot {snap:.3f} s ({deep / snap:.1f}x cheaper)")


def ideal(treated: Config, control: Config) -> float:
    """Separate arms / (set-up and prefix once + each arm's remaining months)."""
    month = fork_month(treated, control)
    assert month is not None
    separate = timed(lambda: finish(AccessModel(treated))) + timed(
        lambda: finish(AccessModel(control))
    )
    start = time.perf_counter()
    model = finish(AccessModel(control), until=month - 1)
    setup_prefix = time.perf_counter() - start
    control_rest = copy.deepcopy(model)  # the copy is not part of the ideal
    rest_control = timed(lambda: finish(control_rest))
    fork = snapshot(model)
    reschedule(fork, treated)
    rest_treated = timed(lambda: finish(fork))
    return separate / (setup_prefix + rest_control + rest_treated)


def compare(name: str, specs: list[RunSpec], work: Path, repeats: int) -> None:
    treated, control = specs[0].config, specs[1].config
    month = fork_month(treated, control)
    pairs = len(specs) // 2
    print(f"{name}: {pairs} pairs, {treated.steps} months, arms part in month {month}")
    copy_costs(treated)
    times: dict[bool, list[float]] = {False: [], True: []}
    last: dict[bool, Path] = {}  # each mode's latest sweep, compared below
    for i in range(repeats):  # alternated, best of each: this machine's speed drifts
        for share in (False, True):
            last[share] = work / f"{name}_{share}_{i}".replace(" ", "_")
            times[share].append(timed(partial(sweep, specs, last[share], share_prefix=share)))
    off, on = min(times[False]), min(times[True])
    same = all(
        load(last[False], kind).equals(load(last[True], kind)) for kind in ("timeseries", "events")
    )
    best = statistics.median(ideal(treated, control) for _ in range(3))
    verdict = "meets" if off / on >= TARGET else "misses"
    print(f"  paired sweep, arms separate {off:8.1f} s  {[round(t, 1) for t in times[False]]}")
    print(f"  paired sweep, prefix shared {on:8.1f} s  {[round(t, 1) for t in times[True]]}")
    print(f"  speed-up {off / on:.2f}x ({verdict} the >= {TARGET}x target); ideal {best:.2f}x")
    print(f"  identical stored tables: {same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    pd.set_option("display.width", 120)
    work = Path(tempfile.mkdtemp(prefix="bench_pairs_"))
    history, intervention = flagship_world()
    worlds = {
        "claude_cutoff": plan(BASE, args.pairs, [EventKind.revoke_access]),
        "flagship world": plan(history, args.pairs, intervention),
    }
    try:
        for name, specs in worlds.items():
            compare(name, specs, work, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
