"""accessrace: an agent-based simulation of frontier-AI lab competition and API access policy.

`sim.run(config)` runs one simulation and returns a :class:`Result`; the Hydra
command line lives in ``experiments/`` and never inside this package. The layers, from
the bottom (``docs/ARCHITECTURE.md``): ``config`` ← ``model`` ← ``experiment`` ←
``analysis`` ← ``viz`` ← ``report`` and ``dashboard``; ``theory`` stands apart.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import Config, ConfigError
from sim.experiment.atomic import StoreFullError, disk_full_stops

if TYPE_CHECKING:
    from sim.experiment.run import Result, RunDirectoryError, load, simulate
    from sim.model import AccessModel

    __version__: str

LAZY = {
    "AccessModel": "sim.model",
    "Result": "sim.experiment.run",
    "RunDirectoryError": "sim.experiment.run",
    "load": "sim.experiment.run",
    "simulate": "sim.experiment.run",
}
"""Public names imported on first use: they bring the model (Mesa, SciPy), which a process
that only draws figures or starts the command line does not need."""


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from sim.experiment.provenance import package_version

        return package_version()
    if name in LAZY:
        value = getattr(importlib.import_module(LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def run(
    config: Config | Mapping[str, Any],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    figures: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Run one simulation; with `out_dir`, write its Parquet files, config.yaml and, unless
    `figures` is False, its figures (capability, trust, market shares) into `figures/`.

    Raises ConfigError for an invalid config and RunDirectoryError when `out_dir` already
    holds a run (checked before anything is computed). A full disk raises StoreFullError
    and leaves `out_dir` holding nothing of the run, so the same call runs it again.
    """
    from sim.experiment import run as _run

    result = _run.run(config, out_dir, progress=progress)
    if figures and result.path is not None:
        _draw_figures(result, Path(result.path))
    return result


def _draw_figures(result: Result, run_dir: Path) -> None:
    """The run's figures into `run_dir/figures`. A run is its data and its figures: when
    the disk fills up while drawing, the files just written are removed (StoreFullError),
    for a directory with data but no figures could not be run into again."""
    from sim.experiment.run import OUTPUT_FILES
    from sim.viz.runs import run_figures  # matplotlib only when figures are wanted

    folder = run_dir / "figures"
    made = not folder.exists()
    try:
        with disk_full_stops(folder):
            run_figures(result.timeseries, result.events, folder)
    except StoreFullError:
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        for name in OUTPUT_FILES:
            (run_dir / name).unlink(missing_ok=True)
        raise


__all__ = [
    "AccessModel",
    "Config",
    "ConfigError",
    "Result",
    "RunDirectoryError",
    "__version__",
    "load",
    "run",
    "simulate",
]
