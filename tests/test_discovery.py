"""Scenario discovery: ema_workbench's PRIM on known boxes and on a real paired design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import cutoff

from sim import Config
from sim.analysis.discovery import DiscoverySpec, cases, discover, prim, run_discovery, sample
from sim.analysis.estimates import paired_differences
from sim.analysis.sensitivity import Parameter, SensitivityError
from sim.config import PopulationConfig
from sim.experiment.store import load, run_files

TINY = Config(population=PopulationConfig(n_developers=300), steps=30, scenario=cutoff(at=24))
GRADUATED = TINY.replace(policy=TINY.policy.__class__(name="graduated", revoke_duration=12))
SPEC = DiscoverySpec(
    parameters=(
        Parameter("providers.incumbent_api.monitoring", 0.0, 2.0),
        Parameter("labs.rival.intensity", 0.1, 1.0),
        Parameter("market.legacy_open_quality", 0.3, 1.0),
    ),
    samples=40,
    after=6,
    seed=3,
)


def test_prim_recovers_a_known_box() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(600, 3)), columns=["a", "b", "c"])
    y = ((x["a"] < 0.3) & (x["b"] > 0.5)).to_numpy()
    box = prim(x, y, density=0.9)
    limits = {r.parameter: r for r in box.restrictions}
    assert set(limits) == {"a", "b"}, "c is noise and must stay unrestricted"
    assert limits["a"].low is None and limits["a"].high == pytest.approx(0.3, abs=0.05)
    assert limits["b"].high is None and limits["b"].low == pytest.approx(0.5, abs=0.05)
    assert box.density >= 0.9 and box.coverage >= 0.8
    assert box.base_rate == pytest.approx(y.mean())
    text = box.description("y holds")
    assert text.startswith(f"When a ≤ {limits['a'].high:.3g} and b ≥ {limits['b'].low:.3g}, ")
    assert "c " not in text
    assert f"{box.density:.0%} of runs (density)" in text


def test_prim_with_no_case_of_interest_says_so() -> None:
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    box = prim(x, np.zeros(20, dtype=bool))
    assert box.restrictions == () and box.n_cases == 0
    assert "no box" in box.description()


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("discovery")
    made = run_discovery(GRADUATED, SPEC, path, n_jobs=2)
    assert made == 2 * SPEC.samples
    return path


def test_discovery_finds_where_the_cutoff_matters(design: Path) -> None:
    found = discover(design)
    assert found.step == 30 and found.months_after == 6
    assert found.parameters == tuple(p.path for p in SPEC.parameters)
    # Under graduated sanctions a well-monitored rival is cut off by the policy before the
    # scripted cutoff, which then changes nothing: the cases sit at low monitoring.
    monitoring = {r.parameter: r for r in found.box.restrictions}[
        "providers.incumbent_api.monitoring"
    ]
    assert monitoring.low is None and monitoring.high is not None and monitoring.high < 2.0
    assert found.box.density > found.box.base_rate
    text = found.box.description(found.case_words)
    assert "providers.incumbent_api.monitoring ≤" in text
    assert "the cutoff lowered the frontier capability" in text
    unaffected = found.cases[~found.cases["case"]]
    assert (unaffected["difference"] == 0).mean() > 0.5, "most non-cases are exact no-ops"


def test_cases_are_the_paired_effects(design: Path) -> None:
    results = load(design)
    frame = cases(results, "frontier_capability", 30).set_index("pair_id")
    diffs = paired_differences(results, "frontier_capability")
    diffs = diffs[diffs["step"] == 30].set_index("pair_id")["difference"]
    assert len(frame) == SPEC.samples
    pd.testing.assert_series_equal(
        frame["difference"].sort_index(), diffs.sort_index(), check_names=False
    )
    assert (frame["case"] == (frame["difference"] < 0)).all()
    drawn = sample(SPEC)
    assert np.allclose(
        np.sort(frame["labs.rival.intensity"].to_numpy()),
        np.sort(drawn["labs.rival.intensity"].to_numpy()),
    )


def test_a_design_resumes_and_is_reproducible(design: Path) -> None:
    before = {f: f.stat().st_mtime_ns for f in run_files(design)}
    assert run_discovery(GRADUATED, SPEC, design, n_jobs=2) == 0
    assert {f: f.stat().st_mtime_ns for f in run_files(design)} == before
    pd.testing.assert_frame_equal(sample(SPEC), sample(SPEC))
    other = sample(DiscoverySpec(parameters=SPEC.parameters, samples=40, seed=4))
    assert not np.allclose(other["labs.rival.intensity"], sample(SPEC)["labs.rival.intensity"])


def test_bad_designs_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SensitivityError, match=r"no such event|revoke_access"):
        run_discovery(TINY.replace(scenario=cutoff(at=24).__class__()), SPEC, tmp_path)
    bad_metric = DiscoverySpec(parameters=SPEC.parameters, metric="frontier_capabilty")
    with pytest.raises(SensitivityError, match=r"'frontier_capabilty'.*frontier_capability"):
        run_discovery(TINY, bad_metric, tmp_path)
    empty = DiscoverySpec(parameters=(Parameter("labs.rival.intensity", 0.9, 0.1),))
    with pytest.raises(SensitivityError, match=r"'labs.rival.intensity'.*low < high"):
        run_discovery(TINY, empty, tmp_path)
    assert not run_files(tmp_path)


def test_the_report_states_the_box(design: Path) -> None:
    from sim.report.build import build_report

    text = build_report(design).read_text()
    found = discover(design)
    assert 'id="fig-discovery"' in text
    assert found.box.description(found.case_words) in text
    assert f"{found.box.n_cases} of {SPEC.samples} pairs are cases of interest" in text
