"""A sweep directory reads as two tables with DuckDB, polars and pyarrow (README one-liners)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest
from helpers import cutoff, small

from sim.config import EventKind
from sim.experiment.run import plan, sweep
from sim.experiment.store import RUN_COLUMNS, SweepLayoutError, ensure_manifest, load, read_frames

REVOKE = [EventKind.revoke_access]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sweep points (a swept parameter), two paired replicates each."""
    path = tmp_path_factory.mktemp("store")
    specs = []
    for at in (4, 6):
        config = small(scenario=cutoff(at=at), steps=12, seed=at)
        specs += plan(config, replicates=2, intervention=REVOKE, params={"at": str(at)})
    sweep(specs, path, n_jobs=2)
    return path


def test_each_folder_holds_one_table_with_the_run_columns(store: Path) -> None:
    assert sorted(p.name for p in store.iterdir() if p.is_dir()) == ["events", "timeseries"]
    ts, ev = load(store), load(store, "events")
    for frame in (ts, ev):
        assert set(RUN_COLUMNS) | {"seed", "scenario", "param__at"} <= set(frame.columns)
        assert frame["run_id"].nunique() == 8
    by_run = ts.groupby("run_id")[["seed", "arm", "replicate", "pair_id"]].first()
    joined = ev.groupby("run_id")[["seed", "arm", "replicate", "pair_id"]].first()
    pd.testing.assert_frame_equal(joined, by_run.loc[joined.index])


def test_duckdb_polars_and_pyarrow_read_a_whole_sweep(store: Path) -> None:
    ts, ev = load(store), load(store, "events")
    for folder, expected in (("timeseries", ts), ("events", ev)):
        glob = f"{store}/{folder}/*.parquet"
        con = duckdb.connect()
        via_duckdb = con.sql(f"SELECT * FROM read_parquet('{glob}', union_by_name=true)").df()
        via_polars = pl.scan_parquet(glob).collect()
        via_arrow = ds.dataset(store / folder, format="parquet").to_table()
        for n in (len(via_duckdb), via_polars.height, via_arrow.num_rows):
            assert n == len(expected), folder
        assert set(via_polars.columns) == set(expected.columns)
        assert set(via_arrow.column_names) == set(expected.columns)
    counts = (
        duckdb.sql(
            f"SELECT arm, count(DISTINCT run_id) AS runs FROM "
            f"read_parquet('{store}/timeseries/*.parquet', union_by_name=true) GROUP BY arm"
        )
        .df()
        .set_index("arm")["runs"]
    )
    assert counts.to_dict() == {"control": 4, "treated": 4}


def test_the_long_form_is_one_table_whatever_the_entities(store: Path) -> None:
    long = load(store, "long")
    ts = load(store)
    assert list(long.columns[-3:]) == ["metric", "entity", "value"]
    assert len(long) == len(ts) * (len(ts.columns) - len(long.columns) + 3)
    trust = long[(long["metric"] == "trust") & (long["entity"] == "incumbent_api")]
    assert len(trust) == len(ts)
    assert (long.loc[long["metric"] == "developer_trust", "entity"] == "").all()


def test_the_old_layout_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    with pytest.raises(SweepLayoutError, match="old layout"):
        load(tmp_path)
    with pytest.raises(SweepLayoutError, match="old layout"):
        ensure_manifest(tmp_path, "sig", {})


def test_read_frames_joins_files_as_pandas_would_whatever_their_columns(
    store: Path, tmp_path: Path
) -> None:
    """The store's one-conversion reader gives what a frame per file, concatenated, gives:
    for a sweep's files (one schema), and for files whose columns differ (another lab in
    one point), where a column a file lacks is NaN in its rows and new columns come last."""
    files = sorted((store / "timeseries").glob("*.parquet"))
    expected = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    pd.testing.assert_frame_equal(read_frames(files), expected, check_exact=True)
    one = pd.DataFrame({"step": [0, 1], "capability__a": [1.0, 2.0], "arm": ["x", "y"]})
    other = pd.DataFrame({"step": [0], "capability__b": [3.0], "arm": ["z"]})
    paths = [tmp_path / "one.parquet", tmp_path / "other.parquet"]
    for frame, path in zip((one, other), paths, strict=True):
        frame.to_parquet(path, index=False)
    joined = read_frames(paths)
    pd.testing.assert_frame_equal(joined, pd.concat([one, other], ignore_index=True))
    assert list(joined.columns) == ["step", "capability__a", "arm", "capability__b"]
    assert joined["capability__a"].isna().tolist() == [False, False, True]


def test_inside_shared_reads_unchanged_files_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end of a sweep reads its runs for the effect table and again for the report:
    inside `shared_reads` the second read comes from the first (a copy, so a caller that
    changes its frame changes no other's), a file rewritten in between is read again, and
    outside the block every read goes to the files."""
    from sim.experiment import store as store_module

    path = tmp_path / "run.parquet"
    pd.DataFrame({"step": [0, 1], "x": [1.0, 2.0]}).to_parquet(path, index=False)
    reads = []
    real = store_module._read_frames
    monkeypatch.setattr(
        store_module, "_read_frames", lambda files, columns: reads.append(1) or real(files, columns)
    )
    with store_module.shared_reads():
        first = read_frames([path])
        first.loc[0, "x"] = 99.0
        again = read_frames([path])
        assert len(reads) == 1 and again["x"].tolist() == [1.0, 2.0]
        replacement = tmp_path / "new.parquet"
        pd.DataFrame({"step": [0, 1], "x": [5.0, 6.0]}).to_parquet(replacement, index=False)
        replacement.replace(path)  # as the store rewrites a file: atomically, a new inode
        assert read_frames([path])["x"].tolist() == [5.0, 6.0] and len(reads) == 2
    read_frames([path])
    read_frames([path])
    assert len(reads) == 4
