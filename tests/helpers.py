"""Helpers shared by the tests: small configs and running the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sim import Config
from sim.config import EventConfig, EventKind, PopulationConfig, ScenarioConfig

REPO = Path(__file__).resolve().parent.parent


PREDICTED = {
    ("share_anthropic", "2025-12"),
    ("share_anthropic", "2026-04"),
    ("share_openai", "2025-12"),
    ("share_openai", "2026-04"),
    ("share_google", "2025-12"),
    ("share_google", "2026-04"),
    ("share_open", "2025-12"),
    ("share_open", "2026-04"),
    ("coding_share_anthropic", "2025-07"),
    ("coding_share_anthropic", "2025-12"),
    ("frontier_eci", "2025-08"),
    ("frontier_eci", "2025-12"),
    ("open_gap_eci", "2026-01..2026-05"),
    ("open_gap_months", "2026-01..2026-05"),
    ("leader_changes", "2023-03..2025-08"),
    ("coding_demand_share", "2025-11"),
    ("p_anthropic_leads_coding", "2025-12"),
}
"""The out-of-sample quantities the calibration predicts, as (quantity, period): written
here from the calibration issue's list, not read from the code that makes them."""


def small(**changes: Any) -> Config:
    """The default world with 600 developers and 36 months (fast), changed as asked."""
    base = Config(population=PopulationConfig(n_developers=600), steps=36)
    return base.replace(**changes)


def cutoff(at: int = 12, duration: int | None = None, **kw: Any) -> ScenarioConfig:
    """incumbent_api revokes rival at month `at`."""
    ev = EventConfig(
        kind=EventKind.revoke_access,
        at=at,
        provider="incumbent_api",
        lab="rival",
        duration=duration,
    )
    return ScenarioConfig(name="cutoff", events=(ev,), **kw)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed command line in a subprocess, as a user would."""
    exe = Path(sys.executable).with_name("accessrace")
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
