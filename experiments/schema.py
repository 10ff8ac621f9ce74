"""Register sim's typed config with Hydra's ConfigStore.

sim.config's dataclasses are frozen, and OmegaConf makes a frozen structured config
read-only, which breaks Hydra's merging of list entries and overrides. The schema
Hydra sees is therefore a mutable twin of each dataclass, with the same fields, types
and defaults; the composed config is turned back into a frozen, validated
`sim.Config` by :func:`to_sim_config`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.config import Config, EventKind, LabConfig, ProviderConfig
from sim.config.scenario import _default_labs, _default_providers

SCHEMA_NAME = "accessrace_schema"


@dataclasses.dataclass
class SweepConfig:
    """How the command line repeats a run: replicates, the intervention to pair, where."""

    name: str = "${scenario.name}"
    """Sweep directory name under sweeps/; re-running the same sweep resumes it."""
    replicates: int = 1
    """Seeds spawned from SeedSequence(seed), one run (or pair) each."""
    replicate: int | None = None
    """Run only this replicate. Not needed to sweep: a multirun job runs all of its
    point's replicates in parallel (older sweeps used sweep.replicate=range(0,N))."""
    n_jobs: int | None = None
    """Worker processes for one point's replicates (joblib: -1 = all cores). Default: all
    cores, or 1 when the launcher already runs several points at once (joblib,
    submitit_local, Ray). Never changes results or the sweep's identity."""
    share_prefix: bool = True
    """Run a pair's months before the intervention once and continue both arms from
    copies of that model (sim.experiment.pairing). The results are the same either way;
    false runs the arms separately. Never changes the sweep's identity."""
    intervention: list[EventKind] = dataclasses.field(default_factory=list)
    """Event kinds removed in the control arm; non-empty makes every run a pair."""
    effects_after: list[int] = dataclasses.field(default_factory=lambda: [12, 24, 36])
    """Months after the intervention at which the effect table reports."""
    posterior: str | None = None
    """Draw the worlds from a calibration's posterior: `shipped` (data/calibration) or a
    calibration's sweep directory. Each draw is a sweep point with `replicates` seed pairs,
    so effects carry parameter uncertainty as well as chance."""
    draws: int = 16
    """Posterior draws of a `posterior` sweep."""


_twins: dict[type, type] = {}


def thaw(tp: Any) -> Any:
    """The mutable twin of a (possibly nested or generic) config type."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if tp not in _twins:
            hints = typing.get_type_hints(tp)
            fields = [(f.name, thaw(hints[f.name]), _twin_field(f)) for f in dataclasses.fields(tp)]
            twin = dataclasses.make_dataclass(f"{tp.__name__}Schema", fields, module=__name__)
            # A module attribute, so launchers that pickle the config (submitit, ray) find it.
            globals()[twin.__name__] = twin
            _twins[tp] = twin
        return _twins[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None:
        return tp
    thawed = tuple(thaw(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[thawed]  # noqa: UP007 - built at run time
    return origin[thawed]


def _twin_field(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        factory = f.default_factory
        return dataclasses.field(default_factory=lambda: _thaw_value(factory()))
    if dataclasses.is_dataclass(f.default):
        default = f.default
        return dataclasses.field(default_factory=lambda: _thaw_value(default))
    return dataclasses.field(default=f.default)


def _thaw_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        twin = thaw(type(value))
        return twin(
            **{f.name: _thaw_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    if isinstance(value, dict):
        return {k: _thaw_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw_value(v) for v in value]
    return value


@dataclasses.dataclass
class DsairConfig:
    """The DSAIR docking experiment (sim.evolution.dsair): the grid and the game."""

    b: float = 4.0
    c: float = 1.0
    B: float = 1e4
    W: list[float] = dataclasses.field(default_factory=lambda: [100.0, 1e6])
    Z: int = 100
    beta: float = 0.01
    s_min: float = 1.0
    s_max: float = 5.0
    s_points: int = 41
    pr_points: int = 51


@dataclasses.dataclass
class RangeConfig:
    """A parameter varied by a design: a dotted config path and its [low, high] range."""

    path: str = MISSING
    low: float = MISSING
    high: float = MISSING


@dataclasses.dataclass
class SensitivityConfig:
    """Global sensitivity analysis (sim.sensitivity): the ranges, outcomes and sample sizes.
    Replicates per point come from `sweep.replicates`, the directory from `sweep.name`."""

    parameters: list[RangeConfig] = dataclasses.field(default_factory=list)
    outcomes: list[str] = dataclasses.field(
        default_factory=lambda: [
            "frontier_capability",
            "developer_trust",
            "open_weights_share",
            "hhi",
        ]
    )
    methods: list[str] = dataclasses.field(default_factory=lambda: ["morris", "sobol"])
    morris_trajectories: int = 10
    morris_levels: int = 4
    sobol_samples: int = 64
    seed: int = 0
    n_jobs: int = -1


@dataclasses.dataclass
class DiscoveryConfig:
    """Scenario discovery (sim.discovery): the sampled ranges, the case of interest and
    PRIM's settings. The intervention comes from `sweep.intervention`."""

    parameters: list[RangeConfig] = dataclasses.field(default_factory=list)
    samples: int = 100
    metric: str = "frontier_capability"
    after: int | None = None
    threshold: float = 0.0
    below: bool = True
    density: float = 0.8
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    significance: float = 0.05
    seed: int = 0
    n_jobs: int = -1


@dataclasses.dataclass
class CalibrateConfig:
    """ABC-SMC calibration of the history world (sim.calibration): its budget, where it runs,
    and the posterior predictive check and predictions made from it."""

    population: int = 300
    """Accepted particles per generation at budget 1."""
    generations: int = 8
    """Generations at most; a rerun with more continues the stored run."""
    budget: float = 1.0
    """Scales the particles per generation and the draws of the checks (0.05: a smoke test)."""
    min_acceptance: float = 0.05
    """Stop when a generation's acceptance rate falls below this."""
    workers: int = 2
    sampler: str = "multicore"
    """single, multicore, or dask (with dask_address, or a local cluster)."""
    dask_address: str | None = None
    seed: int = 0
    check_draws: int = 40
    """Posterior draws for the posterior predictive check and the predictions, at budget 1."""
    check_seeds: int = 2
    """Seeds per draw."""
    ship: bool = False
    """Also write the posterior, the fit and the predictions into data/calibration/."""


@dataclasses.dataclass
class FlipsConfig:
    """Where the cutoff's answer flips (sim.calibration.flips): the design's size, the
    horizon, and whether to ship the result into data/calibration/."""

    samples: int = 120
    after: int = 36
    seed: int = 0
    n_jobs: int = -1
    ship: bool = False


DESIGN_KEYS = ("sensitivity", "discovery", "calibrate", "flips")
"""Top-level keys that configure designs, not the model; sweep signatures leave them out so
adding them changed no existing sweep's identity."""

AccessraceConfig = dataclasses.make_dataclass(
    "AccessraceConfig",
    [
        ("task", str, dataclasses.field(default="simulate")),
        ("sweep", SweepConfig, dataclasses.field(default_factory=SweepConfig)),
        ("dsair", DsairConfig, dataclasses.field(default_factory=DsairConfig)),
        ("sensitivity", SensitivityConfig, dataclasses.field(default_factory=SensitivityConfig)),
        ("discovery", DiscoveryConfig, dataclasses.field(default_factory=DiscoveryConfig)),
        ("calibrate", CalibrateConfig, dataclasses.field(default_factory=CalibrateConfig)),
        ("flips", FlipsConfig, dataclasses.field(default_factory=FlipsConfig)),
        # The cast comes from the `cast` group (archetypes or history), not from defaults
        # here: Hydra merges maps, so defaults could not be replaced by another cast.
        ("labs", dict[str, thaw(LabConfig)], dataclasses.field(default_factory=dict)),  # type: ignore[misc]
        ("providers", dict[str, thaw(ProviderConfig)], dataclasses.field(default_factory=dict)),  # type: ignore[misc]
    ],
    bases=(thaw(Config),),
    module=__name__,
)
"""The schema Hydra sees: sim.Config's mutable twin plus the command line's `sweep` and the
settings of the dsair, sensitivity and discovery tasks."""


ARCHETYPES = "archetypes"
"""The `cast` group's default option: sim.Config's own labs and providers, stored from
Python so the archetypes have one definition (sim/config/scenario.py)."""


def register() -> None:
    store = ConfigStore.instance()
    store.store(name=SCHEMA_NAME, node=AccessraceConfig)
    archetypes = {
        "labs": _thaw_value(_default_labs()),
        "providers": _thaw_value(_default_providers()),
    }
    store.store(group="cast", name=ARCHETYPES, node=archetypes, package="_global_")


def to_sim_config(cfg: DictConfig) -> Config:
    """The composed Hydra config as a frozen, validated sim.Config (raises ConfigError)."""
    data = {
        str(key): OmegaConf.to_container(cfg[key], resolve=True, enum_to_str=True)
        if OmegaConf.is_config(cfg[key])
        else cfg[key]
        for key in cfg
        if key not in ("hydra", "sweep", "task", "dsair", *DESIGN_KEYS)
    }
    return Config.from_dict(data)
