"""The command line, as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli


def test_flagship_run_writes_results_and_a_summary(tmp_path: Path) -> None:
    proc = run_cli("population=small", "seed=3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Scenario claude_cutoff" in proc.stdout
    assert "month 24: incumbent_api cut to evaluation only rival" in proc.stdout
    run_dirs = list((tmp_path / "outputs" / "claude_cutoff").iterdir())
    assert len(run_dirs) == 1 and str(run_dirs[0]) in proc.stdout
    ts = pd.read_parquet(run_dirs[0] / "timeseries.parquet")
    assert len(ts) == 61 and (ts["seed"] == 3).all()
    assert (run_dirs[0] / "config.yaml").read_text().startswith("seed: 3")
    assert (run_dirs[0] / "figures" / "capability.png").exists()


def test_overrides_reach_the_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = run_cli(
        "scenario=escalation",
        "population.n_developers=300",
        "steps=30",
        "providers.cloud.policy=safe_harbor",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    text = (out / "config.yaml").read_text()
    assert "n_developers: 300" in text and "name: escalation" in text
    assert "name: tit_for_tat" in text and "policy: safe_harbor" in text
    ev = pd.read_parquet(out / "events.parquet")
    assert ((ev["kind"] == "retaliation") & (ev["step"] == 24)).any()


def test_existing_run_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert (
        run_cli("population=small", "steps=30", f"hydra.run.dir={out}", cwd=tmp_path).returncode
        == 0
    )
    before = (out / "timeseries.parquet").read_bytes()
    proc = run_cli("population=small", "steps=30", "seed=9", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "already holds a run" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "timeseries.parquet").read_bytes() == before


def test_help_lists_groups_and_choices(tmp_path: Path) -> None:
    proc = run_cli("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for word in (
        "scenario:",
        "claude_cutoff",
        "escalation",
        "walled_gardens",
        "policy:",
        "graduated",
        "tit_for_tat",
        "population:",
    ):
        assert word in proc.stdout, word


def test_cfg_job_shows_the_resolved_config(tmp_path: Path) -> None:
    proc = run_cli("--cfg", "job", "scenario=safe_harbor", cwd=tmp_path)
    assert proc.returncode == 0
    assert "name: safe_harbor" in proc.stdout and "regime: safe_harbor" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["labs={}"], "labs = {}: an empty map changes nothing"),
        (["sweep.replicates=0"], "sweep.replicates = 0: expected a whole number >= 1"),
        (["-m", "sweep.replicates=-2"], "sweep.replicates = -2: expected a whole number >= 1"),
        (
            ["-m", "sweep.effects_after=[-3,6]", "sweep.intervention=[revoke_access]"],
            "sweep.effects_after = [-3, 6]: [-3] would be before the intervention",
        ),
    ],
)
def test_settings_that_would_run_something_else_are_refused_up_front(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    proc = run_cli(*args, f"hydra.run.dir={out}", f"hydra.sweep.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (out / "timeseries.parquet").exists() and not (out / "manifest.json").exists()
