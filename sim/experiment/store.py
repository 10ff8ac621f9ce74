"""The result store of a sweep: Parquet files per run, written atomically, with provenance.

A sweep directory holds ``manifest.json`` (what the sweep is, written once) and two
folders, one table each: ``events/<run_id>.parquet`` (a run's event log) and
``timeseries/<run_id>.parquet`` (its monthly metrics, written last: its presence means
the run finished). Every row of both carries its run's id, point, pair, arm, replicate,
seed, scenario and swept parameters as columns, so DuckDB, polars or pyarrow read a
whole sweep with one glob (README, "Sweeps"). A run's id is the hash of its resolved
config, so re-running a sweep skips what is already written and no row is ever
duplicated. A run killed mid-write leaves at most a hidden temporary file, which every
reader here and the globs ``*.parquet`` ignore.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config

if TYPE_CHECKING:
    from sim.experiment.run import Result

TIMESERIES = "timeseries"
EVENTS = "events"
LEGACY_RUNS = "runs"
"""The folder of the old layout (time series and events mixed); refused with advice."""
MANIFEST = "manifest.json"
PROVENANCE_KEY = b"accessrace"
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


class Arm(StrEnum):
    """A run's role: alone, or one arm of a paired counterfactual (the value is on disk)."""

    single = "single"
    treated = "treated"
    control = "control"


PAIRED_ARMS = (Arm.treated, Arm.control)


class SweepMismatchError(RuntimeError):
    """A sweep directory already holds a different sweep; nothing was written."""


class SweepLayoutError(SweepMismatchError):
    """A sweep directory written in an older layout of the store; nothing was written."""


def config_hash(config: Config | Mapping[str, Any]) -> str:
    """A stable short hash of a resolved config."""
    data = config.to_dict() if isinstance(config, Config) else dict(config)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep and how it relates to the others."""

    config: Config
    replicate: int = 0
    arm: Arm = Arm.single
    """Alone, or the treated or control arm of a paired counterfactual."""
    pair_id: str = ""
    """Shared by the two arms of a pair (common random numbers)."""
    point_id: str = ""
    """Shared by all replicates and arms at one parameter point."""
    params: Mapping[str, str] = field(default_factory=dict)
    """The overrides that made this run (e.g. swept parameters), recorded as columns."""

    @functools.cached_property
    def run_id(self) -> str:
        return config_hash(self.config)


def _git(*args: str) -> str | None:
    """Output of a git command in the package's source tree, or None outside a checkout."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    out = _git("rev-parse", "HEAD")
    return out.strip() if out else None


@functools.cache
def git_dirty() -> bool | None:
    """Whether that tree has uncommitted changes, including new files git does not ignore
    (then the commit alone does not reproduce a run); None outside a checkout. Read once
    per process."""
    out = _git("status", "--porcelain")
    return None if out is None else bool(out.strip())


@functools.cache
def package_version() -> str:
    """The installed accessrace version (a source tree never installed has none)."""
    try:
        return version("accessrace")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def provenance(spec: RunSpec, started: dt.datetime, finished: dt.datetime) -> dict[str, Any]:
    return {
        "run_id": spec.run_id,
        "config": spec.config.to_dict(),
        "config_hash": spec.run_id,
        "seed": spec.config.seed,
        "replicate": spec.replicate,
        "arm": str(spec.arm),
        "pair_id": spec.pair_id,
        "point_id": spec.point_id,
        "params": dict(spec.params),
        "accessrace_version": package_version(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "host": platform.node(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
    }


def run_path(sweep_dir: Path, run_id: str) -> Path:
    """A run's time-series file: its presence means the run finished."""
    return sweep_dir / TIMESERIES / f"{run_id}.parquet"


def events_path(sweep_dir: Path, run_id: str) -> Path:
    return sweep_dir / EVENTS / f"{run_id}.parquet"


def is_done(sweep_dir: Path, spec: RunSpec) -> bool:
    return run_path(sweep_dir, spec.run_id).exists()


def check_layout(sweep_dir: Path) -> None:
    """Refuse a sweep directory in the old layout (``runs/``), saying how to move it."""
    if (sweep_dir / LEGACY_RUNS).is_dir() and not (sweep_dir / TIMESERIES).is_dir():
        raise SweepLayoutError(
            f"{sweep_dir} holds runs in the old layout ({LEGACY_RUNS}/); move "
            f"{LEGACY_RUNS}/<id>.events.parquet to {EVENTS}/<id>.parquet and "
            f"{LEGACY_RUNS}/<id>.parquet to {TIMESERIES}/<id>.parquet, or re-run the sweep "
            "into a new directory"
        )


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
        pq.write_table(table.replace_schema_metadata(merged), tmp)


def write_run(
    sweep_dir: Path, spec: RunSpec, result: Result, started: dt.datetime, finished: dt.datetime
) -> Path:
    """Write one finished run: its events, then its time series (the completion mark).

    Both files carry the run's columns (ids, arm, replicate, swept parameters; the events
    also seed and scenario, which the time series has from the model), so a glob over
    either folder reads as one table.
    """
    meta = provenance(spec, started, finished)
    columns: dict[str, object] = {
        "run_id": spec.run_id,
        "point_id": spec.point_id,
        "pair_id": spec.pair_id,
        "arm": str(spec.arm),
        "replicate": spec.replicate,
    }
    params = {f"param__{k}": str(v) for k, v in spec.params.items()}
    for folder in (EVENTS, TIMESERIES):
        (sweep_dir / folder).mkdir(parents=True, exist_ok=True)
    run_keys = {"seed": spec.config.seed, "scenario": spec.config.scenario.name}
    events = events_path(sweep_dir, spec.run_id)
    _write_table(result.events, {**run_keys, **columns, **params}, events, meta, EVENT_SCHEMA)
    path = run_path(sweep_dir, spec.run_id)
    _write_table(result.timeseries, {**columns, **params}, path, meta)
    return path


def read_provenance(path: Path) -> dict[str, Any]:
    meta = pq.read_schema(path).metadata or {}
    return dict(json.loads(meta[PROVENANCE_KEY]))


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Write to a hidden temporary file beside `path`, then rename it into place (atomic on
    POSIX), so a reader never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- manifest --------------------------------------------------------------------------------


def ensure_manifest(sweep_dir: Path, signature: str, description: Mapping[str, Any]) -> None:
    """Record what this sweep is, or check that the directory holds the same sweep.

    Raises SweepMismatchError when `sweep_dir` was written by a different sweep.
    """
    check_layout(sweep_dir)
    path = sweep_dir / MANIFEST
    if path.exists():
        existing = json.loads(path.read_text())
        if existing.get("signature") != signature:
            raise SweepMismatchError(
                f"{sweep_dir} holds a different sweep (experiment "
                f"{existing.get('experiment')!r}, overrides {existing.get('overrides')}); "
                "its results are kept. Give this sweep another directory, e.g. "
                "sweep.name=<new name>."
            )
        return
    sweep_dir.mkdir(parents=True, exist_ok=True)
    content = {
        "signature": signature,
        "created": dt.datetime.now(dt.UTC).isoformat(),
        **description,
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(content, indent=2, default=str))


def read_manifest(sweep_dir: Path) -> dict[str, Any]:
    return dict(json.loads((Path(sweep_dir) / MANIFEST).read_text()))


# --- loading ---------------------------------------------------------------------------------


def complete_pairs(results: pd.DataFrame) -> pd.DataFrame:
    """The treated and control runs (or rows) whose pair has both arms finished."""
    pairs = results[results["arm"].isin(PAIRED_ARMS)]
    return pairs[pairs.groupby("pair_id")["arm"].transform("nunique") == 2]


def run_files(sweep_dir: str | os.PathLike[str]) -> list[Path]:
    """Finished runs' time-series files (temporary files of killed runs are ignored)."""
    path = Path(sweep_dir)
    check_layout(path)
    return sorted((path / TIMESERIES).glob("*.parquet"))


ID_COLUMNS = ["step", "seed", "scenario", *RUN_COLUMNS]


def load(sweep_dir: str | os.PathLike[str], kind: str = "timeseries") -> pd.DataFrame:
    """One tidy DataFrame for a whole sweep.

    kind = 'timeseries': every month of every run, with run_id, point_id, pair_id, arm,
    replicate, seed and swept parameters as columns; 'summary': one row per run (its
    final month); 'events': every finished run's event log, with the same run columns;
    'long': the time series melted to (ids, params, metric, entity, value), one table
    whatever the labs and providers of each point.
    """
    kinds = ("timeseries", "summary", "events", "long")
    if kind not in kinds:
        raise ValueError(f"kind = {kind!r}: expected one of {kinds}")
    files = run_files(sweep_dir)
    if not files:
        raise FileNotFoundError(f"{sweep_dir} holds no finished runs (looked in {TIMESERIES}/)")
    if kind == "events":
        files = [events_path(Path(sweep_dir), f.stem) for f in files]
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if kind == "summary":
        frame = frame.loc[frame.groupby("run_id")["step"].idxmax()].reset_index(drop=True)
    if kind == "long":
        frame = long_form(frame)
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


# --- what a sweep directory holds ------------------------------------------------------------


@dataclass(frozen=True)
class SweepStatus:
    """How complete a sweep directory is: planned and finished runs, failures, incomplete
    pairs, and whether it mixes scenarios."""

    planned: int | None
    finished: int
    failures: tuple[str, ...]
    unpaired: int
    """Runs of a pair whose other arm has not finished."""
    scenarios: tuple[str, ...]
    arms: tuple[str, ...]

    @property
    def partial(self) -> bool:
        return (
            self.planned is None
            or self.finished < self.planned
            or bool(self.failures)
            or self.unpaired > 0
        )

    @property
    def mixed(self) -> bool:
        """The runs mix scenarios, or paired with unpaired runs."""
        paired = set(PAIRED_ARMS) & set(self.arms)
        return len(self.scenarios) > 1 or (Arm.single in self.arms and bool(paired))

    def messages(self) -> list[str]:
        """What is missing or odd, in plain words (empty for a complete sweep)."""
        out = []
        if self.planned is None:
            out.append("the manifest does not say how many runs were planned")
        elif self.finished == 0:
            out.append(f"no run has finished yet (0 of {self.planned} planned)")
        elif self.finished < self.planned:
            out.append(
                f"{self.planned - self.finished} of {self.planned} planned runs have not "
                f"finished; results below use the {self.finished} that have"
            )
        if self.failures:
            out.append(f"{len(self.failures)} run(s) failed: " + "; ".join(self.failures[:5]))
        if self.unpaired:
            out.append(
                f"{self.unpaired} run(s) lack the other arm of their pair and are left out of "
                "the paired effects"
            )
        if len(self.scenarios) > 1:
            out.append(
                f"the runs mix scenarios {list(self.scenarios)}; effects are per parameter point"
            )
        if Arm.single in self.arms and (set(PAIRED_ARMS) & set(self.arms)):
            out.append("the runs mix paired and unpaired runs; effects use the pairs only")
        return out


def sweep_status(sweep_dir: str | os.PathLike[str]) -> SweepStatus:
    """Read a sweep directory's manifest, finished runs and recorded failures."""
    path = Path(sweep_dir)
    if not (path / MANIFEST).exists():
        raise FileNotFoundError(f"{path} is not a sweep directory (no {MANIFEST})")
    planned = read_manifest(path).get("planned_runs")
    files = run_files(path)
    finished_ids = {f.name.removesuffix(".parquet") for f in files}
    failures = []
    for f in sorted((path / "failed").glob("*.json")):
        info = json.loads(f.read_text())
        if info.get("run_id") in finished_ids:
            continue
        failures.append(
            f"seed {info.get('seed')}, arm {info.get('arm')}, overrides "
            f"{info.get('overrides')}: {info.get('error')}"
        )
    unpaired, scenarios, arms = 0, [], []
    if files:
        cols = ["run_id", "pair_id", "arm", "scenario"]
        runs = pd.concat(
            [pd.read_parquet(f, columns=cols).iloc[:1] for f in files], ignore_index=True
        )
        scenarios = sorted(runs["scenario"].astype(str).unique())
        arms = sorted(runs["arm"].astype(str).unique())
        paired = runs["arm"].isin(PAIRED_ARMS).sum()
        unpaired = int(paired - len(complete_pairs(runs)))
    return SweepStatus(
        None if planned is None else int(planned),
        len(files),
        tuple(failures),
        unpaired,
        tuple(scenarios),
        tuple(arms),
    )
