"""ABC-SMC calibration (pyabc): find the parameter sets whose simulated summary statistics
come close to the observed ones, generation by generation with a shrinking tolerance.

A calibration is a simulator, the observed statistics with their scales, and a uniform
prior per parameter. Each generation runs as one resumable step on pyabc's database, so an
interrupted calibration continues where it stopped and every simulation can be traced to
its seed (`particle_seed`). pyabc is imported only while calibrating: the main job reads a
shipped posterior through `sim.calibration.posterior` without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sim.calibration.posterior import (
    DB_META_KEY,
    CalibrationError,
    Posterior,
    Prior,
    description,
    differences,
    internal_name,
    open_history,
    stored_description,
)
from sim.config.base import ConfigEnum, ConfigError, check_ranges, param

if TYPE_CHECKING:
    import pyabc

__all__ = [
    "Budget",
    "CalibrationError",
    "Posterior",
    "Prior",
    "SamplerKind",
    "ScaledDistance",
    "Simulate",
    "Simulation",
    "calibrate",
    "particle_seed",
]


class Simulate(Protocol):
    """A simulator: a parameter set (natural scale, keyed by dotted config path) and a
    seed in, summary statistics keyed like the observed ones out."""

    def __call__(self, params: dict[str, float], seed: int) -> Mapping[str, float]: ...


class SamplerKind(ConfigEnum):
    """Where simulations run: in this process, in local processes, or on a Dask cluster."""

    single = "single"
    multicore = "multicore"
    dask = "dask"


@dataclass(frozen=True)
class Budget:
    """How much simulation a calibration may spend, when it stops, and where it runs."""

    population: int = param(
        200,
        doc="accepted particles per generation",
        unit="particles",
        low=1,
        why="keeps the Monte Carlo error of a posterior mean near a tenth of its sd",
    )
    generations: int = param(
        8,
        doc="generations at most (a rerun with more continues the stored run)",
        unit="generations",
        low=1,
        why="the median-epsilon schedule roughly halves the tolerance per generation",
    )
    min_epsilon: float = param(
        0.0,
        doc="stop once a generation's tolerance is at or below this",
        unit="scaled distance",
        low=0.0,
        why="0: stop on generations or acceptance instead",
    )
    min_acceptance: float = param(
        0.0,
        doc="stop once a generation's acceptance rate falls below this",
        unit="fraction",
        low=0.0,
        high=1.0,
        high_open=True,
        why="0: never; a floor guards against generations that cost ever more simulations",
    )
    workers: int = param(
        2,
        doc="local processes (multicore) or LocalCluster workers (dask without address)",
        unit="processes",
        low=1,
        why="the cores of a laptop",
    )
    sampler: SamplerKind = param(
        SamplerKind.multicore,
        doc="where simulations run: single (this process), multicore, dask",
        why="multicore on one machine; dask for a cluster",
    )
    dask_address: str | None = param(
        None,
        doc="the Dask scheduler's address; none with sampler=dask starts a LocalCluster",
        why="a cluster is the user's",
    )

    def __post_init__(self) -> None:
        check_ranges(self, "budget.")
        try:
            object.__setattr__(self, "sampler", SamplerKind(self.sampler))
        except ValueError as err:
            raise ConfigError(f"budget.sampler: {err}") from None


def particle_seed(params: Mapping[str, float], base_seed: int) -> int:
    """The seed of a particle's simulation: the first 8 bytes of SHA-256 over the base seed
    and the parameter values (sorted by name, floats by repr), below 2**63.

    pyabc's parallel samplers reseed their workers from the OS, so a seed drawn inside a
    worker could not be traced; derived from the particle, the same particle always gives
    the same simulation."""
    text = f"{int(base_seed)}|" + "|".join(
        f"{name}={float(params[name])!r}" for name in sorted(params)
    )
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


@dataclass(frozen=True)
class ScaledDistance:
    """sqrt(mean over the observed keys of ((simulated − observed) / scale)²).

    A NaN statistic (the model could not produce it) makes the distance infinite, so its
    particle is never accepted. A pyabc function distance: picklable, and pure."""

    scales: Mapping[str, float]

    def __call__(self, x: Mapping[str, Any], x_0: Mapping[str, Any]) -> float:
        total = 0.0
        for key, scale in self.scales.items():
            simulated = float(x[key])
            if math.isnan(simulated):
                return math.inf
            total += ((simulated - float(x_0[key])) / scale) ** 2
        return math.sqrt(total / len(self.scales))


def accept_finite(
    distance: Callable[..., float],
    eps: Callable[[int], float],
    x: Mapping[str, Any],
    x_0: Mapping[str, Any],
    t: int,
    par: Mapping[str, float],
) -> Any:
    """pyabc's uniform acceptance (distance at most epsilon), never of an infinite distance:
    when most prior draws cannot produce a statistic the first epsilon, their median
    distance, is itself infinite."""
    from pyabc.acceptor import AcceptorResult

    d = distance(x, x_0, t, par)
    return AcceptorResult(distance=d, accept=bool(math.isfinite(d) and d <= eps(t)))


@dataclass(frozen=True)
class Simulation:
    """pyabc's model: a particle (pyabc's parameter names and scale) in, the summary
    statistics of `simulate` run with the particle's seed out."""

    simulate: Simulate
    priors: tuple[Prior, ...]
    keys: tuple[str, ...]
    base_seed: int

    def params(self, particle: Mapping[str, float]) -> dict[str, float]:
        """The particle on its natural scale, keyed by config path."""
        return {
            p.name: 10 ** float(particle[internal_name(p)])
            if p.log
            else float(particle[internal_name(p)])
            for p in self.priors
        }

    def __call__(self, particle: Mapping[str, float]) -> dict[str, float]:
        params = self.params(particle)
        summary = self.simulate(params, particle_seed(params, self.base_seed))
        missing = [k for k in self.keys if k not in summary]
        if missing:
            raise CalibrationError(f"the simulator returned no {missing} for {params}")
        return {k: float(summary[k]) for k in self.keys}


def calibrate(
    simulate: Simulate,
    observed: Mapping[str, float],
    scales: Mapping[str, float],
    priors: list[Prior] | tuple[Prior, ...],
    db_path: str | Path,
    budget: Budget,
    seed: int,
    progress: Callable[[str], None] = print,
) -> Posterior:
    """Calibrate `simulate` to `observed` by ABC-SMC and return the posterior.

    The run lives in pyabc's database at `db_path`; a rerun with the same calibration
    resumes it (or returns it if it is finished), and a different calibration in the same
    database is refused (CalibrationError). `simulate` must be picklable for the multicore
    and dask samplers: a module-level function, or a functools.partial of one.
    """
    import pyabc

    for name in ("ABC", "distributed", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    priors = tuple(priors)
    _check(observed, scales, priors)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    desc = description(priors, observed, scales, seed, budget.population)
    done, run_id = _stored_run(db_path, desc)
    if _finished(db_path, done, budget, progress):
        return Posterior.from_db(db_path)
    db = f"sqlite:///{db_path.resolve()}"
    simulation = Simulation(simulate, priors, tuple(observed), int(seed))
    prior = _prior_distribution(priors)
    x_0 = {k: float(v) for k, v in observed.items()}
    started = time.perf_counter()
    with _sampler(budget, progress) as sampler:
        for generation in range(done, budget.generations):
            abc = pyabc.ABCSMC(
                simulation,
                prior,
                ScaledDistance({k: float(scales[k]) for k in observed}),
                population_size=budget.population,
                sampler=sampler,
                acceptor=accept_finite,
            )
            if run_id is None:
                history = abc.new(db, x_0, meta_info={DB_META_KEY: json.dumps(desc)})
                run_id = history.id
            else:
                abc.load(db, run_id, observed_sum_stat=x_0)
            history = abc.run(max_nr_populations=1)
            row = history.get_all_populations().set_index("t").loc[generation]
            mean = (time.perf_counter() - started) / (generation - done + 1)
            eta = mean * (budget.generations - generation - 1)
            progress(
                f"generation {generation + 1}/{budget.generations}: acceptance "
                f"{row['particles'] / row['samples']:.3g}, epsilon {row['epsilon']:.4g}, "
                f"{history.total_nr_simulations} simulations, ETA {_duration(eta)}"
            )
            if _finished(db_path, generation + 1, budget, progress):
                break
    return Posterior.from_db(db_path)


def _prior_distribution(priors: tuple[Prior, ...]) -> Any:
    """pyabc's prior: each parameter uniform over its range, on the log10 scale for a
    log-uniform prior (under its internal name)."""
    import pyabc

    return pyabc.Distribution(
        **{
            internal_name(p): pyabc.RV(
                "uniform",
                math.log10(p.low) if p.log else p.low,
                math.log10(p.high / p.low) if p.log else p.high - p.low,
            )
            for p in priors
        }
    )


def _check(
    observed: Mapping[str, float], scales: Mapping[str, float], priors: tuple[Prior, ...]
) -> None:
    if not observed:
        raise ConfigError("observed = {}: expected at least one summary statistic")
    if set(scales) != set(observed):
        raise ConfigError(
            f"scales keys {sorted(scales)} differ from the observed keys {sorted(observed)}"
        )
    for key, value in observed.items():
        if not math.isfinite(float(value)):
            raise ConfigError(f"observed[{key!r}] = {value!r}: expected a finite number")
        scale = float(scales[key])
        if not (math.isfinite(scale) and scale > 0):
            raise ConfigError(f"scales[{key!r}] = {scale!r}: expected a finite number > 0")
    names = [p.name for p in priors]
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"priors name {names}: expected at least one, each name once")


def _stored_run(db_path: Path, desc: Mapping[str, Any]) -> tuple[int, int | None]:
    """Generations already in `db_path` and its run id (0 and None for a new database);
    CalibrationError, naming the directory, when it holds another calibration."""
    if not db_path.exists():
        return 0, None
    history = open_history(db_path)
    stored = stored_description(history, db_path)
    wrong = differences(stored, json.loads(json.dumps(desc)))
    if wrong:
        raise CalibrationError(
            f"{db_path.parent} holds a different calibration ({', '.join(wrong)} differ "
            f"from {db_path.name}'s); choose a new directory or delete {db_path.name}"
        )
    return int(history.max_t) + 1, int(history.id)


def _finished(db_path: Path, done: int, budget: Budget, progress: Callable[[str], None]) -> bool:
    """Whether the stored run has met a stopping rule (saying which), so a rerun returns
    it instead of sampling more."""
    if done == 0:
        return False
    if done >= budget.generations:
        progress(f"calibration in {db_path.parent}: {done} generations done")
        return True
    last = open_history(db_path).get_all_populations().set_index("t").loc[done - 1]
    if last["epsilon"] <= budget.min_epsilon:
        progress(
            f"calibration in {db_path.parent} stopped: epsilon {last['epsilon']:.4g} reached "
            f"min_epsilon = {budget.min_epsilon:g}"
        )
        return True
    acceptance = last["particles"] / last["samples"]
    if acceptance < budget.min_acceptance:
        progress(
            f"calibration in {db_path.parent} stopped: acceptance {acceptance:.3g} below "
            f"min_acceptance = {budget.min_acceptance:g}"
        )
        return True
    return False


@contextmanager
def _sampler(budget: Budget, progress: Callable[[str], None]) -> Iterator[pyabc.Sampler]:
    import pyabc

    if budget.sampler is SamplerKind.single:
        yield pyabc.SingleCoreSampler()
    elif budget.sampler is SamplerKind.multicore:
        yield pyabc.MulticoreEvalParallelSampler(n_procs=budget.workers)
    else:
        from dask.distributed import Client, LocalCluster

        with ExitStack() as stack:
            target: Any = budget.dask_address
            if target is None:
                target = stack.enter_context(
                    LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=budget.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
            client = stack.enter_context(Client(target))  # type: ignore[no-untyped-call]
            workers = client.scheduler_info()["workers"]
            progress(f"dask: {len(workers)} workers")
            yield pyabc.sampler.DaskDistributedSampler(dask_client=client)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
