"""Calibration of the history world: the command-line task end to end (tiny budget, then a
resume), the choice of calibrated parameters, the population size of calibration runs,
and the shipped posterior, fit and predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import PREDICTED, run_cli

from sim.calibration import fit, instruments, observed
from sim.calibration.worlds import SHIPPED, load_posterior
from sim.config.files import data_dir

SHIPPED_DIR = data_dir() / "calibration"


@pytest.mark.slow(seconds=240)
def test_calibrate_runs_end_to_end_and_resumes(tmp_path: Path) -> None:
    tiny = [
        "experiment=calibrate",
        "calibrate.budget=0.03",
        "calibrate.check_draws=70",
        "calibrate.check_seeds=1",
        "calibrate.sampler=single",
    ]
    first = run_cli(*tiny, "calibrate.generations=1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "generation 1/1: acceptance" in first.stdout
    sweep = tmp_path / "sweeps" / "calibrate"
    table = pd.read_csv(sweep / "fit.csv")
    assert set(table["target"]) == set(observed.targets())
    predictions = pd.read_csv(sweep / "predictions.csv")
    assert set(zip(predictions["quantity"], predictions["period"], strict=True)) == PREDICTED
    assert (predictions["lo90"] <= predictions["median"]).all()
    assert (predictions["median"] <= predictions["hi90"]).all()
    again = run_cli(*tiny, "calibrate.generations=2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "generation 1/2" not in again.stdout  # resumed: only the second is simulated
    assert "generation 2/2: acceptance" in again.stdout
    other = run_cli(*tiny, "calibrate.generations=2", "calibrate.seed=5", cwd=tmp_path)
    assert other.returncode != 0
    assert "Traceback" not in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1


def test_the_calibrated_parameters_are_what_the_screening_selects() -> None:
    screening = pd.read_csv(SHIPPED_DIR / "screening.csv")
    assert set(screening["parameter"]) == {p.name for p in fit.CANDIDATES}
    chosen = fit.selected(screening)
    assert tuple(n for n in chosen if n not in fit.PROPAGATED) == fit.CALIBRATED


@pytest.mark.slow(seconds=60)
def test_calibrated_quantities_do_not_change_with_population_size() -> None:
    """Calibration runs use 2,000 developers; the default world has 10,000. Averaged over
    seeds, every summary agrees within a third of its target's scale."""
    params = load_posterior(SHIPPED).mean()
    seeds = range(3)

    def mean_stats(developers: int) -> pd.Series:
        runs = [
            instruments.summary_statistics(
                fit.simulate(params, s, developers=developers), fit.OPEN_LABS
            )
            for s in seeds
        ]
        return pd.DataFrame(runs).mean()

    small, large = mean_stats(fit.DEVELOPERS), mean_stats(10_000)
    _, scales = fit.observed_targets()
    gap = ((small - large).abs() / pd.Series(scales)).sort_values()
    assert gap.max() < 1 / 3, gap.tail(3).to_dict()


def test_the_shipped_posterior_matches_the_code_and_is_narrower_than_the_prior() -> None:
    posterior = load_posterior(SHIPPED)  # verifies names, bounds, weights
    assert posterior.names == list(fit.CALIBRATED)
    sd = posterior.sd()
    wider = {p.name for p in fit.priors() if sd[p.name] >= p.sd}
    # A finding, not a pass: the shipped calibration leaves market.selfhost_cost as wide as
    # its prior (sd ratio 1.08; docs/ODD.md §6.3). It is to be propagated, like
    # revocation_shock, at the next calibration; this fails if any other parameter widens
    # or if it narrows (then drop it from here).
    assert wider == {"market.selfhost_cost"}, wider
    # ABC-SMC's effective sample size in 10 dimensions at 300 particles swings between
    # generations (measured: 300, 70, 70, 42, 15, 6, 39, 41; 38 in a ninth): above 30 the
    # Monte Carlo error of a posterior mean stays under a fifth of its sd. It was 67 with
    # 8 parameters; the amortized engine of the inference issue is the way to a larger one.
    assert posterior.ess > 30


def test_the_shipped_fit_and_predictions_cover_every_target_and_quantity() -> None:
    table = pd.read_csv(SHIPPED_DIR / "fit.csv")
    assert set(table["target"]) == set(observed.targets())
    values, _ = fit.observed_targets()
    assert np.allclose(table.set_index("target").loc[list(values), "data"], list(values.values()))
    inside = (table["data"] >= table["lo90"]) & (table["data"] <= table["hi90"])
    assert (inside == table["inside"]).all()
    for name in ("predictions.csv", "predictions_strategic.csv"):
        predictions = pd.read_csv(SHIPPED_DIR / name)
        assert list(predictions.columns) == ["quantity", "period", "median", "lo90", "hi90"]
        assert set(zip(predictions["quantity"], predictions["period"], strict=True)) == PREDICTED
        assert predictions[["median", "lo90", "hi90"]].notna().all().all()


def test_the_calibration_report_answers_from_the_files_and_offers_every_table(
    tmp_path: Path,
) -> None:
    """The report's answer and its CSV downloads against the calibration files read with
    pandas and numpy; the shipped page carries the same tables as a fresh build."""
    import re
    import shutil

    from report_page import parse

    from sim.report.calibration import build_calibration_report

    folder = tmp_path / "calibration"
    shutil.copytree(SHIPPED_DIR, folder)
    page = parse(build_calibration_report(folder))
    fit_csv = pd.read_csv(folder / "fit.csv")
    text = " ".join(page.text)
    inside = re.search(r"90% band for (\d+) of (\d+) targets", text)
    assert inside is not None
    assert (int(inside[1]), int(inside[2])) == (int(fit_csv["inside"].sum()), len(fit_csv))

    pd.testing.assert_frame_equal(page.downloads["fit.csv"][fit_csv.columns], fit_csv)
    for name in ("predictions.csv", "predictions_strategic.csv"):
        pd.testing.assert_frame_equal(page.downloads[name], pd.read_csv(folder / name))
    particles = pd.read_csv(folder / "posterior" / "particles.csv")
    weights = particles["weight"] / particles["weight"].sum()
    params = page.downloads["parameters.csv"].set_index("parameter")
    for name in params.index:
        expected = float(np.sum(weights * particles[name]))
        assert params.loc[name, "posterior mean"] == pytest.approx(expected, rel=1e-9)
    pd.testing.assert_frame_equal(page.downloads["posterior_data.csv"], particles)

    shipped = parse(SHIPPED_DIR / "report.html")
    assert shipped.downloads.keys() == page.downloads.keys()
    for name, frame in page.downloads.items():
        pd.testing.assert_frame_equal(shipped.downloads[name], frame)


@pytest.mark.slow(seconds=40)
@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("calibrate.seed=-1", "calibrate.seed = -1: expected a whole number >= 0"),
        ("calibrate.check_seeds=0", "calibrate.check_seeds = 0: expected a whole number >= 1"),
        ("calibrate.population=-5", "calibrate.population = -5: expected a whole number >= 1"),
        ("calibrate.budget=1e-9", "= 0 particles a generation: expected at least 4"),
    ],
)
def test_calibration_options_are_checked_before_any_simulation(
    tmp_path: Path, option: str, message: str
) -> None:
    proc = run_cli("experiment=calibrate", option, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Calibrating" not in proc.stdout
    assert not (tmp_path / "sweeps" / "calibrate" / "abc.db").exists()
