"""A sweep directory's identity: its layout, its manifest (what the sweep is) and the lock a
running sweep holds on it.

A sweep is known by its signature. The manifest records it; every run file carries it in
its provenance too, so a lost or damaged manifest is rebuilt only for the sweep whose runs
the directory holds. The lock (an ``flock``, not a check-then-write) keeps a second sweep
out while one runs.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import platform
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.experiment.atomic import atomic_path, create_exclusive
from sim.experiment.provenance import file_record

TIMESERIES = "timeseries"
EVENTS = "events"
LEGACY_RUNS = "runs"
"""The folder of the old layout (time series and events mixed); refused with advice."""
MANIFEST = "manifest.json"
LOCK = ".lock"
"""The file a running sweep holds locked (flock) so that no second sweep enters its
directory; the lock goes with the process that holds it, so a killed sweep leaves none."""


class SweepMismatchError(RuntimeError):
    """A sweep directory already holds a different sweep; nothing was written."""


class SweepLayoutError(SweepMismatchError):
    """A sweep directory written in an older layout of the store; nothing was written."""


class SweepBusyError(SweepMismatchError):
    """Another sweep is running in the directory right now; nothing was written."""


class ManifestError(ValueError):
    """A sweep's manifest.json is not readable JSON (truncated or overwritten)."""


def check_layout(sweep_dir: Path) -> None:
    """Refuse a sweep directory in the old layout (``runs/``), saying how to move it."""
    if (sweep_dir / LEGACY_RUNS).is_dir() and not (sweep_dir / TIMESERIES).is_dir():
        raise SweepLayoutError(
            f"{sweep_dir} holds runs in the old layout ({LEGACY_RUNS}/); move "
            f"{LEGACY_RUNS}/<id>.events.parquet to {EVENTS}/<id>.parquet and "
            f"{LEGACY_RUNS}/<id>.parquet to {TIMESERIES}/<id>.parquet, or re-run the sweep "
            "into a new directory"
        )


# --- the lock ----------------------------------------------------------------------------------


def acquire_lock(sweep_dir: Path) -> int:
    """Hold `sweep_dir`'s lock for this process (an flock on ``.lock``, released by
    :func:`release_lock` or when the process ends, however). Raises SweepBusyError, naming
    the holder, when another sweep holds it."""
    sweep_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(sweep_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 300).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise SweepBusyError(
            f"{sweep_dir} is in use by another sweep ({holder}); wait for it to finish, or "
            "give this sweep another directory (sweep.name=<new name>)"
        ) from None
    os.ftruncate(fd, 0)
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    os.write(fd, f"pid {os.getpid()} on {platform.node()} since {since}".encode())
    return fd


def release_lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextmanager
def sweep_lock(sweep_dir: Path) -> Iterator[None]:
    """`sweep_dir` locked for the duration (see :func:`acquire_lock`)."""
    fd = acquire_lock(sweep_dir)
    try:
        yield
    finally:
        release_lock(fd)


# --- manifest --------------------------------------------------------------------------------


def ensure_manifest(sweep_dir: Path, signature: str, description: Mapping[str, Any]) -> str | None:
    """Record what this sweep is, or check that the directory holds the same sweep.

    A missing or damaged manifest is rebuilt only when every run in the directory is
    signed by this sweep (each run's provenance carries its sweep's signature); then a
    line saying so is returned. Raises SweepMismatchError when `sweep_dir` holds a
    different sweep, or runs whose sweep cannot be told.
    """
    check_layout(sweep_dir)
    path = sweep_dir / MANIFEST
    try:
        existing: dict[str, Any] | None = read_manifest(sweep_dir)
        lost = ""
    except FileNotFoundError:
        existing, lost = None, "missing"
    except ManifestError:
        existing, lost = None, "damaged"
    if existing is not None:
        if existing.get("signature") != signature:
            raise SweepMismatchError(
                f"{sweep_dir} holds a different sweep (experiment "
                f"{existing.get('experiment')!r}, overrides {existing.get('overrides')}); "
                "its results are kept. Give this sweep another directory, e.g. "
                "sweep.name=<new name>."
            )
        return None
    signed = run_signatures(sweep_dir)
    others = sorted({str(s) for s in signed if s != signature})
    if others:
        whose = (
            "another sweep"
            if "None" not in others
            else "a sweep that cannot be told (written before runs were signed)"
        )
        raise SweepMismatchError(
            f"{sweep_dir} has its {MANIFEST} {lost} and holds runs of {whose}; its results "
            "are kept. Give this sweep another directory, e.g. sweep.name=<new name>."
        )
    sweep_dir.mkdir(parents=True, exist_ok=True)
    content = {
        "signature": signature,
        "created": dt.datetime.now(dt.UTC).isoformat(),
        **description,
    }
    text = json.dumps(content, indent=2, default=str)
    if lost == "damaged":
        with atomic_path(path) as tmp:
            tmp.write_text(text)
        return _rebuilt(lost, len(signed))
    if not create_exclusive(path, text):  # another sweep created it meanwhile: compare
        return ensure_manifest(sweep_dir, signature, description)
    return _rebuilt(lost, len(signed)) if signed else None


def _rebuilt(lost: str, runs: int) -> str:
    return (
        f"{MANIFEST} was {lost}; rebuilt for this sweep ({runs} run file(s) in "
        f"{TIMESERIES}/ are signed by it)"
    )


def run_signatures(sweep_dir: Path) -> list[str | None]:
    """The sweep signature in each readable time-series file's provenance (None where a
    run predates signing)."""
    out = []
    for path in sorted((sweep_dir / TIMESERIES).glob("*.parquet")):
        record = file_record(path)
        if not isinstance(record, str):
            out.append(record[1].get("sweep"))
    return out


def read_manifest(sweep_dir: Path) -> dict[str, Any]:
    """The manifest (FileNotFoundError when missing, ManifestError when damaged)."""
    path = Path(sweep_dir) / MANIFEST
    text = path.read_text()
    try:
        data = json.loads(text)
    except ValueError as err:
        data = err
    if not isinstance(data, dict) or "signature" not in data:
        raise ManifestError(
            f"{path} is damaged (not the JSON a sweep writes); run the sweep again to rebuild "
            "it from its runs"
        )
    return data


def sweep_signature(sweep_dir: Path) -> str | None:
    """The signature of the sweep recorded in `sweep_dir`, or None without a readable
    manifest."""
    try:
        return str(read_manifest(sweep_dir)["signature"])
    except (FileNotFoundError, ManifestError):
        return None
