"""The store trusts only what it verified: damaged, foreign and incomplete runs are named
and redone, a lost manifest admits no other sweep, a locked directory admits no second
sweep, and files get the user's permissions."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from helpers import small

from sim.experiment.run import plan, sweep
from sim.experiment.status import sweep_status
from sim.experiment.store import (
    ManifestError,
    StoreWarning,
    SweepBusyError,
    SweepMismatchError,
    acquire_lock,
    ensure_manifest,
    load,
    read_manifest,
    release_lock,
    run_files,
)

DESCRIPTION = {"intervention": [], "effects_after": [], "planned_runs": 3}


def make_sweep(path: Path, signature: str = "sweep-a", seed: int = 0) -> list:
    specs = plan(small(steps=12, seed=seed), replicates=3)
    ensure_manifest(path, signature, DESCRIPTION)
    sweep(specs, path)
    return specs


def tidy(path: Path) -> pd.DataFrame:
    return load(path).sort_values(["run_id", "step"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clean")
    make_sweep(path)
    return path


def test_damaged_foreign_and_incomplete_runs_are_named_left_out_and_redone(
    clean: Path, tmp_path: Path
) -> None:
    path = tmp_path / "s"
    shutil.copytree(clean, path)
    other = tmp_path / "other"
    make_sweep(other, "sweep-b", seed=9)
    a, b, c = sorted(f.stem for f in run_files(path))
    ts = path / "timeseries"
    data = (ts / f"{a}.parquet").read_bytes()
    (ts / f"{a}.parquet").write_bytes(data[: len(data) // 2])  # truncated
    shutil.copy(run_files(other)[0], ts / f"{b}.parquet")  # another sweep's run, renamed
    (path / "events" / f"{c}.parquet").unlink()  # its events lost
    with (
        pytest.warns(StoreWarning) as caught,
        pytest.raises(FileNotFoundError, match="holds no finished runs"),
    ):
        load(path)
    lines = sorted(str(w.message) for w in caught)
    assert f"run {a}: timeseries/{a}.parquet is damaged (truncated" in lines[0]
    assert f"run {b}: timeseries/{b}.parquet holds another run" in lines[1]
    assert f"run {c}: events/{c}.parquet is missing" in lines[2]
    status = sweep_status(path)
    assert status.finished == 0 and status.partial and len(status.damaged) == 3

    with pytest.warns(StoreWarning, match="it runs again") as redone:
        assert sweep(plan(small(steps=12), replicates=3), path) == 3
    assert {str(w.message).split(":")[0] for w in redone} == {f"run {r}" for r in (a, b, c)}
    pd.testing.assert_frame_equal(tidy(path), tidy(clean), check_exact=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(plan(small(steps=12), replicates=3), path) == 0


def test_a_run_written_for_another_place_in_the_sweep_is_redone(tmp_path: Path) -> None:
    specs = plan(small(steps=12), replicates=1)
    moved = [s.__class__(s.config, 0, s.arm, "", "another-point", {"x": "1"}) for s in specs]
    ensure_manifest(tmp_path, "sweep-a", DESCRIPTION)
    sweep(moved, tmp_path)
    with pytest.warns(StoreWarning, match="was written with point_id 'another-point'"):
        assert sweep(specs, tmp_path) == 1
    assert set(load(tmp_path)["point_id"]) == {specs[0].point_id}
    with pytest.raises(ValueError, match="planned twice with identical configs"):
        sweep([*specs, *moved], tmp_path)


def test_a_lost_or_damaged_manifest_admits_only_the_sweep_its_runs_are_signed_by(
    clean: Path, tmp_path: Path
) -> None:
    path = tmp_path / "s"
    shutil.copytree(clean, path)
    files = {f: f.read_bytes() for f in run_files(path)}
    manifest = path / "manifest.json"
    for damage in ("missing", "damaged"):
        if damage == "missing":
            manifest.unlink()
        else:
            manifest.write_text(manifest.read_text()[:40])
            with pytest.raises(ManifestError, match=r"manifest\.json is damaged"):
                read_manifest(path)
        with pytest.raises(SweepMismatchError, match=rf"manifest\.json {damage} and holds runs of"):
            ensure_manifest(path, "sweep-b", DESCRIPTION)
        note = ensure_manifest(path, "sweep-a", DESCRIPTION)
        assert note is not None and f"was {damage}; rebuilt for this sweep (3 run" in note
        assert read_manifest(path)["signature"] == "sweep-a"
    assert {f: f.read_bytes() for f in run_files(path)} == files


def test_a_locked_directory_admits_no_second_sweep(tmp_path: Path) -> None:
    specs = plan(small(steps=12), replicates=1)
    fd = acquire_lock(tmp_path)
    try:
        with pytest.raises(SweepBusyError, match=rf"in use by another sweep \(pid {os.getpid()}"):
            sweep(specs, tmp_path)
        assert not (tmp_path / "timeseries").exists()
    finally:
        release_lock(fd)
    assert sweep(specs, tmp_path) == 1


def test_files_get_the_users_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        make_sweep(tmp_path)
    finally:
        os.umask(old)
    written = [tmp_path / "manifest.json", *run_files(tmp_path), *(tmp_path / "events").iterdir()]
    assert {oct(f.stat().st_mode & 0o777) for f in written} == {oct(0o640)}


def test_a_full_disk_stops_in_one_line_and_leaves_a_consistent_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import sim
    import sim.experiment.store as store
    from sim.experiment.atomic import StoreFullError

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    specs = plan(small(steps=12), replicates=3)
    ensure_manifest(tmp_path / "s", "sweep-a", DESCRIPTION)
    sweep(specs[:1], tmp_path / "s")
    with monkeypatch.context() as patch:
        patch.setattr(store, "write_parquet", full)
        with pytest.raises(StoreFullError, match="no space left on the device writing"):
            sweep(specs, tmp_path / "s")
    assert len(run_files(tmp_path / "s")) == 1 and not list((tmp_path / "s").rglob("*.tmp"))
    assert sweep(specs, tmp_path / "s") == 2, "the rest run once there is room"

    write = pd.DataFrame.to_parquet

    def full_at_config(frame: pd.DataFrame, path: Path, **kwargs: object) -> None:
        write(frame, path, **kwargs)  # written, then the disk fills up at the events
        if "events" in Path(path).name:
            full()

    with monkeypatch.context() as patch:
        patch.setattr(pd.DataFrame, "to_parquet", full_at_config)
        with pytest.raises(StoreFullError):
            sim.run(small(steps=12), tmp_path / "one", figures=False)
    assert not any((tmp_path / "one").iterdir()), "all of a run's files or none"
    assert sim.run(small(steps=12), tmp_path / "one", figures=False).path == tmp_path / "one"


def test_a_disk_that_fills_up_while_drawing_a_runs_figures_leaves_it_rerunnable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from matplotlib.figure import Figure

    import sim
    from sim.experiment.atomic import StoreFullError

    drawn: list[str] = []

    def fills_up(fig: Figure, path: Path, **kwargs: object) -> None:
        Path(path).write_bytes(b"\x89PNG half")  # the second figure is cut off mid-write
        drawn.append(Path(path).name)
        if len(drawn) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "one"
    with monkeypatch.context() as patch:
        patch.setattr(Figure, "savefig", fills_up)
        with pytest.raises(StoreFullError) as err:
            sim.run(small(steps=12), out)
    assert len(drawn) == 2
    assert "\n" not in str(err.value) and "no space left on the device writing" in str(err.value)
    assert not any(out.iterdir()), "neither the data nor half its figures are kept"
    result = sim.run(small(steps=12), out)  # the same call runs it again once there is room
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == ["capability.png", "market_shares.png", "trust.png"]
    assert (out / "timeseries.parquet").exists() and result.path == out


def test_the_command_line_says_in_one_line_what_a_full_disk_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import sys

    from matplotlib.figure import Figure

    from experiments.main import main

    def full(fig: Figure, path: Path, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "run"
    argv = [
        "accessrace",
        "population=small",
        "steps=30",
        f"hydra.run.dir={out}",
    ]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(Figure, "savefig", full)
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(err) == 1 and "Traceback" not in err[0]
    assert "nothing of this run was kept, so the same command runs it again" in err[0]
    kept = {p.name for p in out.iterdir()} - {".hydra", "main.log"}  # Hydra's own files
    assert not kept, f"no data without its figures: {kept}"
