"""Every launcher (sequential, joblib, submitit, Ray) gives identical results: a file of its
own, the suite's longest test, so pytest-xdist runs it beside the other sweep tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli
from test_sweep_cli import PAIRED, sorted_results, sweep_args


@pytest.mark.slow(seconds=150)
def test_every_launcher_gives_identical_results(tmp_path: Path) -> None:
    results = {}
    for launcher in ("basic", "joblib", "submitit_local", "ray_local"):
        args = sweep_args(tmp_path, launcher, 2, *PAIRED, f"hydra/launcher={launcher}")
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, (launcher, proc.stderr[-2000:])
        results[launcher] = sorted_results(tmp_path / launcher)
    for launcher, frame in results.items():
        pd.testing.assert_frame_equal(frame, results["basic"], check_exact=True, obj=launcher)
