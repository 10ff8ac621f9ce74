"""Faults in a command-line sweep: a worker process killed mid-sweep costs no run, a
launcher killed mid-sweep leaves no worker running, a killed sweep resumes losing at most
the runs in flight, a failed run is recorded while the rest carry on, and two sweeps
started at once into one directory are not both accepted."""

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
from test_sweep_cli import TINY, sweep_args

from sim.experiment.store import load, read_manifest, run_files


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


@pytest.mark.slow(seconds=120)
def test_a_worker_killed_mid_sweep_costs_no_run(tmp_path: Path) -> None:
    # eight runs of ~1 s on two workers: when the first file lands, six are still to come
    # (~3 s of work), so the kill lands on a busy pool even on a loaded machine
    extra = ["population.n_developers=20000", "steps=60", "sweep.replicates=8", "sweep.n_jobs=2"]
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
    assert killed["run_id"].nunique() == 8
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


@pytest.mark.slow(seconds=45)
def test_killed_sweep_loses_at_most_the_runs_in_flight(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("accessrace")
    args = [
        str(exe),
        *sweep_args(
            tmp_path, "s", 12, "population.n_developers=3000", "steps=40", "hydra/launcher=basic"
        ),
    ]
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    runs = tmp_path / "s" / "timeseries"
    deadline = time.time() + 120
    while len(run_files(tmp_path / "s")) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    finished = {f: f.read_bytes() for f in run_files(tmp_path / "s")}
    assert 3 <= len(finished) < 12, "killed mid-sweep"
    for f in finished:
        pd.read_parquet(f)  # every finished file is whole
    resumed = run_cli(*args[1:], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} already done" in resumed.stdout
    ts = load(tmp_path / "s")
    assert ts["run_id"].nunique() == 12 and not ts.duplicated(["run_id", "step"]).any()
    for f, data in finished.items():
        assert f.read_bytes() == data, "a finished run is never rewritten"
    assert not list(runs.glob(".*.tmp")) or all(p.stat().st_size >= 0 for p in runs.glob(".*.tmp"))


@pytest.mark.slow(seconds=40)
def test_a_failed_run_is_reported_and_the_sweep_carries_on(tmp_path: Path) -> None:
    args = ["-m", "labs.rival.intensity=0.5,1.5", f"hydra.sweep.dir={tmp_path / 's'}", *TINY]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "run failed" in proc.stderr and "labs.rival.intensity = 1.5" in proc.stderr
    assert "1 failure(s) in this session" in proc.stderr
    ts = load(tmp_path / "s")
    assert set(ts["param__labs.rival.intensity"]) == {"0.5"}
    assert list((tmp_path / "s" / "failed").glob("*.json"))


@pytest.mark.slow(seconds=60)
def test_two_sweeps_started_at_once_into_one_directory_are_not_both_accepted(
    tmp_path: Path,
) -> None:
    exe = Path(sys.executable).with_name("accessrace")
    procs = [
        subprocess.Popen(
            [str(exe), *sweep_args(tmp_path, "s", 2, *TINY, f"seed={seed}")],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    outcomes = [(p.wait(timeout=240), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes
    refused = next(err for code, err in outcomes if code == 2)
    assert "in use by another sweep" in refused or "holds a different sweep" in refused
    assert "Traceback" not in refused
    ts = load(tmp_path / "s")
    assert ts["run_id"].nunique() == 2 and ts["seed"].nunique() == 2
    winner = 1 if outcomes[0][0] == 0 else 2
    assert f"seed={winner}" in read_manifest(tmp_path / "s")["overrides"]
