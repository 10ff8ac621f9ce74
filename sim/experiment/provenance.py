"""What a run is and where it came from: its spec and id, the provenance written into its
Parquet metadata, and the check that a file on disk is the finished run it claims to be.

The store trusts a file only when this check passes: the file is whole (its Parquet footer
reads), carries accessrace provenance whose config hashes to the file's run id, belongs to
the sweep that reads it (the sweep's signature, stamped into every run it writes) and, when
the reader knows which run it expects, was written for the same sweep point, pair, arm,
replicate and parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config

PROVENANCE_KEY = b"accessrace"


class Arm(StrEnum):
    """A run's role: alone, or one arm of a paired counterfactual (the value is on disk)."""

    single = "single"
    treated = "treated"
    control = "control"


PAIRED_ARMS = (Arm.treated, Arm.control)


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

    def place(self) -> dict[str, Any]:
        """Where the run sits in its sweep, as its provenance records it."""
        return {
            "point_id": self.point_id,
            "pair_id": self.pair_id,
            "arm": str(self.arm),
            "replicate": self.replicate,
            "params": dict(self.params),
        }


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


def provenance(
    spec: RunSpec, started: dt.datetime, finished: dt.datetime, sweep: str | None = None
) -> dict[str, Any]:
    """The record written into each of a run's files; `sweep` is the signature of the sweep
    whose directory it is written into (None outside a sweep with a manifest)."""
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
        "sweep": sweep,
        "accessrace_version": package_version(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "mesa_version": version("mesa"),  # Mesa's own, without importing it
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "host": platform.node(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
    }


def read_provenance(path: Path) -> dict[str, Any]:
    meta = pq.read_schema(path).metadata or {}
    return dict(json.loads(meta[PROVENANCE_KEY]))


def file_record(path: Path) -> tuple[int, dict[str, Any]] | str:
    """A Parquet file's row count and provenance, or why it has none (missing, damaged,
    not written by accessrace). Read from the footer only; cached while the file is
    unchanged."""
    found = _checked_record(path)
    return found if isinstance(found, str) else found[:2]


def _checked_record(path: Path) -> tuple[int, dict[str, Any], str] | str:
    """:func:`file_record` and the hash of the config it records (what the run id must be)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "is missing"
    return _file_record(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8192)
def _file_record(path: str, mtime_ns: int, size: int) -> tuple[int, dict[str, Any], str] | str:
    """Cached by the file's identity: a sweep's end verifies each file several times (the
    count of finished runs, the effect table, the report), and hashing a large world's
    recorded config costs about a millisecond."""
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return "is damaged (truncated, or not a Parquet file)"
    raw = (meta.metadata or {}).get(PROVENANCE_KEY)
    if raw is None:
        return "carries no accessrace provenance (it was not written by this store)"
    try:
        record = json.loads(raw)
    except ValueError:
        return "has damaged provenance"
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        return "has damaged provenance"
    return meta.num_rows, record, config_hash(record["config"])


def file_problem(
    path: Path,
    run_id: str,
    *,
    sweep: str | None = None,
    spec: RunSpec | None = None,
    months: bool = False,
) -> str | None:
    """Why `path` is not a finished file of run `run_id` in the sweep signed `sweep`, in a
    few words; None when it is. With `spec`, it must also have been written for that
    spec's place in the sweep; with `months`, hold one row per month of its config."""
    record = _checked_record(path)
    if isinstance(record, str):
        return record
    rows, prov, recorded = record
    if prov.get("run_id") != run_id or recorded != run_id:
        return f"holds another run ({prov.get('run_id')!r})"
    if sweep is not None and prov.get("sweep") not in (None, sweep):
        return f"belongs to another sweep (signature {prov.get('sweep')!r}, not {sweep!r})"
    if spec is not None:
        for key, value in spec.place().items():
            if prov.get(key) != value:
                return f"was written with {key} {prov.get(key)!r}, where this sweep has {value!r}"
    steps = prov["config"].get("steps")
    if months and isinstance(steps, int) and rows != steps + 1:
        return f"holds {rows} months where its run has {steps + 1} (truncated)"
    return None
