"""The result of a calibration: weighted particles of the last ABC-SMC generation, how the
run got there, and the files that ship it.

Readable without pyabc: the main job loads a shipped posterior (`Posterior.load`) and draws
parameter sets from it (`Posterior.sample`); only `Posterior.from_db` needs pyabc. A folder
holds ``particles.csv`` (the raw weighted particles), ``posterior.csv`` (a fixed, seeded
resample of equally weighted draws, so every user of the shipped posterior gets the same
draws) and ``summary.json`` (what was calibrated against what, and how).
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.experiment.store import atomic_path

if TYPE_CHECKING:
    import pyabc

WEIGHT = "weight"
PARTICLES = "particles.csv"
DRAWS = "posterior.csv"
SUMMARY = "summary.json"
DB_META_KEY = "accessrace"
"""Key of the calibration's description in the meta information pyabc stores with a run."""
HISTORY_COLUMNS = ["generation", "epsilon", "acceptance", "particles", "simulations", "seconds"]


class CalibrationError(ValueError):
    """A calibration's files or database are missing, malformed or belong to another
    calibration; the message is one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior of one calibrated parameter, named by its dotted config path."""

    name: str
    low: float
    high: float
    log: bool = False
    """Uniform on the log scale (needs low > 0), else on the linear scale."""
    why: str = ""
    """The reason for the range, documented in the ODD."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("prior name = '': expected a dotted config path")
        for side in ("low", "high"):
            value = getattr(self, side)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"prior {self.name}.{side} = {value!r}: expected a number")
            if not math.isfinite(value):
                raise ConfigError(f"prior {self.name}.{side} = {value!r}: expected a finite number")
        if not self.low < self.high:
            raise ConfigError(
                f"prior {self.name}: low = {self.low!r}, high = {self.high!r}: expected low < high"
            )
        if self.log and self.low <= 0:
            raise ConfigError(
                f"prior {self.name}.low = {self.low!r}: a log-uniform prior needs low > 0"
            )

    def contains(self, values: pd.Series) -> pd.Series:
        return (values >= self.low) & (values <= self.high)

    @property
    def sd(self) -> float:
        """The prior's standard deviation on the scale its parameter is reported on."""
        if not self.log:
            return (self.high - self.low) / math.sqrt(12)
        span = math.log(self.high / self.low)  # X = exp(U), U uniform on [ln low, ln high]
        mean = (self.high - self.low) / span
        second = (self.high**2 - self.low**2) / (2 * span)
        return math.sqrt(second - mean**2)


def description(
    priors: tuple[Prior, ...],
    observed: Mapping[str, float],
    scales: Mapping[str, float],
    seed: int,
    population: int,
) -> dict[str, Any]:
    """What a calibration is, as plain data: stored with its database run (a rerun must
    match it to resume) and written to ``summary.json``."""
    return {
        "priors": [asdict(p) for p in priors],
        "observed": {k: float(v) for k, v in observed.items()},
        "scales": {k: float(scales[k]) for k in observed},
        "seed": int(seed),
        "population": int(population),
    }


def differences(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """The parts of two calibration descriptions that differ (a prior's reason is prose and
    does not make a different calibration)."""

    def essence(part: str, value: Any) -> Any:
        if part == "priors":
            return [{k: v for k, v in p.items() if k != "why"} for p in value]
        return value

    return [
        part
        for part in ("priors", "observed", "scales", "seed", "population")
        if essence(part, stored.get(part)) != essence(part, wanted.get(part))
    ]


@dataclass(frozen=True)
class Posterior:
    """The last generation's weighted particles (columns: the parameters on their natural
    scale, then ``weight``) and the run's per-generation history."""

    priors: tuple[Prior, ...]
    particles: pd.DataFrame
    history: pd.DataFrame
    """One row per generation: generation, epsilon, acceptance, particles, simulations and
    seconds (the generation's own simulations and wall time)."""
    observed: dict[str, float]
    scales: dict[str, float]
    seed: int
    population: int
    n_simulations: int
    """All simulations of the run, the prior sample that set the first epsilon included."""
    wall_time: float
    """Seconds spent sampling, over all sessions of the run."""
    pyabc_version: str

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]

    @property
    def weights(self) -> np.ndarray:
        w = self.particles[WEIGHT].to_numpy(dtype=float)
        return np.asarray(w / w.sum())

    @property
    def ess(self) -> float:
        """Kish's effective sample size of the weighted particles, (Σw)²/Σw²."""
        w = self.particles[WEIGHT].to_numpy(dtype=float)
        return float(w.sum() ** 2 / (w**2).sum())

    def mean(self) -> dict[str, float]:
        w = self.weights
        return {n: float(np.sum(w * self.particles[n].to_numpy())) for n in self.names}

    def sd(self) -> dict[str, float]:
        w, mean = self.weights, self.mean()
        return {
            n: float(np.sqrt(np.sum(w * (self.particles[n].to_numpy() - mean[n]) ** 2)))
            for n in self.names
        }

    def representative(self) -> dict[str, float]:
        """The particle nearest the posterior's weighted medians, each parameter measured
        in its prior's range (on the log scale for a log-uniform prior): one world that
        stands for the posterior (`scenario=history` on its own runs at it)."""
        w = self.weights
        distance = np.zeros(len(self.particles))
        for prior in self.priors:
            values = self.particles[prior.name].to_numpy(dtype=float)
            low, high = prior.low, prior.high
            if prior.log:
                values, low, high = np.log(values), math.log(low), math.log(high)
            order = np.argsort(values)
            median = values[order][np.searchsorted(np.cumsum(w[order]), 0.5 * w.sum())]
            distance += ((values - median) / (high - low)) ** 2
        row = self.particles.iloc[int(np.argmin(distance))]
        return {n: float(row[n]) for n in self.names}

    def sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """`n` parameter sets drawn with replacement in proportion to the weights."""
        rows = rng.choice(len(self.particles), size=n, replace=True, p=self.weights)
        return self.particles[self.names].iloc[rows].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        return {
            "parameters": self.names,
            **description(self.priors, self.observed, self.scales, self.seed, self.population),
            "ess": self.ess,
            "n_particles": len(self.particles),
            "n_simulations": self.n_simulations,
            "wall_time_seconds": self.wall_time,
            "pyabc_version": self.pyabc_version,
            "history": self.history.to_dict(orient="records"),
        }

    def export(self, folder: str | Path, draws: int = 200, seed: int = 0) -> Path:
        """Write ``particles.csv``, ``posterior.csv`` (`draws` resampled by weight with
        `seed`) and ``summary.json`` into `folder`, each atomically; return the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sample = self.sample(draws, np.random.default_rng(seed))
        with atomic_path(folder / PARTICLES) as tmp:
            self.particles.to_csv(tmp, index=False)
        with atomic_path(folder / DRAWS) as tmp:
            sample.to_csv(tmp, index=False)
        summary = {**self.summary(), "draws": {"n": draws, "seed": seed}}
        with atomic_path(folder / SUMMARY) as tmp:
            tmp.write_text(json.dumps(summary, indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path, expected_names: list[str] | tuple[str, ...]) -> Posterior:
        """Read an exported posterior, refusing (CalibrationError, one line naming the file)
        a missing or unparsable file, columns other than `expected_names`, weights that are
        not finite and positive, or values outside the prior bounds."""
        folder = Path(folder)
        summary = _read_summary(folder / SUMMARY, list(expected_names))
        priors = tuple(Prior(**p) for p in summary["priors"])
        particles = _read_table(folder / PARTICLES, [*expected_names, WEIGHT], priors)
        w = particles[WEIGHT].to_numpy(dtype=float)
        bad = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
        if bad.size:
            raise CalibrationError(
                f"{folder / PARTICLES}: weight {float(w[bad[0]])!r} on line {bad[0] + 2} is not "
                "finite and positive"
            )
        draws = _read_table(folder / DRAWS, list(expected_names), priors)
        for path, table, rows in [
            (folder / PARTICLES, particles, summary["n_particles"]),
            (folder / DRAWS, draws, summary["draws"]["n"]),
        ]:
            if len(table) != rows:
                raise CalibrationError(
                    f"{path}: {len(table)} rows, {SUMMARY} says {rows} (truncated?)"
                )
        history = pd.DataFrame(summary["history"], columns=HISTORY_COLUMNS)
        return cls(
            priors=priors,
            particles=particles,
            history=history,
            observed=dict(summary["observed"]),
            scales=dict(summary["scales"]),
            seed=int(summary["seed"]),
            population=int(summary["population"]),
            n_simulations=int(summary["n_simulations"]),
            wall_time=float(summary["wall_time_seconds"]),
            pyabc_version=str(summary["pyabc_version"]),
        )

    @classmethod
    def from_db(cls, db_path: str | Path) -> Posterior:
        """Rebuild the posterior of the calibration stored in pyabc's database (needs pyabc)."""
        history = open_history(Path(db_path))
        if history.max_t < 0:
            raise CalibrationError(f"{db_path}: no generation has finished yet")
        return cls.from_history(history, stored_description(history, Path(db_path)))

    @classmethod
    def from_history(cls, history: pyabc.History, desc: Mapping[str, Any]) -> Posterior:
        import pyabc

        priors = tuple(Prior(**p) for p in desc["priors"])
        frame, w = history.get_distribution(m=0, t=history.max_t)
        particles = pd.DataFrame(
            {
                p.name: 10 ** frame[internal_name(p)] if p.log else frame[internal_name(p)]
                for p in priors
            }
        ).reset_index(drop=True)
        particles[WEIGHT] = np.asarray(w, dtype=float)
        pops = history.get_all_populations()
        done = pops[pops["t"] >= 0].sort_values("t")
        table = pd.DataFrame(
            {
                "generation": done["t"].astype(int) + 1,
                "epsilon": done["epsilon"].astype(float),
                "acceptance": done["particles"] / done["samples"],
                "particles": done["particles"].astype(int),
                "simulations": done["samples"].astype(int),
                "seconds": done["wall_time"].astype(float),
            }
        ).reset_index(drop=True)
        return cls(
            priors=priors,
            particles=particles,
            history=table,
            observed=dict(desc["observed"]),
            scales=dict(desc["scales"]),
            seed=int(desc["seed"]),
            population=int(desc["population"]),
            n_simulations=int(pops["samples"].sum()),
            wall_time=float(pops["wall_time"].fillna(0.0).sum()),
            pyabc_version=pyabc.__version__,
        )


def internal_name(prior: Prior) -> str:
    """The parameter's name in pyabc's database: a log-uniform prior is sampled (and its
    particles perturbed) as the base-10 logarithm, and says so."""
    return f"log10({prior.name})" if prior.log else prior.name


def open_history(db_path: Path) -> pyabc.History:
    """pyabc's history of the one run in `db_path`, or CalibrationError naming the file."""
    import pyabc

    if not db_path.is_file():
        raise CalibrationError(f"{db_path}: no calibration database here")
    try:
        history = pyabc.History(f"sqlite:///{db_path.resolve()}", create=False)
        runs = len(history.all_runs())
    except Exception as err:  # sqlite or pyabc cannot read it: not a calibration database
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CalibrationError(f"{db_path}: not a pyabc database ({first})") from None
    if runs != 1 or history.id is None:
        raise CalibrationError(
            f"{db_path}: holds {runs} pyabc runs, expected exactly one calibration"
        )
    return history


def stored_description(history: pyabc.History, db_path: Path) -> dict[str, Any]:
    """The calibration description stored with the run by `calibrate`."""
    try:
        meta = ast.literal_eval(history.get_abc().json_parameters)
        return dict(json.loads(meta[DB_META_KEY]))
    except (ValueError, SyntaxError, KeyError, TypeError):
        raise CalibrationError(
            f"{db_path}: the pyabc run carries no accessrace calibration description"
        ) from None


def _read_summary(path: Path, expected_names: list[str]) -> dict[str, Any]:
    if not path.is_file():
        raise CalibrationError(f"{path}: missing")
    try:
        summary = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CalibrationError(f"{path}: not valid JSON ({err})") from None
    required = ["parameters", "priors", "observed", "scales", "seed", "population"]
    required += ["n_particles", "draws", "n_simulations", "wall_time_seconds", "pyabc_version"]
    required += ["history"]
    missing = [k for k in required if not isinstance(summary, dict) or k not in summary]
    if missing:
        raise CalibrationError(f"{path}: missing field(s) {missing}")
    if summary["parameters"] != expected_names:
        raise CalibrationError(
            f"{path}: parameters {summary['parameters']} differ from the expected {expected_names}"
        )
    try:
        priors = [Prior(**p) for p in summary["priors"]]
    except (TypeError, ConfigError) as err:
        raise CalibrationError(f"{path}: malformed priors ({err})") from None
    if [p.name for p in priors] != expected_names:
        raise CalibrationError(f"{path}: the priors do not name the parameters {expected_names}")
    return dict(summary)


def _read_table(path: Path, columns: list[str], priors: tuple[Prior, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise CalibrationError(f"{path}: missing")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CalibrationError(f"{path}: cannot be parsed ({first})") from None
    if list(table.columns) != columns:
        raise CalibrationError(f"{path}: columns {list(table.columns)}, expected {columns}")
    if table.empty:
        raise CalibrationError(f"{path}: no rows")
    for column in columns:
        if not pd.api.types.is_numeric_dtype(table[column]):
            raise CalibrationError(f"{path}: column {column!r} holds values that are not numbers")
    for column in columns:
        gaps = np.flatnonzero(table[column].isna().to_numpy())
        if gaps.size:
            raise CalibrationError(f"{path}: {column} on line {gaps[0] + 2} is missing or NaN")
    for prior in priors:
        outside = ~prior.contains(table[prior.name])
        if outside.any():
            row = int(np.flatnonzero(outside.to_numpy())[0])
            raise CalibrationError(
                f"{path}: {prior.name} = {float(table[prior.name].iloc[row])!r} on line "
                f"{row + 2} is outside its prior [{prior.low:g}, {prior.high:g}]"
            )
    return table


def within_mc_error(a: Posterior, b: Posterior, k: float = 4.0) -> dict[str, bool]:
    """For each parameter, whether two posteriors' means differ by less than `k` standard
    errors of that difference: sqrt(sd_a²/ESS_a + sd_b²/ESS_b), each posterior's Monte
    Carlo error of its mean from its weighted sd and Kish ESS."""
    if a.names != b.names:
        raise CalibrationError(
            f"the posteriors calibrate different parameters: {a.names} and {b.names}"
        )
    mean_a, mean_b, sd_a, sd_b = a.mean(), b.mean(), a.sd(), b.sd()
    return {
        n: bool(
            abs(mean_a[n] - mean_b[n]) < k * math.sqrt(sd_a[n] ** 2 / a.ess + sd_b[n] ** 2 / b.ess)
        )
        for n in a.names
    }
