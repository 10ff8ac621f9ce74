"""Run one simulation and write its results. No Hydra here: the entry point is experiments/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.config import Config, ConfigError, EventKind, removable
from sim.experiment.atomic import disk_full_stops
from sim.experiment.pairing import pairs, simulate_pair
from sim.experiment.store import (
    Arm,
    RunSpec,
    StoreFullError,
    StoreWarning,
    atomic_path,
    config_hash,
    is_done,
    sweep_lock,
    triage,
    write_run,
)
from sim.experiment.workers import parallel_map
from sim.model.metrics import ENTITY_REPORTERS
from sim.model.model import AccessModel

OUTPUT_FILES = ("timeseries.parquet", "events.parquet", "config.yaml")
EVENT_COLUMNS = {
    "step": "int64",
    "kind": "str",
    "actor": "str",
    "target": "str",
    "reason": "str",
    "value": "float64",
}


class RunDirectoryError(FileExistsError):
    """The output directory already holds a run; results are never overwritten silently."""


@dataclass(frozen=True)
class Result:
    """A finished run: tidy per-step metrics, the event log and the resolved config."""

    config: Config
    timeseries: pd.DataFrame
    events: pd.DataFrame
    path: Path | None = None

    def long(self) -> pd.DataFrame:
        """The time series in long form: step, metric, entity, value."""
        return to_long(self.timeseries)


def as_config(config: Config | Mapping[str, Any]) -> Config:
    return config if isinstance(config, Config) else Config.from_dict(config)


def simulate(
    config: Config | Mapping[str, Any], progress: Callable[[int, int], None] | None = None
) -> AccessModel:
    """Build the model and run it for `config.steps` months."""
    model = AccessModel(as_config(config))
    for _ in range(model.config.steps):
        model.step()
        if progress is not None:
            progress(model.steps, model.config.steps)
    return model


def run(
    config: Config | Mapping[str, Any],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Run one simulation; with `out_dir`, write its Parquet files and config.yaml.

    Raises ConfigError for an invalid config and RunDirectoryError when `out_dir` already
    holds a run (checked before anything is computed).
    """
    config = as_config(config)
    if out_dir is not None:
        check_free(Path(out_dir))
    model = simulate(config, progress)
    result = Result(config, timeseries_frame(model), events_frame(model))
    if out_dir is None:
        return result
    return write(result, Path(out_dir))


def timeseries_frame(model: AccessModel) -> pd.DataFrame:
    """One row per month (0 = initial state); entity metrics expanded to `metric__entity`."""
    raw: dict[str, list[Any]] = model.datacollector.model_vars
    columns: dict[str, Any] = {
        "step": range(len(raw["mean_capability"])),
        "seed": model.config.seed,
        "scenario": model.config.scenario.name,
    }
    for name, values in raw.items():
        if name in ENTITY_REPORTERS:
            for key in dict.fromkeys(k for row in values for k in row):
                column = [row.get(key, math.nan) for row in values]
                columns[f"{name}__{key}"] = np.array(column, dtype=float)
        else:
            columns[name] = np.array(values, dtype=float)
    growth = pd.Series(columns["mean_capability"]).pct_change().fillna(0.0)
    columns["capability_growth"] = growth.to_numpy()
    return pd.DataFrame(columns)


def events_frame(model: AccessModel) -> pd.DataFrame:
    """Every detection, warning, throttle, revocation, reinstatement, launch, release,
    policy change and regulation, with step, actor, target, reason and value."""
    frame = pd.DataFrame(model.event_log, columns=list(EVENT_COLUMNS))
    return frame.astype(EVENT_COLUMNS)


def to_long(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Melt `metric__entity` columns into (step, seed, scenario, metric, entity, value)."""
    ids = ["step", "seed", "scenario"]
    long = timeseries.melt(id_vars=ids, var_name="column", value_name="value")
    parts = long["column"].str.split("__", n=1, expand=True)
    long["metric"] = parts[0]
    long["entity"] = parts[1] if parts.shape[1] > 1 else None
    return long.drop(columns="column")[[*ids, "metric", "entity", "value"]]


def check_free(out_dir: Path) -> None:
    taken = [name for name in OUTPUT_FILES if (out_dir / name).exists()]
    if taken:
        raise RunDirectoryError(
            f"{out_dir} already holds a run ({', '.join(taken)}); choose another directory "
            "or remove it yourself - results are never overwritten"
        )


def write(result: Result, out_dir: Path) -> Result:
    """Write the run's files into `out_dir` (which must not already hold a run): all of
    them or none, so a failed write (a full disk: StoreFullError) leaves a directory the
    same run can be written into again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    check_free(out_dir)
    writers: list[tuple[str, Callable[[Path], object]]] = [
        ("events.parquet", lambda tmp: result.events.to_parquet(tmp, index=False)),
        (
            "config.yaml",
            lambda tmp: tmp.write_text(yaml.safe_dump(result.config.to_dict(), sort_keys=False)),
        ),
        ("timeseries.parquet", lambda tmp: result.timeseries.to_parquet(tmp, index=False)),
    ]
    # Every file is written to its temporary first; leaving the block renames them all into
    # place, or on any error removes them all.
    with ExitStack() as stack:
        stack.enter_context(disk_full_stops(out_dir))
        for name, write_one in writers:
            write_one(stack.enter_context(atomic_path(out_dir / name)))
    return Result(result.config, result.timeseries, result.events, out_dir)


def load(run_dir: str | os.PathLike[str]) -> Result:
    """Read a run directory written by :func:`run`."""
    path = Path(run_dir)
    config = Config.from_dict(yaml.safe_load((path / "config.yaml").read_text()))
    return Result(
        config,
        pd.read_parquet(path / "timeseries.parquet"),
        pd.read_parquet(path / "events.parquet"),
        path,
    )


# --- replicates and paired counterfactuals ------------------------------------------------


def replicate_seeds(seed: int, n: int) -> list[int]:
    """`n` independent seeds spawned from `SeedSequence(seed)` (one per replicate)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def without(config: Config, kinds: Sequence[EventKind]) -> Config:
    """The counterfactual: `config` with its scenario events of the given kinds removed."""
    scenario = config.scenario
    kept = tuple(ev for ev in scenario.events if not removable(ev, kinds))
    if len(kept) == len(scenario.events):
        raise ConfigError(
            f"intervention = {[k.value for k in kinds]}: scenario {scenario.name!r} has no "
            f"such event; its events are {[ev.kind.value for ev in scenario.events]}"
        )
    return config.replace(scenario=dataclasses.replace(scenario, events=kept))


def plan(
    config: Config,
    replicates: int = 1,
    intervention: Sequence[EventKind] = (),
    params: Mapping[str, str] | None = None,
    only: int | None = None,
) -> list[RunSpec]:
    """The runs of one parameter point: each replicate's seed, and with an intervention,
    a treated and a control run sharing that seed (common random numbers).

    `only` keeps one replicate (a sweep job that runs a single replicate).
    """
    if replicates < 1:
        raise ConfigError(f"replicates = {replicates}: expected a whole number >= 1")
    if only is not None and not 0 <= only < replicates:
        raise ConfigError(f"replicate = {only}: expected a whole number in [0, {replicates - 1}]")
    point_id = config_hash(config.replace(seed=0))
    specs = []
    for i, seed in enumerate(replicate_seeds(config.seed, replicates)):
        if only is not None and i != only:
            continue
        treated = config.replace(seed=seed)
        extra = dict(params or {})
        if not intervention:
            specs.append(RunSpec(treated, i, Arm.single, "", point_id, extra))
            continue
        control = without(treated, intervention)
        pair_id = config_hash(control)
        specs.append(RunSpec(treated, i, Arm.treated, pair_id, point_id, extra))
        specs.append(RunSpec(control, i, Arm.control, pair_id, point_id, extra))
    return specs


def execute(spec: RunSpec, sweep_dir: Path) -> bool:
    """Run `spec` into `sweep_dir` unless it is already there; True if it ran now."""
    if is_done(sweep_dir, spec):
        return False
    started = dt.datetime.now(dt.UTC)
    result = run(spec.config)
    write_run(sweep_dir, spec, result, started, dt.datetime.now(dt.UTC))
    return True


def attempt(spec: RunSpec, sweep_dir: Path) -> dict[str, Any] | None:
    """Run `spec` into the store unless it is there; a failure comes back as a record (with
    its traceback), so one bad run never stops the others; a full disk (StoreFullError)
    does stop them. (Here, not in experiments/, so
    that a worker process imports only what running needs.)"""
    try:
        execute(spec, sweep_dir)
    except StoreFullError:
        raise  # every later run would fail too: the sweep stops
    except Exception as err:
        return failure_record(spec, f"{type(err).__name__}: {err}", traceback.format_exc())
    return None


def execute_unit(unit: tuple[RunSpec, ...], sweep_dir: Path, share: bool = True) -> int:
    """Run a work unit's specs not yet in `sweep_dir` (see sim.experiment.pairing.pairs):
    a pair with both arms to run shares the months before its intervention unless `share`
    is false. Returns the number of runs made now."""
    todo = [s for s in unit if not is_done(sweep_dir, s)]
    if not (share and len(todo) == 2):
        return sum(execute(spec, sweep_dir) for spec in todo)
    started = dt.datetime.now(dt.UTC)
    models = simulate_pair(todo[0].config, todo[1].config)
    finished = dt.datetime.now(dt.UTC)
    for spec, model in zip(todo, models, strict=True):
        result = Result(spec.config, timeseries_frame(model), events_frame(model))
        write_run(sweep_dir, spec, result, started, finished)
    return 2


def attempt_unit(
    unit: tuple[RunSpec, ...], sweep_dir: Path, share: bool = True
) -> list[dict[str, Any]]:
    """:func:`attempt` for a work unit: the failures of its runs. When a shared pair
    fails, its arms are run again one by one, so the failure names the arm that fails."""
    try:
        execute_unit(unit, sweep_dir, share)
    except StoreFullError:
        raise
    except Exception:
        return [f for spec in unit if (f := attempt(spec, sweep_dir)) is not None]
    return []


def failure_record(spec: RunSpec, error: str, trace: str = "") -> dict[str, Any]:
    """What a failed run leaves in ``failed/<run id>.json``: its place and the error."""
    return {
        "run_id": spec.run_id,
        "seed": spec.config.seed,
        "replicate": spec.replicate,
        "arm": str(spec.arm),
        "error": error,
        "traceback": trace,
    }


def sweep(
    specs: Sequence[RunSpec],
    sweep_dir: str | os.PathLike[str],
    n_jobs: int = 1,
    progress: str | None = None,
    share_prefix: bool = True,
) -> int:
    """Run every spec not yet finished in `sweep_dir` (resumable), in parallel with joblib;
    with `progress`, a bar so described (see :func:`progress_bar`), counting work units
    (a pair's two arms are one unit: they share the months before the intervention unless
    `share_prefix` is false; results are the same either way, sim.experiment.pairing).

    The directory is locked meanwhile (a second sweep into it raises SweepBusyError). A run
    whose file is there but damaged or not this spec's is redone, with a StoreWarning
    naming it. Two specs of one run (the same config) at different places in the sweep
    are refused (ValueError). For parameter sweeps on a cluster, use the Hydra command
    line and its launchers. Returns the number of runs made now.
    """
    path = Path(sweep_dir)
    unique = distinct(specs)
    with sweep_lock(path):
        todo, notes = triage(path, unique)
        for note in notes:
            warnings.warn(note, StoreWarning, stacklevel=2)
        units = pairs(todo)
        done = parallel_map(
            execute_unit,
            units,
            path,
            share_prefix,
            n_jobs=n_jobs,
            progress=progress,
            total=len(pairs(unique)),
        )
    return sum(done)


def distinct(specs: Sequence[RunSpec]) -> list[RunSpec]:
    """`specs` with repeats of one spec dropped; ValueError when one run (one config) is
    planned at two places in a sweep (points, arms or parameters), which would mix them."""
    seen: dict[str, RunSpec] = {}
    for spec in specs:
        first = seen.setdefault(spec.run_id, spec)
        if first.place() != spec.place():
            raise ValueError(
                f"run {spec.run_id} is planned twice with identical configs, at "
                f"{first.place()} and {spec.place()}: they are one run; plan it once"
            )
    return list(seen.values())
