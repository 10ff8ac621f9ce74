"""The ABC-SMC engine against toy models whose posterior is known in closed form, its
resume, its seeds, its samplers, and the files a posterior ships in."""

from __future__ import annotations

import functools
import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.calibration.abc as engine
from sim.calibration.abc import Budget, Prior, ScaledDistance, Simulation, calibrate, particle_seed
from sim.calibration.posterior import CalibrationError, Posterior, within_mc_error
from sim.config import ConfigError

N_DRAWS = 10
NOISE = 0.05
PRIORS = (
    Prior("toy.mu", -5.0, 5.0, why="wide around the observed mean"),
    Prior("toy.scale", 0.1, 10.0, log=True, why="two decades either side of 1"),
)
OBSERVED = {"mean": 1.0, "log_scale": 0.3}
SCALES = {"mean": 0.3, "log_scale": NOISE}
FAST = Budget(population=200, generations=6, sampler="single")


def toy(params: dict[str, float], seed: int, n: int = N_DRAWS) -> dict[str, float]:
    """The mean of `n` draws of N(mu, 1), and log10(scale) measured with N(0, NOISE²) error.

    Under the flat priors the posterior is known: mu ~ N(mean, 1/n) and log10(scale) ~
    N(log_scale, NOISE²), independent (the prior bounds are many sds away)."""
    rng = np.random.default_rng(seed)
    return {
        "mean": float(rng.normal(params["toy.mu"], 1.0, n).mean()),
        "log_scale": float(np.log10(params["toy.scale"]) + rng.normal(0.0, NOISE)),
    }


def analytic(observed: dict[str, float]) -> dict[str, tuple[float, float]]:
    """The exact posterior's mean and sd of each parameter on its natural scale."""
    s = NOISE * math.log(10)  # log10(scale) ~ N(m, NOISE²) makes scale lognormal
    scale_mean = 10 ** observed["log_scale"] * math.exp(s**2 / 2)
    return {
        "toy.mu": (observed["mean"], 1 / math.sqrt(N_DRAWS)),
        "toy.scale": (scale_mean, scale_mean * math.sqrt(math.exp(s**2) - 1)),
    }


def failures(posterior: Posterior, observed: dict[str, float]) -> list[str]:
    """Why `posterior` is not the toy's posterior: each parameter must be narrower than half
    its prior's sd and its mean within one exact-posterior sd of the exact mean."""
    wrong = []
    mean, sd = posterior.mean(), posterior.sd()
    for prior in posterior.priors:
        exact_mean, exact_sd = analytic(observed)[prior.name]
        if not sd[prior.name] < 0.5 * prior.sd:
            wrong.append(f"{prior.name}: sd {sd[prior.name]:.3g} vs prior sd {prior.sd:.3g}")
        if not abs(mean[prior.name] - exact_mean) < exact_sd:
            wrong.append(f"{prior.name}: mean {mean[prior.name]:.3g}, exact {exact_mean:.3g}")
    return wrong


def quiet(line: str) -> None:
    """A progress sink for runs whose lines no test reads."""


def run_toy(folder: Path, seed: int, observed: dict[str, float] = OBSERVED) -> Posterior:
    return calibrate(toy, observed, SCALES, PRIORS, folder / "abc.db", FAST, seed, quiet)


@pytest.fixture(scope="module")
def toy_posterior(tmp_path_factory: pytest.TempPathFactory) -> Posterior:
    return run_toy(tmp_path_factory.mktemp("toy"), seed=1)


def test_the_posterior_is_the_toys_known_posterior(toy_posterior: Posterior) -> None:
    assert failures(toy_posterior, OBSERVED) == []
    assert toy_posterior.history["epsilon"].is_monotonic_decreasing
    assert len(toy_posterior.history) == FAST.generations
    assert 0 < toy_posterior.ess <= FAST.population


class IgnoresTheData(ScaledDistance):
    """A broken distance: measures the simulation against zero, not the observed values."""

    def __call__(self, x: dict[str, float], x_0: dict[str, float]) -> float:
        return super().__call__(x, dict.fromkeys(x_0, 0.0))


class Blind(ScaledDistance):
    """A broken distance: every simulation is as good as any other."""

    def __call__(self, x: dict[str, float], x_0: dict[str, float]) -> float:
        return 1.0


@pytest.mark.parametrize("broken", [IgnoresTheData, Blind])
def test_the_known_posterior_check_catches_a_broken_distance(
    broken: type[ScaledDistance], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "ScaledDistance", broken)
    assert failures(run_toy(tmp_path, seed=1), OBSERVED)


def test_the_distance_is_the_root_mean_square_of_scaled_differences() -> None:
    distance = ScaledDistance({"a": 2.0, "b": 1.0})
    assert distance({"a": 3.0, "b": 1.0}, {"a": 1.0, "b": 1.0}) == pytest.approx(math.sqrt(0.5))
    assert distance({"a": 1.0, "b": -2.0}, {"a": 1.0, "b": 1.0}) == pytest.approx(math.sqrt(4.5))
    assert distance({"a": math.nan, "b": 1.0}, {"a": 1.0, "b": 1.0}) == math.inf


def undefined_below_zero(params: dict[str, float], seed: int) -> dict[str, float]:
    """The toy, unable to produce its mean when mu < 0 (as a model may fail to produce a
    statistic)."""
    summary = toy(params, seed)
    return {**summary, "mean": math.nan if params["toy.mu"] < 0 else summary["mean"]}


def test_a_statistic_the_model_cannot_produce_is_never_accepted(tmp_path: Path) -> None:
    budget = Budget(population=50, generations=2, sampler="single")
    posterior = calibrate(
        undefined_below_zero, OBSERVED, SCALES, PRIORS, tmp_path / "abc.db", budget, 3, quiet
    )
    assert (posterior.particles["toy.mu"] >= 0).all()


def test_a_particles_seed_is_deterministic_and_its_own() -> None:
    particle = {"toy.mu": 0.25, "toy.scale": 1.5}
    seed = particle_seed(particle, 7)
    assert seed == particle_seed({"toy.scale": 1.5, "toy.mu": 0.25}, 7)
    assert seed == particle_seed({k: np.float64(v) for k, v in particle.items()}, 7)
    assert 0 <= seed < 2**63
    others = {
        particle_seed({**particle, "toy.mu": np.nextafter(0.25, 1.0)}, 7),
        particle_seed({**particle, "toy.scale": 1.5000001}, 7),
        particle_seed(particle, 8),
    }
    assert seed not in others and len(others) == 3


def test_the_same_particle_gives_the_same_simulation() -> None:
    simulation = Simulation(toy, PRIORS, tuple(OBSERVED), base_seed=5)
    particle = {"toy.mu": 0.3, "log10(toy.scale)": 0.1}
    assert simulation.params(particle) == {"toy.mu": 0.3, "toy.scale": 10**0.1}
    assert simulation(particle) == simulation(dict(particle))
    assert simulation(particle) != simulation({**particle, "toy.mu": 0.3000001})


def test_stored_summaries_are_reproduced_from_their_particles(tmp_path: Path) -> None:
    import pyabc

    budget = Budget(population=30, generations=2, sampler="single")
    calibrate(toy, OBSERVED, SCALES, PRIORS, tmp_path / "abc.db", budget, 11, quiet)
    history = pyabc.History(f"sqlite:///{tmp_path / 'abc.db'}")
    simulation = Simulation(toy, PRIORS, tuple(OBSERVED), base_seed=11)
    for particle in history.get_population(t=1).particles:
        stored = {k: float(v) for k, v in particle.sum_stat.items()}
        assert simulation(particle.parameter) == stored


def test_a_rerun_resumes_the_stored_run(tmp_path: Path) -> None:
    db = tmp_path / "abc.db"
    small = Budget(population=60, generations=2, sampler="single")
    first = calibrate(toy, OBSERVED, SCALES, PRIORS, db, small, 2, quiet)
    lines: list[str] = []
    longer = Budget(population=60, generations=4, sampler="single")
    resumed = calibrate(toy, OBSERVED, SCALES, PRIORS, db, longer, 2, lines.append)
    assert list(resumed.history["generation"]) == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(resumed.history.iloc[:2], first.history)
    assert resumed.n_simulations == first.n_simulations + resumed.history["simulations"][2:].sum()
    assert [line.split(":")[0] for line in lines[:2]] == ["generation 3/4", "generation 4/4"]
    assert all("acceptance" in s and "epsilon" in s and "ETA" in s for s in lines[:2])


@pytest.mark.parametrize(
    ("rule", "said"),
    [({"min_epsilon": 1e6}, "reached min_epsilon"), ({"min_acceptance": 0.99}, "below min_acc")],
)
def test_a_stopping_rule_ends_the_run_early(
    rule: dict[str, float], said: str, tmp_path: Path
) -> None:
    lines: list[str] = []
    budget = Budget(population=30, generations=3, sampler="single", **rule)
    posterior = calibrate(
        toy, OBSERVED, SCALES, PRIORS, tmp_path / "abc.db", budget, 9, lines.append
    )
    assert len(posterior.history) == 1
    assert said in lines[-1]


def never(params: dict[str, float], seed: int) -> dict[str, float]:
    raise AssertionError("a finished calibration simulated again")


def test_a_finished_run_is_returned_without_simulating(tmp_path: Path) -> None:
    db = tmp_path / "abc.db"
    budget = Budget(population=30, generations=2, sampler="single")
    first = calibrate(toy, OBSERVED, SCALES, PRIORS, db, budget, 4, quiet)
    again = calibrate(never, OBSERVED, SCALES, PRIORS, db, budget, 4, quiet)
    pd.testing.assert_frame_equal(again.particles, first.particles)


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("stored") / "abc.db"
    calibrate(toy, OBSERVED, SCALES, PRIORS, db, Budget(30, 1, sampler="single"), 4, quiet)
    return db


@pytest.mark.parametrize(
    ("change", "part"),
    [
        ({"observed": {**OBSERVED, "mean": 1.5}}, "observed"),
        ({"scales": {**SCALES, "mean": 0.6}}, "scales"),
        ({"priors": (PRIORS[0], Prior("toy.scale", 0.1, 20.0, log=True))}, "priors"),
        ({"seed": 5}, "seed"),
    ],
)
def test_a_different_calibration_in_the_same_database_is_refused(
    stored_run: Path, change: dict[str, object], part: str
) -> None:
    before = stored_run.read_bytes()
    args = {"observed": OBSERVED, "scales": SCALES, "priors": PRIORS, "seed": 4, **change}
    with pytest.raises(CalibrationError) as err:
        calibrate(never, db_path=stored_run, budget=Budget(30, 3), progress=quiet, **args)
    message = str(err.value)
    assert "\n" not in message and str(stored_run.parent) in message and part in message
    assert stored_run.read_bytes() == before


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "abc.db"
    sqlite3.connect(db).execute("create table other (x)").connection.commit()
    with pytest.raises(CalibrationError, match=r"abc\.db: not a pyabc database"):
        calibrate(never, OBSERVED, SCALES, PRIORS, db, Budget(30, 1), 1, quiet)


def test_the_multicore_sampler_runs_the_calibration(tmp_path: Path) -> None:
    budget = Budget(population=40, generations=2, workers=2, sampler="multicore")
    posterior = calibrate(toy, OBSERVED, SCALES, PRIORS, tmp_path / "abc.db", budget, 6, quiet)
    assert len(posterior.history) == 2 and len(posterior.particles) == 40


@pytest.mark.slow(seconds=40)
def test_a_local_dask_cluster_runs_the_calibration(tmp_path: Path) -> None:
    lines: list[str] = []
    budget = Budget(population=30, generations=2, workers=2, sampler="dask")
    simulate = functools.partial(toy, n=N_DRAWS)
    posterior = calibrate(
        simulate, OBSERVED, SCALES, PRIORS, tmp_path / "abc.db", budget, 8, lines.append
    )
    assert lines[0] == "dask: 2 workers"
    assert len(posterior.history) == 2 and len(posterior.particles) == 30
    assert posterior.history["epsilon"].iloc[1] < posterior.history["epsilon"].iloc[0]


def test_an_exported_posterior_loads_back(toy_posterior: Posterior, tmp_path: Path) -> None:
    toy_posterior.export(tmp_path, draws=50, seed=3)
    loaded = Posterior.load(tmp_path, ["toy.mu", "toy.scale"])
    exact = functools.partial(pd.testing.assert_frame_equal, check_exact=True)
    exact(loaded.particles, toy_posterior.particles)
    exact(loaded.history, toy_posterior.history)
    exact(
        pd.read_csv(tmp_path / "posterior.csv"), toy_posterior.sample(50, np.random.default_rng(3))
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["priors"][1]["why"] == "two decades either side of 1"
    assert summary["ess"] == pytest.approx(toy_posterior.ess)
    assert loaded.seed == 1 and loaded.observed == OBSERVED and loaded.scales == SCALES
    assert summary["n_simulations"] == toy_posterior.history["simulations"].sum() + 200


def weighted(particles: pd.DataFrame) -> Posterior:
    """A toy posterior of the given weighted particles."""
    return Posterior(
        priors=PRIORS,
        particles=particles,
        history=pd.DataFrame(),
        observed=OBSERVED,
        scales=SCALES,
        seed=0,
        population=len(particles),
        n_simulations=len(particles),
        wall_time=0.0,
        pyabc_version="0.13.0",
    )


def test_sampling_follows_the_weights() -> None:
    particles = pd.DataFrame({"toy.mu": [0.0, 1.0], "toy.scale": [1.0, 1.0], "weight": [1, 3]})
    posterior = weighted(particles)
    draws = posterior.sample(4000, np.random.default_rng(0))
    assert draws["toy.mu"].mean() == pytest.approx(0.75, abs=0.03)
    assert posterior.ess == pytest.approx(16 / 10)


def set_cell(text: str, line: int, column: int, value: str) -> str:
    lines = text.splitlines()
    cells = lines[line].split(",")
    cells[column] = value
    lines[line] = ",".join(cells)
    return "\n".join(lines) + "\n"


DAMAGES = {
    "cut mid-line": ("particles.csv", lambda t: t[: t.index(",", len(t) // 2)], "missing or NaN"),
    "cut at a line end": ("particles.csv", lambda t: t[: t.index("\n", len(t) // 2) + 1], "rows"),
    "a foreign column": ("particles.csv", lambda t: t.replace("toy.mu", "toy.nu", 1), "columns"),
    "a NaN weight": ("particles.csv", lambda t: set_cell(t, 3, 2, "nan"), "weight on line 4"),
    "a negative weight": ("particles.csv", lambda t: set_cell(t, 3, 2, "-1"), "weight -1.0"),
    "outside the prior": ("posterior.csv", lambda t: set_cell(t, 2, 0, "99"), "outside"),
    "text for a number": ("posterior.csv", lambda t: set_cell(t, 2, 1, "big"), "not numbers"),
    "an empty table": ("posterior.csv", lambda t: "", "cannot be parsed"),
    "broken JSON": ("summary.json", lambda t: t[: len(t) // 2], "not valid JSON"),
    "other parameters": ("summary.json", lambda t: t.replace('"toy.mu"', '"toy.nu"'), "toy.nu"),
}


@pytest.mark.parametrize(("name", "damage", "complaint"), DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_or_foreign_posterior_is_refused_in_one_line(
    toy_posterior: Posterior,
    tmp_path: Path,
    name: str,
    damage: Callable[[str], str],
    complaint: str,
) -> None:
    toy_posterior.export(tmp_path)
    path = tmp_path / name
    path.write_text(damage(path.read_text()))
    with pytest.raises(CalibrationError) as err:
        Posterior.load(tmp_path, ["toy.mu", "toy.scale"])
    message = str(err.value)
    assert "\n" not in message and str(path) in message and complaint in message


def test_a_missing_file_is_refused(toy_posterior: Posterior, tmp_path: Path) -> None:
    toy_posterior.export(tmp_path)
    (tmp_path / "particles.csv").unlink()
    with pytest.raises(CalibrationError, match=r"particles\.csv: missing"):
        Posterior.load(tmp_path, ["toy.mu", "toy.scale"])


def test_reruns_agree_within_monte_carlo_error(toy_posterior: Posterior, tmp_path: Path) -> None:
    rerun = run_toy(tmp_path / "rerun", seed=2)
    assert within_mc_error(toy_posterior, rerun, k=4) == {"toy.mu": True, "toy.scale": True}
    moved = run_toy(tmp_path / "moved", seed=2, observed={**OBSERVED, "mean": 2.0})
    assert within_mc_error(toy_posterior, moved, k=4) == {"toy.mu": False, "toy.scale": True}


@pytest.mark.parametrize(
    ("field", "value"),
    [("population", 0), ("generations", 2.5), ("min_acceptance", 1.0), ("sampler", "gpu")],
)
def test_a_bad_budget_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"^budget\.{field}"):
        Budget(**{field: value})


def test_a_bad_prior_or_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="log-uniform prior needs low > 0"):
        Prior("a.b", 0.0, 1.0, log=True)
    with pytest.raises(ConfigError, match="expected low < high"):
        Prior("a.b", 1.0, 1.0)
    with pytest.raises(ConfigError, match="scales keys"):
        calibrate(never, OBSERVED, {"mean": 1.0}, PRIORS, tmp_path / "a.db", FAST, 1, quiet)
    with pytest.raises(ConfigError, match=r"scales\['mean'\] = 0.0"):
        calibrate(never, OBSERVED, {**SCALES, "mean": 0.0}, PRIORS, tmp_path / "a.db", FAST, 1)
    assert not (tmp_path / "a.db").exists()


def test_the_representative_draw_is_the_particle_nearest_the_weighted_medians() -> None:
    """Medians by weight (mu: 1.0 holds most weight; scale: log prior, its median 1.0),
    each parameter in its prior's range: the particle at both medians stands for them,
    not the one at the unweighted middle or the best-weighted extreme of one parameter."""
    particles = pd.DataFrame(
        {
            "toy.mu": [0.0, 1.0, 1.0, 2.0, 1.1],
            "toy.scale": [1.0, 10.0, 1.0, 1.0, 1.2],
            "weight": [1.0, 3.0, 3.0, 1.0, 0.5],
        }
    )
    assert weighted(particles).representative() == {"toy.mu": 1.0, "toy.scale": 1.0}
