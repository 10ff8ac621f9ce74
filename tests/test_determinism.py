"""Same config and seed give identical output; a golden run catches unintended changes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from golden.regenerate import GOLDEN, golden_config
from helpers import cutoff, small

import sim


def test_same_seed_identical_parquet_content(tmp_path: Path) -> None:
    config = small(seed=5, scenario=cutoff(at=8))
    sim.run(config, tmp_path / "a", figures=False)
    sim.run(config, tmp_path / "b", figures=False)
    for name in ("timeseries.parquet", "events.parquet"):
        a = pd.read_parquet(tmp_path / "a" / name)
        b = pd.read_parquet(tmp_path / "b" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_differ() -> None:
    a = sim.run(small(seed=1), figures=False).timeseries
    b = sim.run(small(seed=2), figures=False).timeseries
    assert not a["developer_trust"].equals(b["developer_trust"])
    assert not a["frontier_capability"].equals(b["frontier_capability"])


def test_golden_run() -> None:
    """If this fails after an intended change, regenerate (see tests/golden/regenerate.py)."""
    expected = pd.read_csv(GOLDEN)
    actual = sim.run(golden_config(), figures=False).timeseries
    assert list(actual.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(
        actual.reset_index(drop=True), expected, check_dtype=False, rtol=1e-9, atol=1e-12
    )
