"""Worlds drawn from a posterior: a paired sweep whose sweep points are posterior draws,
each with several seed pairs (`sweep.posterior`), so effects carry parameter uncertainty
as well as chance (sim.analysis.uncertainty)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.analysis.factors import Parameter
from sim.analysis.sensitivity import plan_design
from sim.calibration.fit import CALIBRATED, PROPAGATED, priors
from sim.calibration.posterior import CalibrationError, Posterior
from sim.config import Config, EventKind
from sim.config.files import data_dir
from sim.experiment.store import RunSpec

SHIPPED = "shipped"
"""`sweep.posterior=shipped`: the posterior committed under data/calibration/posterior."""


def posterior_folder(where: str) -> Path:
    """The folder of a posterior: `shipped`, a calibration's sweep directory, or its
    `posterior/` folder itself."""
    if where == SHIPPED:
        return data_dir() / "calibration" / "posterior"
    folder = Path(where)
    return folder / "posterior" if (folder / "posterior").is_dir() else folder


def posterior_fingerprint(where: str) -> str:
    """A hash of the posterior's draws (what a sweep of its worlds depends on)."""
    draws = posterior_folder(where) / "posterior.csv"
    if not draws.is_file():
        return "missing"
    return hashlib.sha256(draws.read_bytes()).hexdigest()[:16]


def load_posterior(where: str) -> Posterior:
    """The posterior at `where`, verified against the calibrated parameters' names."""
    folder = posterior_folder(where)
    if not folder.is_dir():
        raise CalibrationError(
            f"sweep.posterior = {where!r}: no posterior folder at {folder} (expected "
            f"'{SHIPPED}' or a calibration's sweep directory)"
        )
    return Posterior.load(folder, list(CALIBRATED))


def posterior_plan(
    config: Config,
    posterior: Posterior,
    draws: int,
    replicates: int,
    intervention: Sequence[EventKind] = (),
) -> list[RunSpec]:
    """`draws` worlds sampled from the posterior (seeded by `config.seed`), the
    uninformed `PROPAGATED` parameters drawn from their priors, each world a sweep point
    with `replicates` seeds (pairs with an intervention); the draw's values are recorded as
    param__ columns."""
    if draws < 2:
        raise CalibrationError(f"sweep.draws = {draws}: expected a whole number >= 2")
    rng = np.random.default_rng(config.seed)
    sample = posterior.sample(draws, rng)
    for prior in priors(PROPAGATED):  # uninformed by the data: drawn from its prior
        u = rng.random(draws)
        sample[prior.name] = (
            prior.low * (prior.high / prior.low) ** u
            if prior.log
            else prior.low + (prior.high - prior.low) * u
        )
    parameters = [Parameter(p.name, p.low, p.high) for p in priors((*CALIBRATED, *PROPAGATED))]
    specs, _ = plan_design(config, sample, parameters, replicates, intervention)
    return specs
