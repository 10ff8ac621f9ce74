"""Global sensitivity analysis: SALib designs run through the sweep store, and their errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from sim import Config
from sim.analysis.sensitivity import (
    Parameter,
    SensitivityError,
    SensitivitySpec,
    analyze,
    check_metrics,
    check_parameters,
    run_sensitivity,
    sample,
    with_values,
)
from sim.config import PopulationConfig
from sim.experiment.store import SweepMismatchError, read_manifest, run_files

TINY = Config(population=PopulationConfig(n_developers=300), steps=30)
SPEC = SensitivitySpec(
    parameters=(
        Parameter("population.trust_weight", 0.5, 4.0),
        Parameter("research.spill_rival_api", 0.0, 0.15),
        Parameter("strategy.beta", 1.0, 40.0),
    ),
    outcomes=("developer_trust", "frontier_capability"),
    morris_trajectories=4,
    sobol_samples=8,
)


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sensitivity")
    made = run_sensitivity(TINY, SPEC, path, n_jobs=2)
    points = sample(SPEC).drop(columns=["method", "row"]).drop_duplicates()
    assert made == len(points) == len(run_files(path)) > 4 * 4
    return path


def test_indices_rank_parameters_and_carry_intervals(design: Path) -> None:
    result = analyze(design)
    assert result.used == {"morris": (4, 4), "sobol": (8, 8)} and not result.partial
    idx = result.indices
    assert len(idx) == 2 * 2 * 3
    sobol = idx[idx["method"] == "sobol"].set_index(["outcome", "parameter"])
    morris = idx[idx["method"] == "morris"].set_index(["outcome", "parameter"])
    assert (sobol["ST_conf"] >= 0).all() and (morris["mu_star_conf"] >= 0).all()
    for outcome in SPEC.outcomes:
        # Strategies are fixed (strategy.adapt_every = 0), so beta cannot matter at all.
        assert morris.loc[(outcome, "strategy.beta"), "mu_star"] == 0.0
        assert sobol.loc[(outcome, "strategy.beta"), "ST"] == 0.0
    trust = sobol.loc["developer_trust"]
    assert trust["ST"].idxmax() == "population.trust_weight"
    assert morris.loc["developer_trust"]["mu_star"].idxmax() == "population.trust_weight"


def test_a_design_resumes_and_refuses_another_design(design: Path) -> None:
    before = {f: f.stat().st_mtime_ns for f in run_files(design)}
    assert run_sensitivity(TINY, SPEC, design, n_jobs=2) == 0
    assert {f: f.stat().st_mtime_ns for f in run_files(design)} == before
    other = SensitivitySpec(parameters=SPEC.parameters, outcomes=SPEC.outcomes, seed=1)
    with pytest.raises(SweepMismatchError):
        run_sensitivity(TINY, other, design)


def test_a_partial_design_uses_complete_trajectories(design: Path, tmp_path: Path) -> None:
    copy = tmp_path / "partial"
    shutil.copytree(design, copy)
    first = pd.read_parquet(copy / "design.parquet").iloc[0]
    (copy / "timeseries" / f"{_run_of(copy, first['point_id'])}.parquet").unlink()
    result = analyze(copy)
    assert result.partial and result.used["morris"] == (3, 4)
    assert len(result.indices[result.indices["method"] == "morris"]) == 2 * 3


def _run_of(path: Path, point_id: str) -> str:
    for f in run_files(path):
        frame = pd.read_parquet(f, columns=["run_id", "point_id"])
        if frame["point_id"].iloc[0] == point_id:
            return str(frame["run_id"].iloc[0])
    raise AssertionError(point_id)


def test_samples_are_seeded_and_inside_the_ranges() -> None:
    a, b = sample(SPEC), sample(SPEC)
    pd.testing.assert_frame_equal(a, b)
    other = sample(SensitivitySpec(parameters=SPEC.parameters, seed=1))
    assert not np.array_equal(a.iloc[:, 2:].to_numpy(), other.iloc[: len(a), 2:].to_numpy())
    for p in SPEC.parameters:
        assert a[p.path].between(p.low, p.high).all()
    assert list(a["method"].unique()) == ["morris", "sobol"]
    changed = with_values(TINY, {"population.news_horizon": 7.6, "labs.rival.capability.coding": 2})
    assert changed.population.news_horizon == 8 and changed.labs["rival"].capability["coding"] == 2


@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        (Parameter("research.nosie", 0, 1), "unknown parameter 'research.nosie'.*'research.noise'"),
        (Parameter("research.noise", 0.5, 0.5), "'research.noise': range \\[0.5, 0.5\\] is empty"),
        (Parameter("research.noise", 0.9, 0.2), "expected low < high"),
        (Parameter("policy.name", 0, 1), "'policy.name' is not numeric"),
        (Parameter("population.revision_rate", 0.5, 1.5), "'population.revision_rate'.*valid"),
    ],
)
def test_bad_parameters_are_refused_by_name(parameter: Parameter, message: str) -> None:
    with pytest.raises(SensitivityError, match=message):
        check_parameters(TINY, [parameter])


def test_unknown_outcomes_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(SensitivityError, match=r"'developer_trsut'.*'developer_trust'"):
        check_metrics(TINY, ["hhi", "developer_trsut"])
    check_metrics(TINY, ["capability__rival", "trust__incumbent_api", "hhi"])
    bad = SensitivitySpec(parameters=SPEC.parameters, outcomes=("welfare",))
    with pytest.raises(SensitivityError, match="'welfare'"):
        run_sensitivity(TINY, bad, tmp_path)
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.slow(seconds=45)
def test_the_command_line_runs_a_design_and_refuses_a_bad_range(tmp_path: Path) -> None:
    tiny = ["population.n_developers=300", "steps=30", "sensitivity.n_jobs=1"]
    ranges = "sensitivity.parameters=[{path:population.trust_weight,low:0.5,high:4}]"
    ok = run_cli(
        "experiment=sensitivity",
        *tiny,
        ranges,
        "sensitivity.methods=[morris]",
        "sensitivity.morris_trajectories=3",
        "sensitivity.outcomes=[developer_trust]",
        f"hydra.run.dir={tmp_path / 'sa'}",
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "population.trust_weight" in ok.stdout and "report:" in ok.stdout
    planned = read_manifest(tmp_path / "sa")["planned_runs"]
    assert (tmp_path / "sa" / "report.html").exists() and len(run_files(tmp_path / "sa")) == planned
    bad = run_cli(
        "experiment=sensitivity",
        *tiny,
        "sensitivity.parameters=[{path:research.noise,low:0.5,high:0.1}]",
        f"hydra.run.dir={tmp_path / 'bad'}",
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "'research.noise'" in bad.stderr and "low < high" in bad.stderr
    assert "Traceback" not in bad.stderr and not run_files(tmp_path / "bad")


def test_the_report_shows_the_table_the_bars_and_the_top_parameters(design: Path) -> None:
    from sim.analysis.sensitivity import ranking
    from sim.report.build import build_report
    from sim.report.html import fmt

    text = build_report(design).read_text()
    assert 'id="fig-sensitivity_sobol"' in text and 'id="fig-sensitivity_morris"' in text
    assert "<h3>Sobol indices</h3>" in text and "<h3>Morris screening</h3>" in text
    idx = analyze(design).indices
    for outcome in SPEC.outcomes:
        top = ranking(idx, "sobol", outcome).iloc[0]
        item = text.split(f'<li data-outcome="{outcome}"', 1)[1].split("</li>", 1)[0]
        assert f'data-parameter="{top.parameter}"' in item
        assert f'data-role="ST">{fmt(top.ST)}<' in item
        assert f'data-role="ST_low">{fmt(top.ST - top.ST_conf)}<' in item
