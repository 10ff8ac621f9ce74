"""Faults in a command-line sweep: a worker process killed mid-sweep costs no run, and a
launcher killed mid-sweep leaves no worker running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli

from sim.experiment.store import load, run_files


def descendants(pid: int) -> list[int]:
    """Every process under `pid`."""
    out, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += children
            frontier += children
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def run_workers_of(pid: int) -> list[int]:
    """The loky worker processes that run the runs under process `pid`: the deepest ones
    (under Hydra's joblib launcher a sweep point's job is itself a loky worker, whose own
    workers run the runs)."""
    found: list[tuple[int, int]] = []
    frontier = [(pid, 0)]
    while frontier:
        parent, depth = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            for child in (task / "children").read_text().split():
                frontier.append((int(child), depth + 1))
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                if b"popen_loky_posix" in cmdline:
                    found.append((depth + 1, int(child)))
    deepest = max((d for d, _ in found), default=0)
    return [p for d, p in found if d == deepest]


@pytest.mark.slow(seconds=90)
def test_a_worker_killed_mid_sweep_costs_no_run(tmp_path: Path) -> None:
    extra = ["population.n_developers=2000", "steps=40", "sweep.replicates=4", "sweep.n_jobs=2"]
    exe = Path(sys.executable).with_name("accessrace")
    args = [str(exe), "-m", f"hydra.sweep.dir={tmp_path / 'killed'}", *extra]
    proc = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not run_files(tmp_path / "killed") and time.time() < deadline:
        time.sleep(0.05)
    victims = run_workers_of(proc.pid)
    assert victims, "no worker process to kill"
    os.kill(victims[0], signal.SIGKILL)  # as the out-of-memory killer would
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert "a worker process died" in err
    assert "Traceback" not in err
    clean = run_cli("-m", f"hydra.sweep.dir={tmp_path / 'clean'}", *extra, cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr[-2000:]
    killed, expected = (
        load(tmp_path / name).sort_values(["run_id", "step"]).reset_index(drop=True)
        for name in ("killed", "clean")
    )
    assert killed["run_id"].nunique() == 4
    pd.testing.assert_frame_equal(killed, expected, check_exact=True)


@pytest.mark.slow(seconds=60)
def test_a_launcher_killed_mid_sweep_leaves_no_worker_running(tmp_path: Path) -> None:
    # two sweep points, so Hydra's joblib launcher runs jobs in workers of its own, whose
    # own workers run the runs: two generations of orphans if nothing stops them
    args = ["-m", "seed=1,2", "population.n_developers=3000", "steps=60", "sweep.replicates=6"]
    exe = Path(sys.executable).with_name("accessrace")
    proc = subprocess.Popen(
        [str(exe), *args, f"hydra.sweep.dir={tmp_path / 's'}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not run_files(tmp_path / "s") and time.time() < deadline:
        time.sleep(0.05)
    workers = descendants(proc.pid)
    assert len(run_workers_of(proc.pid)) >= 2, "the runs' workers have started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.time() + 10
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if alive(w)], "orphaned workers still run"
