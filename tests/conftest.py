"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hydra import compose, initialize_config_dir

from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from sim import Config


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than about 5 s")


@pytest.fixture
def composer() -> Callable[..., Config]:
    """Compose the Hydra config (as the CLI does) and convert it to a sim.Config."""

    def _compose(*overrides: str) -> Config:
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            return to_sim_config(compose("config", overrides=list(overrides)))

    return _compose
