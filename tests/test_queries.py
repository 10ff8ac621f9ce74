"""Read-only queries: the effects and report commands never write into the sweep they read,
and nonsense asked of them, or of sim.analysis.estimates, is refused in one line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import cutoff

import sim
from experiments.effects import main as effects_main
from experiments.outcome import EFFECTS_CSV, report_effects
from experiments.report import main as report_main
from sim.analysis.estimates import effects, group_ci, horizon_effects
from sim.config import EventKind, PopulationConfig
from sim.experiment.run import plan, sweep
from sim.experiment.store import ensure_manifest, load, load_config

AT = 12
REVOKE = [EventKind.revoke_access]


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished paired sweep (3 pairs, a cutoff at month 12 of 20) with its effects.csv."""
    path = tmp_path_factory.mktemp("paired")
    config = sim.Config(
        population=PopulationConfig(n_developers=300), steps=20, scenario=cutoff(at=AT)
    )
    specs = plan(config, replicates=3, intervention=REVOKE)
    ensure_manifest(
        path,
        "test",
        {"intervention": ["revoke_access"], "effects_after": [3, 6], "planned_runs": 6},
    )
    sweep(specs, path)
    report_effects(path, csv=path / EFFECTS_CSV)
    return path


def snapshot(path: Path) -> dict[str, tuple[int, bytes] | None]:
    """Every file and folder under `path`: its bytes and modification time."""
    return {
        str(p.relative_to(path)): (p.stat().st_mtime_ns, p.read_bytes()) if p.is_file() else None
        for p in sorted(path.rglob("*"))
    }


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` and everything in it without write permission (binding unless run as root;
    the snapshot comparison is what checks that nothing was written)."""
    items = [path, *path.rglob("*")]
    modes = {p: p.stat().st_mode for p in items}
    for p in items:
        p.chmod(modes[p] & 0o555)
    try:
        yield
    finally:
        for p in reversed(items):
            p.chmod(modes[p])


def test_queries_of_a_read_only_sweep_write_nothing_into_it(
    paired: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(paired)
    out = tmp_path / "mine.html"
    with read_only(paired):
        assert effects_main([str(paired), "--after", "2", "--metric", "developer_trust"]) == 0
        assert "2 months after: the intervention" in capsys.readouterr().out
        assert report_main([str(paired), "--out", str(out)]) == 0
        assert report_main([str(paired), "--out", str(out)]) == 0  # its own page: rewritten
    assert capsys.readouterr().out.strip().splitlines() == [str(out)] * 2
    assert snapshot(paired) == before, "effects.csv, report.html and report/ untouched"
    assert out.stat().st_size > 0 and list((tmp_path / "mine").glob("*.png"))
    if hasattr(os, "umask"):
        mask = os.umask(0)
        os.umask(mask)
        assert out.stat().st_mode & 0o777 == 0o666 & ~mask, "the page respects the umask"


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("effects", ["--after", "-1"], "after = [-1]: months before the intervention"),
        ("effects", ["--after", "3", "9"], "after = [9]: beyond the end of the runs; expected "),
        ("effects", ["--metric", "seed"], "metric = 'seed': not an outcome (it identifies runs)"),
        ("effects", ["--metric", "scenario"], "metric = 'scenario': not an outcome"),
        ("effects", ["--metric", "nonesuch"], "metric = 'nonesuch': not in the results"),
        ("report", ["--out", "{tmp}/missing/r.html"], "missing does not exist; create it"),
        ("report", ["--out", "{tmp}"], "is a folder; give a file in it"),
        ("report", ["--out", "{run}"], "is inside the sweep directory"),
        ("report", ["--out", "{sweep}/manifest.json"], "is inside the sweep directory"),
        ("report", ["--out", "{sweep}/timeseries/x.html"], "is inside the sweep directory"),
        ("report", ["--out", "{link}/manifest.json"], "is inside the sweep directory"),
        ("report", ["--out", "{foreign}"], "exists and is not a report this command wrote"),
    ],
)
def test_a_nonsense_query_is_refused_in_one_line(
    paired: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    args: list[str],
    message: str,
) -> None:
    foreign = tmp_path / "notes.html"
    foreign.write_text("<html>my notes</html>")
    link = tmp_path / "link"
    link.symlink_to(paired, target_is_directory=True)
    run = next((paired / "timeseries").glob("*.parquet"))
    before = snapshot(paired)
    main = effects_main if command == "effects" else report_main
    where = {"tmp": tmp_path, "sweep": paired, "link": link, "foreign": foreign, "run": run}
    assert main([str(paired), *(a.format(**where) for a in args)]) == 2
    assert foreign.read_text() == "<html>my notes</html>"
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert snapshot(paired) == before
    assert not (tmp_path / "missing").exists()


def test_estimates_refuse_steps_confidence_and_metrics_they_cannot_answer(
    paired: Path,
) -> None:
    results = load(paired)
    table = effects(results, "developer_trust", steps=[AT, 20])
    assert list(table["step"]) == [AT, 20] and table["effect"].notna().all()
    with pytest.raises(
        ValueError, match=r"steps = \[21\]: not in the paired results, which hold months 0 to 20"
    ):
        effects(results, "developer_trust", steps=[AT, 21])
    with pytest.raises(ValueError, match=r"steps = \[\]"):
        effects(results, "developer_trust", steps=[])
    for confidence in (0.0, 1.0, 95.0, float("nan")):
        with pytest.raises(ValueError, match=r"confidence = .*: expected a number in \(0, 1\)"):
            effects(results, "developer_trust", confidence=confidence)
        with pytest.raises(ValueError, match="confidence"):
            group_ci(results, "developer_trust", "arm", confidence=confidence)
    for metric in ("scenario", "arm", "replicate"):
        with pytest.raises(ValueError, match=f"metric = '{metric}': not an outcome"):
            effects(results, metric)
    treated = results.loc[results["arm"] == "treated", "run_id"].iloc[0]
    config = load_config(paired, str(treated))
    with pytest.raises(ValueError, match=r"after = \[-2\]"):
        horizon_effects(results, config, REVOKE, [-2, 3])
    with pytest.raises(ValueError, match=r"after = \[30\]: beyond"):
        horizon_effects(results, config, REVOKE, [3, 30], strict=True)
    table, at = horizon_effects(results, config, REVOKE, [3, 30])
    assert at == AT and set(table["months_after"]) == {3}, "a sweep's own horizons drop"
