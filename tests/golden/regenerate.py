"""Regenerate the golden run. Do this only for an intended change of the model's output,
in a commit of its own that says why:

    .venv/bin/python tests/golden/regenerate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpers import cutoff, small  # noqa: E402

import sim  # noqa: E402

GOLDEN = HERE / "small_run.csv"


def golden_config() -> sim.Config:
    return small(seed=42, steps=24, scenario=cutoff(at=10))


if __name__ == "__main__":
    sim.run(golden_config(), figures=False).timeseries.to_csv(GOLDEN, index=False)
    print(f"wrote {GOLDEN}")
