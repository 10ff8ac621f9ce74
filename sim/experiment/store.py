"""The result store of a sweep: Parquet files per run, written atomically, with provenance.

A sweep directory holds ``manifest.json`` (what the sweep is, written once) and two
folders, one table each: ``events/<run_id>.parquet`` (a run's event log) and
``timeseries/<run_id>.parquet`` (its monthly metrics, written last). A run counts as
finished only when both files are whole and their provenance names this run, at this
place in this sweep (sim.experiment.provenance); any other file is reported with its
run id, never read as data, and the run is redone. Every row of both carries its run's
id, point, pair, arm, replicate, seed, scenario and swept parameters as columns, so
DuckDB, polars or pyarrow read a whole sweep with one glob (README, "Sweeps"). A run's
id is the hash of its resolved config, so re-running a sweep skips what is already
finished and no row is ever duplicated. A run killed mid-write leaves at most a hidden
temporary file, which every reader here and the globs ``*.parquet`` ignore. The manifest
and the lock live in sim.experiment.manifest, safe writing in sim.experiment.atomic.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config
from sim.experiment.atomic import StoreFullError, atomic_path, disk_full_stops
from sim.experiment.manifest import (
    EVENTS,
    LEGACY_RUNS,
    MANIFEST,
    TIMESERIES,
    ManifestError,
    SweepBusyError,
    SweepLayoutError,
    SweepMismatchError,
    acquire_lock,
    check_layout,
    ensure_manifest,
    read_manifest,
    release_lock,
    sweep_lock,
    sweep_signature,
)
from sim.experiment.provenance import (
    PAIRED_ARMS,
    PROVENANCE_KEY,
    Arm,
    RunSpec,
    config_hash,
    file_problem,
    provenance,
    read_provenance,
)

if TYPE_CHECKING:
    from sim.experiment.run import Result

__all__ = [  # the store's face: what readers and writers of sweeps import from here
    "EVENTS",
    "LEGACY_RUNS",
    "MANIFEST",
    "PAIRED_ARMS",
    "TIMESERIES",
    "Arm",
    "ManifestError",
    "RunSpec",
    "StoreFullError",
    "StoreWarning",
    "SweepBusyError",
    "SweepLayoutError",
    "SweepMismatchError",
    "acquire_lock",
    "atomic_path",
    "config_hash",
    "ensure_manifest",
    "is_done",
    "load",
    "load_config",
    "read_manifest",
    "read_provenance",
    "release_lock",
    "run_files",
    "sweep_lock",
    "triage",
    "write_run",
]

RUN_COLUMNS = ["run_id", "point_id", "pair_id", "arm", "replicate"]
"""Provenance columns every row of a sweep's time series and events carries (besides seed
and scenario)."""
EVENT_SCHEMA = pa.schema(
    [
        ("step", pa.int64()),
        ("kind", pa.string()),
        ("actor", pa.string()),
        ("target", pa.string()),
        ("reason", pa.string()),
        ("value", pa.float64()),
    ]
)
"""The event log's columns and types, fixed so that a run without events writes the same
schema as one with (readers of a whole folder need one schema)."""


class StoreWarning(UserWarning):
    """A file of the store that is not what it claims (damaged, foreign, incomplete)."""


def run_path(sweep_dir: Path, run_id: str) -> Path:
    """A run's time-series file: written last, so a verified one means the run finished."""
    return sweep_dir / TIMESERIES / f"{run_id}.parquet"


def events_path(sweep_dir: Path, run_id: str) -> Path:
    return sweep_dir / EVENTS / f"{run_id}.parquet"


# --- what is finished: verified, never merely present ----------------------------------------


def run_problem(
    sweep_dir: Path, run_id: str, sweep: str | None, spec: RunSpec | None = None
) -> str | None:
    """Why run `run_id` does not count as finished in `sweep_dir` (a sweep signed `sweep`),
    naming the file; None when both its files are whole and its own."""
    for folder, path, months in (
        (TIMESERIES, run_path(sweep_dir, run_id), True),
        (EVENTS, events_path(sweep_dir, run_id), False),
    ):
        problem = file_problem(path, run_id, sweep=sweep, spec=spec, months=months)
        if problem:
            return f"{folder}/{path.name} {problem}"
    return None


def is_done(sweep_dir: Path, spec: RunSpec) -> bool:
    """The run is finished in `sweep_dir`: its files are whole and written for this spec
    by this directory's sweep."""
    return run_problem(sweep_dir, spec.run_id, sweep_signature(sweep_dir), spec) is None


def triage(sweep_dir: Path, specs: Sequence[RunSpec]) -> tuple[list[RunSpec], list[str]]:
    """The specs still to run, and one line per run whose file is there but cannot be
    trusted (it runs again, its file replaced)."""
    sweep = sweep_signature(sweep_dir)
    todo, notes = [], []
    for spec in specs:
        problem = run_problem(sweep_dir, spec.run_id, sweep, spec)
        if problem is None:
            continue
        todo.append(spec)
        if run_path(sweep_dir, spec.run_id).exists():
            notes.append(f"run {spec.run_id}: {problem}; it runs again")
    return todo, notes


def scan(sweep_dir: Path) -> tuple[list[Path], list[str]]:
    """The time-series files of finished runs in `sweep_dir`, and one line per file there
    that is not one (damaged, foreign, or missing its events)."""
    check_layout(sweep_dir)
    sweep = sweep_signature(sweep_dir)
    good, bad = [], []
    for path in sorted((sweep_dir / TIMESERIES).glob("*.parquet")):
        problem = run_problem(sweep_dir, path.stem, sweep)
        if problem is None:
            good.append(path)
        else:
            bad.append(f"run {path.stem}: {problem}; it is left out")
    return good, bad


# --- writing ---------------------------------------------------------------------------------


def _write_table(
    frame: pd.DataFrame,
    constants: Mapping[str, object],
    path: Path,
    meta: dict[str, Any],
    schema: pa.Schema | None = None,
) -> None:
    """Write `frame` plus one column per constant (appended in Arrow: a pandas `assign`
    of ~100 columns cost more than the Parquet write)."""
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    for name, value in constants.items():
        table = table.append_column(name, pa.repeat(pa.scalar(value), table.num_rows))
    merged = {**(table.schema.metadata or {}), PROVENANCE_KEY: json.dumps(meta).encode()}
    with atomic_path(path) as tmp:
        write_parquet(table.replace_schema_metadata(merged), tmp)


def write_parquet(table: pa.Table, path: Path) -> None:
    """The one place the store writes Parquet (tests inject a full disk here)."""
    pq.write_table(table, path)


def write_run(
    sweep_dir: Path, spec: RunSpec, result: Result, started: dt.datetime, finished: dt.datetime
) -> Path:
    """Write one finished run: its events, then its time series (the completion mark).

    Both files carry the run's columns (ids, arm, replicate, swept parameters; the events
    also seed and scenario, which the time series has from the model), so a glob over
    either folder reads as one table, and its provenance, signed with the sweep's
    signature. A full disk raises StoreFullError and leaves the run unfinished (no
    time series), so the next attempt runs it again.
    """
    meta = provenance(spec, started, finished, sweep_signature(sweep_dir))
    columns: dict[str, object] = {
        "run_id": spec.run_id,
        "point_id": spec.point_id,
        "pair_id": spec.pair_id,
        "arm": str(spec.arm),
        "replicate": spec.replicate,
    }
    params = {f"param__{k}": str(v) for k, v in spec.params.items()}
    run_keys = {"seed": spec.config.seed, "scenario": spec.config.scenario.name}
    events = events_path(sweep_dir, spec.run_id)
    path = run_path(sweep_dir, spec.run_id)
    with disk_full_stops(path):
        for folder in (EVENTS, TIMESERIES):
            (sweep_dir / folder).mkdir(parents=True, exist_ok=True)
        _write_table(result.events, {**run_keys, **columns, **params}, events, meta, EVENT_SCHEMA)
        _write_table(result.timeseries, {**columns, **params}, path, meta)
    return path


# --- loading ---------------------------------------------------------------------------------


def complete_pairs(results: pd.DataFrame) -> pd.DataFrame:
    """The treated and control runs (or rows) whose pair has both arms finished."""
    pairs = results[results["arm"].isin(PAIRED_ARMS)]
    return pairs[pairs.groupby("pair_id")["arm"].transform("nunique") == 2]


def run_files(sweep_dir: str | os.PathLike[str]) -> list[Path]:
    """Finished runs' time-series files: verified whole and this sweep's (temporary files
    of killed runs, damaged and foreign files are left out)."""
    return scan(Path(sweep_dir))[0]


ID_COLUMNS = ("step", "seed", "scenario", *RUN_COLUMNS)
"""Columns that say which run and month a row is: never an outcome."""


def load(sweep_dir: str | os.PathLike[str], kind: str = "timeseries") -> pd.DataFrame:
    """One tidy DataFrame for a whole sweep.

    kind = 'timeseries': every month of every run, with run_id, point_id, pair_id, arm,
    replicate, seed and swept parameters as columns; 'summary': one row per run (its
    final month); 'events': every finished run's event log, with the same run columns;
    'long': the time series melted to (ids, params, metric, entity, value), one table
    whatever the labs and providers of each point. Only verified runs are read; a file
    that is not one (damaged, foreign, its events missing) is left out with a
    StoreWarning naming its run.
    """
    kinds = ("timeseries", "summary", "events", "long")
    if kind not in kinds:
        raise ValueError(f"kind = {kind!r}: expected one of {kinds}")
    files, bad = scan(Path(sweep_dir))
    for line in bad:
        warnings.warn(line, StoreWarning, stacklevel=2)
    if not files:
        raise FileNotFoundError(f"{sweep_dir} holds no finished runs (looked in {TIMESERIES}/)")
    if kind == "events":
        files = [events_path(Path(sweep_dir), f.stem) for f in files]
    frame = read_frames(files)
    if kind == "summary":
        frame = frame.loc[frame.groupby("run_id")["step"].idxmax()].reset_index(drop=True)
    if kind == "long":
        frame = long_form(frame)
    return frame


_shared: dict[Any, pd.DataFrame] | None = None
"""The frames read inside :func:`shared_reads`, by their files' identities and columns."""


@contextmanager
def shared_reads() -> Iterator[None]:
    """Inside this block, files read again unchanged (the same inode, size and modification
    time: a store's atomic writes give a rewritten file a new inode) come from the first
    read, as a copy. The end of a sweep reads its runs for the effect table and again for
    the report (~1 s for the flagship's 128 runs); outside the block nothing is kept, so a
    large sweep's frame is never held twice."""
    global _shared
    _shared = {}
    try:
        yield
    finally:
        _shared = None


def read_frames(files: Sequence[Path], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The Parquet `files` (of verified runs) as one frame, in order: read as Arrow tables
    and converted to pandas once, which for a sweep's hundreds of small files takes under
    half the time of a frame per file. Files whose columns differ (sweep points with
    different labs) are joined as pandas frames, so a column a file lacks is NaN there,
    as it always was. Inside :func:`shared_reads`, read once."""
    if _shared is None:
        return _read_frames(files, columns)
    key = (
        tuple((str(f), s.st_ino, s.st_size, s.st_mtime_ns) for f in files for s in [f.stat()]),
        None if columns is None else tuple(columns),
    )
    if key not in _shared:
        _shared[key] = _read_frames(files, columns)
    return _shared[key].copy()


def _read_table(path: Path, columns: Sequence[str] | None) -> pa.Table:
    with pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns)


def _read_frames(files: Sequence[Path], columns: Sequence[str] | None) -> pd.DataFrame:
    # on threads: Arrow reads without the interpreter's lock, and a sweep's files are many
    # and small (the policy sweep's 360 in 1.8-2.2 s instead of 2.9-3.3 s on 2 cores)
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) + 2)) as threads:
        tables = list(threads.map(lambda f: _read_table(f, columns), files))
    if not tables:
        return pd.DataFrame(columns=list(columns or []))
    if all(t.schema.equals(tables[0].schema) for t in tables[1:]):
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    else:
        frame = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    return frame


def long_form(timeseries: pd.DataFrame) -> pd.DataFrame:
    """A sweep's time series melted to its run columns, ``metric``, ``entity`` (empty for a
    model-wide metric) and ``value``: the same columns for every sweep point."""
    ids = [c for c in timeseries.columns if c in ID_COLUMNS or c.startswith("param__")]
    long = timeseries.melt(id_vars=ids, var_name="column", value_name="value")
    parts = long["column"].str.split("__", n=1, expand=True)
    long["metric"] = parts[0]
    long["entity"] = parts[1].fillna("") if parts.shape[1] > 1 else ""
    return long[[*ids, "metric", "entity", "value"]]


def load_config(sweep_dir: str | os.PathLike[str], run_id: str) -> Config:
    """The resolved config of one run of a sweep."""
    return Config.from_dict(read_provenance(run_path(Path(sweep_dir), run_id))["config"])
