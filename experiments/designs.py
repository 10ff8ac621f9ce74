"""The design tasks of the command line: global sensitivity analysis and scenario discovery.

accessrace experiment=sensitivity     # Morris + Sobol over configs/experiment/sensitivity.yaml
accessrace experiment=discovery       # PRIM over a Latin hypercube of paired runs

Both run through the sweep store (sim.run.sweep: parallel, resumable) in
``sweeps/<sweep.name>/``, print their result, and write the HTML report there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.outcome import write_report
from experiments.schema import to_sim_config
from experiments.sweeps import fail
from sim import Config, ConfigError
from sim.analysis.names import metric_name
from sim.analysis.sensitivity import Parameter, SensitivityError, SensitivitySpec
from sim.experiment.store import SweepMismatchError
from sim.report.html import fmt


def _parameters(node: DictConfig) -> tuple[Parameter, ...]:
    return tuple(Parameter(str(p.path), float(p.low), float(p.high)) for p in node.parameters)


def _config(cfg: DictConfig) -> Config:
    try:
        return to_sim_config(cfg)
    except ConfigError as err:
        fail(f"invalid configuration: {err}")
        raise  # unreachable: fail exits


def run_sensitivity_task(cfg: DictConfig, out_dir: Path) -> None:
    """Morris screening and Sobol indices of the headline outcomes, then the report."""
    from sim.analysis.sensitivity import analyze, run_sensitivity

    config = _config(cfg)
    s = cfg.sensitivity
    spec = SensitivitySpec(
        parameters=_parameters(s),
        outcomes=tuple(str(o) for o in s.outcomes),
        methods=tuple(str(m) for m in s.methods),
        morris_trajectories=int(s.morris_trajectories),
        morris_levels=int(s.morris_levels),
        sobol_samples=int(s.sobol_samples),
        replicates=int(cfg.sweep.replicates),
        seed=int(s.seed),
    )
    overrides = list(HydraConfig.get().overrides.task)
    try:
        run_sensitivity(
            config,
            spec,
            out_dir,
            n_jobs=int(s.n_jobs),
            progress="[accessrace] runs",
            description={"overrides": overrides},
        )
    except (SensitivityError, SweepMismatchError, ConfigError) as err:
        fail(str(err))
    result = analyze(out_dir)
    print()
    print(format_sensitivity(result.indices))
    for note in result.notes:
        print(f"accessrace: note: {note}")
    write_report(out_dir)


def format_sensitivity(indices: pd.DataFrame) -> str:
    """The indices as text, one block per outcome, most influential parameter first."""
    if indices.empty:
        return "No sensitivity indices yet."
    lines = []
    has_sobol = "sobol" in set(indices["method"])
    for outcome in dict.fromkeys(indices["outcome"]):
        rows = indices[indices["outcome"] == outcome]
        sobol = rows[rows["method"] == "sobol"].set_index("parameter")
        morris = rows[rows["method"] == "morris"].set_index("parameter")
        order = (
            sobol.sort_values("ST", ascending=False)
            if has_sobol
            else morris.sort_values("mu_star", ascending=False)
        ).index
        lines += [
            f"{metric_name(outcome)} ({outcome}), final month:",
            f"  {'parameter':<38} {'S1 [95% CI]':>22} {'ST [95% CI]':>22} {'mu* ± 95% CI':>20}",
        ]
        for p in order:
            cells = []
            for key in ("S1", "ST"):
                if p in sobol.index:
                    v, c = float(sobol.loc[p, key]), float(sobol.loc[p, f"{key}_conf"])
                    cells.append(f"{v:.3f} [{v - c:.3f}, {v + c:.3f}]")
                else:
                    cells.append("-")
            if p in morris.index:
                m, c = float(morris.loc[p, "mu_star"]), float(morris.loc[p, "mu_star_conf"])
                cells.append(f"{fmt(m)} ± {fmt(c)}")
            else:
                cells.append("-")
            lines.append(f"  {p:<38} {cells[0]:>22} {cells[1]:>22} {cells[2]:>20}")
        lines.append("")
    return "\n".join(lines)


def run_discovery_task(cfg: DictConfig, out_dir: Path) -> None:
    """Paired runs over a Latin hypercube, PRIM on where the intervention acts, the report."""
    from sim.analysis.discovery import DiscoverySpec, discover, run_discovery

    config = _config(cfg)
    d = cfg.discovery
    spec = DiscoverySpec(
        parameters=_parameters(d),
        samples=int(d.samples),
        intervention=tuple(str(getattr(k, "value", k)) for k in cfg.sweep.intervention),
        metric=str(d.metric),
        after=None if d.after is None else int(d.after),
        threshold=float(d.threshold),
        below=bool(d.below),
        replicates=int(cfg.sweep.replicates),
        seed=int(d.seed),
        density=float(d.density),
        peel_alpha=float(d.peel_alpha),
        paste_alpha=float(d.paste_alpha),
        mass_min=float(d.mass_min),
        significance=float(d.significance),
    )
    if not spec.intervention:
        fail("discovery needs an intervention: set sweep.intervention (e.g. [revoke_access])")
    overrides = list(HydraConfig.get().overrides.task)
    try:
        run_discovery(
            config,
            spec,
            out_dir,
            n_jobs=int(d.n_jobs),
            progress="[accessrace] runs",
            description={"overrides": overrides},
        )
    except (SensitivityError, SweepMismatchError, ConfigError) as err:
        fail(str(err))
    found = discover(out_dir)
    box = found.box
    print()
    print(
        f"Cases of interest ({found.case_words} at month {found.step}): {box.n_cases} of "
        f"{box.n} pairs."
    )
    print(box.description(found.case_words))
    write_report(out_dir)
