"""Worker processes for runs: joblib's loky pool, made to survive a worker that dies.

A worker killed mid-run (the out-of-memory killer, a segfault, a user's `kill -9`) breaks
loky's whole pool: every run in flight is lost with it and joblib raises
TerminatedWorkerError. Each task therefore leaves a marker file while it runs; when the
pool breaks, the runs whose markers remain were in flight. Each of them is run again,
alone in a fresh one-worker pool, so the run that kills its worker is found: a run that
dies alone is reported as lost (the caller records it as failed), the others were only
caught in the breakage and finish normally. Then the remaining runs continue in a fresh
pool. The progress display is tqdm's (`progress_bar`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm


class WorkerDiedWarning(RuntimeWarning):
    """A worker process died mid-sweep; its runs in flight were run again, one at a time."""


class WorkerLostError(RuntimeError):
    """A run's worker process died while it ran alone: the run itself kills its worker."""


def progress_bar(total: int, desc: str, unit: str = "run", initial: int = 0) -> tqdm[Any]:
    """The one progress display of runs and sweeps: a tqdm bar (with its ETA) on stderr,
    silent when stderr is not a terminal (logs, tests)."""
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
    )


_watching = False


def stop_with_parent(interval: float = 1.0) -> None:
    """In a worker process (one that multiprocessing or loky started), exit as soon as the
    process that started it is gone: a launcher killed with SIGKILL cannot stop its workers
    itself, and they would run on, orphaned, writing into the sweep. A daemon thread checks
    the parent every `interval` seconds; a run cut short leaves only a temporary file, which
    the store ignores. Nothing happens in a main process (a sweep run under nohup outlives
    its shell), nor the second time. Jobs a cluster scheduler runs are left to it."""
    global _watching
    if _watching or multiprocessing.parent_process() is None:
        return
    _watching = True
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="accessrace-parent-watch", daemon=True).start()


def _tracked(fn: Callable[..., Any], key: int, markers: str, item: Any, *args: Any) -> Any:
    """`fn(item, *args)` with a marker file named `key` in `markers` while it runs."""
    stop_with_parent()
    marker = Path(markers) / str(key)
    marker.touch()
    value = fn(item, *args)
    marker.unlink()
    return key, value


def _pool(
    fn: Callable[..., Any], todo: dict[int, Any], args: tuple[Any, ...], n_jobs: int, markers: Path
) -> Iterator[tuple[int, Any]]:
    from joblib import Parallel, delayed

    # The loky backend is named, so a call made inside a worker of an outer joblib pool
    # (Hydra's joblib launcher) still uses processes, not joblib's nested default of threads.
    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
    yield from parallel(
        delayed(_tracked)(fn, key, str(markers), item, *args) for key, item in list(todo.items())
    )


def _alone(
    fn: Callable[..., Any], key: int, item: Any, args: tuple[Any, ...], markers: Path
) -> Any:
    """`fn(item, *args)` in a worker process of its own (joblib would run a one-job call
    in this process, which the run could kill). A private executor, not loky's reusable
    one, which joblib's pools share and configure for themselves."""
    from joblib.externals.loky.process_executor import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as executor:
        return executor.submit(_tracked, fn, key, str(markers), item, *args).result()[1]


def parallel_map(
    fn: Callable[..., Any],
    items: Sequence[Any],
    *args: Any,
    n_jobs: int = 1,
    progress: str | None = None,
    total: int | None = None,
    lost: Callable[[Any, str], Any] | None = None,
) -> list[Any]:
    """`fn(item, *args)` for every item, in joblib worker processes, in completion order.

    With `progress`, a bar so described counts items done out of `total` (default: all).
    An item whose worker dies while it runs alone is passed to `lost(item, message)`, whose
    value takes its place in the results; without `lost`, WorkerLostError is raised once
    every other item is done.
    """
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    if not items:
        return []
    total = len(items) if total is None else total
    bar = progress_bar(total, progress, initial=total - len(items)) if progress else None
    todo = dict(enumerate(items))
    out: list[Any] = []
    failed: list[str] = []
    markers = Path(tempfile.mkdtemp(prefix="accessrace-workers-"))

    def take(key: int, value: Any) -> None:
        del todo[key]
        out.append(value)
        if bar is not None:
            bar.update()

    idle_breaks = 0
    try:
        while todo:
            try:
                for key, value in _pool(fn, todo, args, n_jobs, markers):
                    take(key, value)
            except TerminatedWorkerError:
                in_flight = _clear(markers)
                idle_breaks = 0 if in_flight else idle_breaks + 1
                if idle_breaks == 3:  # workers die with no run in them: nothing to isolate
                    raise
                warnings.warn(
                    f"a worker process died; its {len(in_flight)} run(s) in flight are run "
                    "again, one at a time, to find any that kills its worker",
                    WorkerDiedWarning,
                    stacklevel=2,
                )
                failed += _run_alone(fn, in_flight, todo, args, markers, take, lost)
    finally:
        shutil.rmtree(markers, ignore_errors=True)
        if bar is not None:
            bar.close()
    if failed:
        raise WorkerLostError("; ".join(failed))
    return out


def _run_alone(
    fn: Callable[..., Any],
    keys: Sequence[int],
    todo: dict[int, Any],
    args: tuple[Any, ...],
    markers: Path,
    take: Callable[[int, Any], None],
    lost: Callable[[Any, str], Any] | None,
) -> list[str]:
    """Run each of `keys` (in flight when a worker died) alone, handing its value to `take`.
    One that kills its worker again is passed to `lost`; without `lost`, it is removed from
    `todo` and named in the returned lines."""
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    failed = []
    for key in keys:
        try:
            take(key, _alone(fn, key, todo[key], args, markers))
        except TerminatedWorkerError as again:
            _clear(markers)
            message = f"its worker process died ({_exit_codes(again)}), twice"
            if lost is None:
                failed.append(f"{todo.pop(key)}: {message}")
            else:
                take(key, lost(todo[key], message))
    return failed


def _clear(markers: Path) -> list[int]:
    """The keys of the runs whose markers remain (they were in flight), markers removed."""
    keys = sorted(int(p.name) for p in markers.iterdir())
    for p in markers.iterdir():
        p.unlink()
    return keys


def _exit_codes(err: Exception) -> str:
    """The workers' exit codes loky reports, e.g. 'SIGKILL(-9)'."""
    text = str(err)
    codes = text.rsplit("The exit codes of the workers are ", 1)[-1].split("\n", 1)[0]
    return codes.strip("{} ") if codes != text else "unknown exit"
