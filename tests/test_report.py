"""The HTML report of a sweep: self-contained, complete, and true to the data."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import mesa
import numpy as np
import pandas as pd
import pytest
from helpers import REPO, cutoff, run_cli
from report_page import parse
from scipy import stats

import sim
import sim.experiment.provenance as provenance
from sim.analysis.estimates import FEW_PAIRS, effects, few_pairs_caveat
from sim.config import EventKind, PopulationConfig
from sim.experiment.run import execute, plan, sweep
from sim.experiment.status import sweep_status
from sim.experiment.store import ensure_manifest, load, read_provenance, run_files
from sim.report.build import build_report
from sim.report.html import fmt

AT, AFTER = 20, [3, 8]
PAIRED_FIGURES = {"fig-forest", "fig-timeseries_by_arm", "fig-effects", "fig-network"}


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small paired sweep: 4 pairs with and without a month-20 cutoff."""
    path = tmp_path_factory.mktemp("paired")
    config = sim.Config(
        population=PopulationConfig(n_developers=300), steps=30, scenario=cutoff(at=AT)
    )
    specs = plan(config, replicates=4, intervention=[EventKind.revoke_access])
    ensure_manifest(
        path,
        "test",
        {
            "experiment": "test",
            "overrides": [],
            "intervention": ["revoke_access"],
            "effects_after": AFTER,
            "jobs": 1,
            "planned_runs": len(specs),
        },
    )
    sweep(specs, path, n_jobs=2)
    build_report(path)
    return path


def test_the_report_is_self_contained_with_every_figure(paired: Path) -> None:
    page = parse(paired / "report.html")
    assert set(page.figures) == PAIRED_FIGURES
    assert len(page.images) == len(PAIRED_FIGURES)
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not page.external and not {"link", "script"} & page.tags
    for name in PAIRED_FIGURES:
        stem = paired / "report" / name.removeprefix("fig-")
        assert stem.with_suffix(".png").stat().st_size > 0
        assert stem.with_suffix(".svg").read_text().lstrip().startswith("<?xml")
    assert page.sections == [  # the answer first, how it was set up after
        "key-findings",
        "status",
        "figures",
        "setup",
        "provenance",
    ]
    assert page.status["data-partial"] == "false"
    text = " ".join(page.text)
    assert (
        "cutting off Rival preparing a launch (Incumbent API revoking its access at month 20)"
        in text
    ), "labs and providers by their readable names"
    prov = read_provenance(run_files(paired)[0])
    for value in (sim.__version__, mesa.__version__, np.__version__, prov["git_commit"]):
        assert str(value) in text
    assert "4 replicate seed(s) per point" in text


def _by_hand(path: Path, metric: str, step: int) -> tuple[float, float, np.ndarray]:
    """The levels without and with the intervention at `step` and the per-pair differences,
    read straight from the run files (one Parquet file per run)."""
    runs = pd.concat(pd.read_parquet(f) for f in sorted((path / "timeseries").glob("*.parquet")))
    at = runs[runs["step"] == step].set_index(["pair_id", "arm"])[metric].unstack("arm")
    return at["control"].mean(), at["treated"].mean(), (at["treated"] - at["control"]).to_numpy()


def test_key_findings_equal_levels_and_changes_recomputed_from_the_run_files(
    paired: Path,
) -> None:
    page = parse(paired / "report.html")
    assert [h["data-metric"] for h in page.headlines] == [
        "capability__rival",
        "capability__rival__coding",
        "frontier_capability",
        "downstream_innovation",
        "trust__incumbent_api",
        "open_weights_share",
        "hhi",
        "lab_share__incumbent",
        "coding_share__incumbent",
        "lead__incumbent",
        "developer_revenue__incumbent_api",
        "payoff__incumbent_api",
    ]
    step = AT + AFTER[-1]
    results = load(paired)
    for item in page.headlines:
        metric = item["data-metric"]
        assert int(item["data-step"]) == step
        without, with_, diffs = _by_hand(paired, metric, step)
        scale = 10_000 if metric == "hhi" else 1  # the HHI is shown in points
        assert len(diffs) == 4
        assert item["without"] == fmt(scale * without), metric
        assert item["with"] == fmt(scale * with_), metric
        assert item["effect"].lstrip("+") == fmt(scale * diffs.mean()), metric
        row = effects(results, metric, [AT + a for a in AFTER], seed=0).set_index("step").loc[step]
        assert row["ci_low"] <= diffs.mean() <= row["ci_high"]
        assert item["low"].lstrip("+") == fmt(scale * row["ci_low"]), metric
        assert item["high"].lstrip("+") == fmt(scale * row["ci_high"]), metric
        if without != 0 and item["data-verdict"] != "none":
            assert item["pct"].lstrip("+") == fmt(100 * diffs.mean() / abs(without)), metric
            assert item["pct_low"].lstrip("+") == fmt(100 * row["ci_low"] / abs(without))
        clear = row["ci_low"] > 0 or row["ci_high"] < 0
        verdict = ("raised" if diffs.mean() > 0 else "lowered") if clear else None
        assert item["data-verdict"] == verdict or (not clear and item["data-verdict"] != "raised")
    hhi = next(h for h in page.headlines if h["data-metric"] == "hhi")
    assert 1_000 < float(hhi["without"]) <= 10_000, "HHI in points, 0-10,000"
    trust = next(h for h in page.headlines if h["data-metric"] == "trust__incumbent_api")
    assert trust["data-verdict"] == "lowered", "the cutoff costs the revoking provider trust"
    assert "Incumbent API" in trust["text"], "providers by their readable names"
    covers = page.roles["covers"]
    assert "seed noise only" in covers and "4 pairs" in covers and "Only 4 pairs" in covers


def test_every_table_downloads_as_the_csv_of_what_it_shows(paired: Path) -> None:
    page = parse(paired / "report.html")
    assert set(page.downloads) == {
        "effects.csv",
        *(f"{f.removeprefix('fig-')}_data.csv" for f in PAIRED_FIGURES),
    }
    effects_table = next(t for t in page.tables if t[0][:2] == ["outcome", "unit"])
    header, rows = effects_table[0], effects_table[1:]
    csv = page.downloads["effects.csv"]
    assert list(csv.columns[: len(header)]) == header and len(csv) == len(rows)
    for row, (_, record) in zip(rows, csv.iterrows(), strict=True):
        for col, cell in zip(header, row, strict=True):
            value = record[col]
            shown = fmt(value) if isinstance(value, float) else str(value)
            assert cell == shown, (col, cell, value)
    assert (paired / "report" / "effects.csv").read_text() == csv.to_csv(index=False)
    hhi = csv[csv["metric"] == "hhi"]
    stored = load(paired).query("step == @AT + @AFTER[-1] and arm == 'control'")["hhi"].mean()
    assert hhi["without"].iloc[-1] == pytest.approx(10_000 * stored)
    arms = page.downloads["timeseries_by_arm_data.csv"]
    assert set(arms["arm"]) == {"treated", "control"} and "capability__rival" in set(arms["metric"])


def test_the_few_pairs_caveat_states_how_much_too_narrow_the_interval_is() -> None:
    """The stated width ratio matches a percentile bootstrap against a t interval."""
    rng = np.random.default_rng(3)
    n = 5
    ratios = []
    for _ in range(60):
        data = rng.normal(size=n)
        ci = stats.bootstrap(
            (data,), np.mean, method="percentile", n_resamples=2000, rng=rng
        ).confidence_interval
        t_width = 2 * stats.t.ppf(0.975, n - 1) * data.std(ddof=1) / np.sqrt(n)
        ratios.append((ci.high - ci.low) / t_width)
    caveat = few_pairs_caveat(n)
    assert caveat is not None
    stated = float(caveat.split("about ")[1].split("%")[0]) / 100
    assert np.median(ratios) == pytest.approx(stated, abs=0.08)
    assert few_pairs_caveat(1) is None and few_pairs_caveat(FEW_PAIRS) is None
    pair = np.array([0.3, 1.1])  # two pairs: the interval is their range
    ci = stats.bootstrap((pair,), np.mean, method="percentile", rng=rng).confidence_interval
    t_width = 2 * stats.t.ppf(0.975, 1) * pair.std(ddof=1) / np.sqrt(2)
    two = few_pairs_caveat(2)
    assert two is not None and (ci.low, ci.high) == (0.3, 1.1)
    assert f"about {(ci.high - ci.low) / t_width:.0%}" in two


@pytest.mark.parametrize("dirty", [False, True])
def test_runs_from_an_uncommitted_tree_are_flagged(
    dirty: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provenance, "git_dirty", lambda: dirty)
    specs = plan(sim.Config(population=PopulationConfig(n_developers=200), steps=6), 2)
    ensure_manifest(tmp_path, "test", {"experiment": "test", "planned_runs": len(specs)})
    sweep(specs, tmp_path)
    assert read_provenance(run_files(tmp_path)[0])["git_dirty"] is dirty
    text = build_report(tmp_path).read_text(encoding="utf-8")
    assert ("uncommitted changes" in text) is dirty


def test_a_partial_sweep_is_reported_as_partial(paired: Path, tmp_path: Path) -> None:
    copy = tmp_path / "partial"
    shutil.copytree(paired, copy, ignore=shutil.ignore_patterns("report*"))
    treated = load(copy, "summary").query("arm == 'treated'")["run_id"].iloc[0]
    (copy / "timeseries" / f"{treated}.parquet").unlink()
    status = sweep_status(copy)
    assert status.partial and status.finished == 7 and status.unpaired == 1
    page = parse(build_report(copy))
    assert page.status["data-partial"] == "true"
    text = " ".join(page.text)
    assert "PARTIAL" in text and "1 of 8 planned runs have not finished" in text
    assert "1 run(s) lack the other arm of their pair" in text
    assert "the mean over 3 pairs" in text and "3 pairs of runs" in page.roles["covers"]
    assert set(page.figures) == PAIRED_FIGURES


def test_an_empty_sweep_says_what_is_missing(tmp_path: Path) -> None:
    ensure_manifest(
        tmp_path,
        "empty",
        {"experiment": "x", "intervention": [], "planned_runs": 12, "overrides": ["seed=1"]},
    )
    page = parse(build_report(tmp_path))
    text = " ".join(page.text)
    assert page.status["data-partial"] == "true"
    assert "no run has finished yet (0 of 12 planned)" in text and "seed=1" in text
    assert page.figures == []


def test_figures_drawn_in_worker_processes_have_the_bytes_drawn_one_by_one(
    paired: Path, tmp_path: Path
) -> None:
    """The report's figures drawn on two worker processes give the page and the figure
    files of drawing them one at a time in this process, byte for byte, in order, under
    this process's matplotlib settings (a non-default one here changes every SVG)."""
    pages = {}
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        for n_jobs in (1, 2):
            out = tmp_path / f"jobs{n_jobs}" / "report.html"
            out.parent.mkdir()
            build_report(paired, out, n_jobs=n_jobs)
            generated = re.compile(r"Generated [0-9-]+ [0-9:]+ UTC")
            pages[n_jobs] = generated.sub("", out.read_text(encoding="utf-8"))
    assert "accessrace-pending-figure" not in pages[2]
    assert pages[1] == pages[2]
    serial = sorted((tmp_path / "jobs1" / "report").iterdir())
    drawn = sorted((tmp_path / "jobs2" / "report").iterdir())
    assert [p.name for p in serial] == [p.name for p in drawn]
    assert {p.suffix for p in serial} == {".png", ".svg", ".csv"}
    for one, other in zip(serial, drawn, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name
    assert "<text" in (tmp_path / "jobs2" / "report" / "forest.svg").read_text()


def test_drawing_in_workers_leaves_joblib_parallel_working_in_the_process(
    paired: Path, tmp_path: Path
) -> None:
    """A report drawn on worker processes stops its own pool and leaves loky's reusable
    executor to joblib: a Parallel afterwards in the same process (as a sweep, a design or
    a second report runs) still works. A pool taken from loky's reusable executor broke the
    next Parallel with an AttributeError."""
    from joblib import Parallel, delayed

    build_report(paired, tmp_path / "r.html", n_jobs=2)
    squares = Parallel(n_jobs=2, backend="loky")(delayed(pow)(k, 2) for k in range(4))
    assert squares == [0, 1, 4, 9]


def test_a_slow_part_of_the_page_is_computed_on_a_worker_and_its_error_read_here(
    tmp_path: Path,
) -> None:
    """`FigureEmbedder.start` computes on the drawing workers when there are any (another
    process, while this one goes on), here when there are none, and in both cases a
    failure is raised where the result is read, as the section expects."""
    import os

    from sim.report.html import FigureEmbedder

    for n_jobs, elsewhere in ((1, False), (2, True)):
        figures = FigureEmbedder(tmp_path / f"jobs{n_jobs}", n_jobs=n_jobs)
        try:
            pid = figures.start(os.getpid)
            failing = figures.start(int, "not a number")
            assert (pid.result() != os.getpid()) is elsewhere
            with pytest.raises(ValueError, match="not a number"):
                failing.result()
        finally:
            figures.close()


@pytest.mark.slow(seconds=60)
def test_the_report_command(paired: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    cmd = [sys.executable, "-m", "experiments.report", str(paired), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out) and set(parse(out).figures) == PAIRED_FIGURES
    bad = subprocess.run(
        [sys.executable, "-m", "experiments.report", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert bad.returncode == 2 and "not a sweep directory" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.slow(seconds=60)
def test_the_archetype_job_writes_its_report(tmp_path: Path) -> None:
    proc = run_cli(
        "experiment=archetype",
        "sweep.replicates=2",
        "population.n_developers=300",
        "steps=30",
        "sweep.effects_after=[3,6]",
        f"hydra.sweep.dir={tmp_path / 'f'}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "f" / "report.html"
    assert f"[accessrace] report: {report}" in proc.stdout
    assert "Caution: Only 2 pairs" in proc.stdout
    page = parse(report)
    assert set(page.figures) == PAIRED_FIGURES
    effects_csv = pd.read_csv(tmp_path / "f" / "effects.csv")
    last = effects_csv[effects_csv["months_after"] == 6].set_index("metric")
    for item in page.headlines:
        row = last.loc[item["data-metric"]]
        scale = 10_000 if item["data-metric"] == "hhi" else 1  # effects.csv: stored scale
        assert item["effect"].lstrip("+") == fmt(scale * row["effect"]), item["data-metric"]


def test_a_mixed_sweep_is_flagged_and_still_reported(tmp_path: Path) -> None:
    base = sim.Config(population=PopulationConfig(n_developers=300), steps=30)
    pair = plan(base.replace(scenario=cutoff(at=AT)), 1, [EventKind.revoke_access])
    single = plan(base.replace(seed=5), 1)
    ensure_manifest(
        tmp_path,
        "mixed",
        {
            "experiment": "x",
            "intervention": ["revoke_access"],
            "effects_after": AFTER,
            "planned_runs": 3,
        },
    )
    for spec in [*pair, *single]:
        execute(spec, tmp_path)
    status = sweep_status(tmp_path)
    assert status.finished == 3 and status.mixed and not status.partial
    text = " ".join(status.messages())
    assert "mix scenarios ['custom', 'cutoff']" in text and "paired and unpaired" in text
    page = parse(build_report(tmp_path))
    assert page.status["data-mixed"] == "true" and "MIXED" in " ".join(page.text)
    assert {h["data-verdict"] for h in page.headlines} == {"unknown"}, "one pair: no CI"
    assert "fig-network" in page.figures
