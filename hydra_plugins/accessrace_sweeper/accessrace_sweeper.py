"""The project's sweeper: Hydra's basic sweeper (the same grid of overrides), which hands a
sweep under a local launcher to one pool of workers in the launching process, and under a
cluster launcher launches one job per point.

Hydra's basic sweeper composes every point again, one after another, before it launches
them (~0.2 s a point: 20 s of a 90-point sweep). The project's callback has composed every
point already, on every core, and stopped the sweep on any that does not compose
(experiments.grid.plan_sweep), so this sweeper skips that pass. Under the basic and joblib
launchers, a job per point would only repeat each point's composition and start a worker
per point's runs: the whole grid runs here instead, at the speed of
``sim.experiment.run.sweep`` (experiments.grid.run_grid).

Hydra imports every module of the ``hydra_plugins`` namespace when it looks for plugins, in
any Hydra application of the environment: this one imports only Hydra's sweeper at import
time. An editable install hides the namespace from that search, so the command line also
registers the class itself (experiments.main).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from omegaconf import OmegaConf


class AccessraceSweeper(BasicSweeper):
    """Hydra's basic sweeper, with the grid run here under a local launcher."""

    def sweep(self, arguments: list[str]) -> Any:
        from experiments.grid import plan_of, run_grid, runs_here

        assert self.config is not None
        plan = plan_of(self.config)
        if not runs_here(self.config, plan):
            return super().sweep(arguments)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")  # as Hydra's sweeper does
        run_grid(self.config, plan)
        return []

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Every point was composed when the sweep was planned (experiments.grid)."""
