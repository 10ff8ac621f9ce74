"""Sweeps from the command line, with real launchers, a real SIGKILL and a resume."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli

from sim.experiment.store import load, read_manifest, run_files

TINY = ["population.n_developers=300", "steps=30", "sweep.effects_after=[3,6]"]
PAIRED = [*TINY, "sweep.intervention=[revoke_access]"]


def sweep_args(tmp: Path, name: str, replicates: int, *extra: str) -> list[str]:
    return [
        "-m",
        f"sweep.replicates={replicates}",
        f"hydra.sweep.dir={tmp / name}",
        *extra,
    ]


def sorted_results(path: Path) -> pd.DataFrame:
    return load(path).sort_values(["run_id", "step"]).reset_index(drop=True)


@pytest.mark.slow(seconds=60)
def test_paired_sweep_prints_effects_and_resumes(tmp_path: Path) -> None:
    args = sweep_args(tmp_path, "s", 3, *PAIRED)
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6/6 runs" in proc.stdout
    assert "trust__incumbent_api" in proc.stdout and "95% CI" in proc.stdout
    assert "6 months after: the intervention" in proc.stdout
    files = {f: f.stat().st_mtime_ns for f in run_files(tmp_path / "s")}
    assert len(files) == 6 and (tmp_path / "s" / "effects.csv").exists()
    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode == 0 and "6 already done" in again.stdout
    assert {f: f.stat().st_mtime_ns for f in run_files(tmp_path / "s")} == files


@pytest.mark.slow(seconds=45)
def test_a_different_sweep_into_the_same_directory_is_refused(tmp_path: Path) -> None:
    assert run_cli(*sweep_args(tmp_path, "s", 2, *TINY), cwd=tmp_path).returncode == 0
    manifest = read_manifest(tmp_path / "s")
    files = {f: f.read_bytes() for f in run_files(tmp_path / "s")}
    proc = run_cli(*sweep_args(tmp_path, "s", 2, *TINY, "seed=5"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "holds a different sweep" in proc.stderr and "sweep.name" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert read_manifest(tmp_path / "s") == manifest
    assert {f: f.read_bytes() for f in run_files(tmp_path / "s")} == files


@pytest.mark.slow(seconds=60)  # three sweeps through the command line
def test_workers_per_point_change_neither_results_nor_the_sweep(tmp_path: Path) -> None:
    one = run_cli(*sweep_args(tmp_path, "s", 2, *PAIRED, "sweep.n_jobs=1"), cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    two = run_cli(*sweep_args(tmp_path, "s", 2, *PAIRED, "sweep.n_jobs=2"), cwd=tmp_path)
    assert two.returncode == 0, two.stderr
    assert "4 already done" in two.stdout
    assert "param__sweep.n_jobs" not in load(tmp_path / "s").columns


def test_replicates_in_a_single_run_print_the_effect_table(tmp_path: Path) -> None:
    out = tmp_path / "one"
    proc = run_cli("sweep.replicates=2", *PAIRED, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "4/4 runs done" in proc.stdout and "95% CI" in proc.stdout
    assert load(out)["run_id"].nunique() == 4


@pytest.mark.parametrize(
    ("override", "expected"),
    [("experiment=nonesuch", "flagship"), ("hydra/launcher=nonesuch", "joblib")],
)
def test_unknown_experiment_or_launcher_lists_the_choices(
    tmp_path: Path, override: str, expected: str
) -> None:
    proc = run_cli(override, cwd=tmp_path)
    assert proc.returncode != 0
    assert "nonesuch" in proc.stderr and expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_slurm_launcher_config_composes(tmp_path: Path) -> None:
    proc = run_cli("hydra/launcher=slurm", "--cfg", "hydra", "-p", "hydra.launcher", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "SlurmLauncher" in proc.stdout and "timeout_min: 60" in proc.stdout


@pytest.mark.slow(seconds=60)
def test_archetype_experiment_is_a_paired_parallel_sweep(tmp_path: Path) -> None:
    proc = run_cli("experiment=archetype", "--cfg", "all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for text in (
        "replicates: 16",
        "- revoke_access",
        "mode: MULTIRUN",
        "JoblibLauncher",
        "name: claude_cutoff",
    ):
        assert text in proc.stdout, text
    small = run_cli(
        "experiment=archetype",
        "sweep.replicates=2",
        "population=small",
        f"hydra.sweep.dir={tmp_path / 'f'}",
        cwd=tmp_path,
    )
    assert small.returncode == 0, small.stderr
    assert "capability__rival" in small.stdout and "36 months after" in small.stdout


@pytest.mark.slow(seconds=120)
def test_flagship_is_the_real_cutoff_over_posterior_worlds(tmp_path: Path) -> None:
    proc = run_cli("experiment=flagship", "--cfg", "all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for text in ("name: history", "posterior: shipped", "draws: 16", "- revoke_access"):
        assert text in proc.stdout, text
    small = run_cli(
        "experiment=flagship",
        "sweep.draws=2",
        "sweep.replicates=2",
        "population.n_developers=300",
        f"hydra.sweep.dir={tmp_path / 'f'}",
        cwd=tmp_path,
    )
    assert small.returncode == 0, small.stderr
    assert "8/8 runs" in small.stdout
    assert "2 posterior draws x 2 seed pairs" in small.stdout
    assert "spread from parameters" in small.stdout
    effects = pd.read_csv(tmp_path / "f" / "effects.csv")
    assert set(effects["months_after"]) == {6, 12, 24, 36}
    assert {"trust__anthropic_api", "capability__openai", "payoff__anthropic_api"} <= set(
        effects["metric"]
    )
    # every run is a world of the posterior: its calibrated values are recorded per run
    runs = pd.read_parquet(next((tmp_path / "f" / "timeseries").glob("*.parquet")))
    assert "param__research.growth_rate" in runs.columns
    assert "param__population.revocation_shock" in runs.columns
    # what the data cannot tell is shown as a line in it, printed and written beside
    assert "The data cannot tell population.revocation_shock" in small.stdout
    curves = pd.read_csv(tmp_path / "f" / "effects_by_untold.csv")
    assert set(curves["metric"]) == set(effects["metric"])
    assert set(curves["months_after"]) == {36} and (curves["n_draws"] == 2).all()
    assert set(curves["parameter"]) == {"population.revocation_shock"}
    assert {"capability__openai__coding", "lab_share__anthropic"} <= set(effects["metric"])


@pytest.mark.slow(seconds=40)
def test_sweep_points_with_identical_configs_are_one_point(tmp_path: Path) -> None:
    args = sweep_args(tmp_path, "s", 1, *TINY, "labs.rival.intensity=1,1.0")
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (
        "sweep points labs.rival.intensity=1 and labs.rival.intensity=1.0 have identical "
        "configs: they are one point, run once" in proc.stdout
    )
    assert "1 runs planned" in proc.stdout and "1/1 runs" in proc.stdout
    assert set(load(tmp_path / "s")["param__labs.rival.intensity"]) == {"1"}


@pytest.mark.slow(seconds=60)
def test_a_missing_or_damaged_posterior_is_refused_in_one_line(tmp_path: Path) -> None:
    missing = run_cli("experiment=flagship", f"sweep.posterior={tmp_path / 'none'}", cwd=tmp_path)
    assert missing.returncode == 2 and "no posterior folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    damaged = tmp_path / "cal" / "posterior"
    damaged.mkdir(parents=True)
    (damaged / "posterior.csv").write_text("x,y\n1,2\n")
    (damaged / "particles.csv").write_text("x,weight\n1,1\n")
    (damaged / "summary.json").write_text("{}")
    bad = run_cli("experiment=flagship", f"sweep.posterior={tmp_path / 'cal'}", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    few = run_cli("experiment=flagship", "sweep.draws=1", cwd=tmp_path)
    assert few.returncode == 2 and "sweep.draws = 1" in few.stderr
    assert not (tmp_path / "sweeps").exists()


@pytest.mark.slow(seconds=90)  # two sweeps, one under submitit's local launcher
def test_a_local_sweep_runs_its_grid_here_and_a_cluster_sweep_a_job_per_point(
    tmp_path: Path,
) -> None:
    """Under the joblib launcher the project's sweeper runs every point's runs in the
    launching process (no launcher job, so no job folder per point); under a cluster
    launcher (submitit) each point is a job of its own. The runs are the same."""
    grid = ["labs.rival.intensity=0.5,0.9", "seed=3"]
    for launcher, jobs in (("joblib", False), ("submitit_local", True)):
        args = sweep_args(tmp_path, launcher, 2, *TINY, *grid, f"hydra/launcher={launcher}")
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "4/4 runs" in proc.stdout
        assert (tmp_path / launcher / "jobs").is_dir() == jobs, launcher
    pd.testing.assert_frame_equal(
        sorted_results(tmp_path / "joblib"), sorted_results(tmp_path / "submitit_local")
    )


def test_a_point_hydra_cannot_compose_stops_the_sweep_in_one_line(tmp_path: Path) -> None:
    """Every point is composed before anything runs (the project's sweeper relies on it in
    place of Hydra's own pass): an unknown choice stops the sweep before its manifest."""
    args = sweep_args(tmp_path, "s", 1, *TINY, "policy=graduated,no_such_policy")
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    line = next(x for x in proc.stderr.splitlines() if x.startswith("accessrace: error"))
    assert "sweep point policy=no_such_policy" in line and "policy/no_such_policy" in line
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "s").exists()
