"""The command line: one run of the simulation, configured by Hydra.

accessrace                                   # the flagship claude_cutoff scenario
accessrace scenario=escalation seed=7        # any preset, seed or parameter
accessrace --help                            # groups, choices and the config
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.schema import register, to_sim_config
from sim import ConfigError, RunDirectoryError, run
from sim.report import summarize

register()
CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def fail(message: str) -> None:
    """A clear error on stderr and exit status 2, with no traceback."""
    print(f"accessrace: error: {message}", file=sys.stderr)
    raise SystemExit(2)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        config = to_sim_config(cfg)
    except ConfigError as err:
        fail(f"invalid configuration: {err}")
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    print(
        f"Running {config.scenario.name}: {config.population.n_developers:,} developers, "
        f"{config.steps} months, seed {config.seed} ...",
        flush=True,
    )
    try:
        result = run(config, out_dir)
    except RunDirectoryError as err:
        fail(str(err))
    print()
    print(summarize(result))
    print()
    print(f"Results in {out_dir}/: timeseries.parquet, events.parquet, config.yaml, figures/")


if __name__ == "__main__":
    main()
