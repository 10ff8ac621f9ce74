"""What a run writes, and that it never overwrites an earlier run."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import cutoff, small

import sim
from sim.model.metrics import ENTITY_REPORTERS, REPORTERS


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> sim.Result:
    out = tmp_path_factory.mktemp("run") / "cutoff"
    return sim.run(small(scenario=cutoff(at=10)), out)


def test_run_directory_holds_parquet_config_and_figures(written: sim.Result) -> None:
    path = written.path
    assert path is not None
    ts = pd.read_parquet(path / "timeseries.parquet")
    ev = pd.read_parquet(path / "events.parquet")
    assert len(ts) == written.config.steps + 1 and list(ts["step"]) == list(range(37))
    assert list(ev.columns) == ["step", "kind", "actor", "target", "reason", "value"]
    for fig in ("capability.png", "trust.png", "market_shares.png"):
        data = (path / "figures" / fig).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert sim.load(path).config == written.config
    assert not list(path.glob(".*.tmp")), "no temporary files left behind"


def test_timeseries_has_every_metric_per_lab_and_provider(written: sim.Result) -> None:
    ts, config = written.timeseries, written.config
    for name in REPORTERS:
        assert name in ts.columns
    for metric in ENTITY_REPORTERS:
        assert any(c.startswith(f"{metric}__") for c in ts.columns), metric
    for lab in config.labs:
        assert f"capability__{lab}" in ts.columns
        for d in config.domains:
            assert f"capability__{lab}__{d}" in ts.columns
    for p in config.providers:
        assert f"trust__{p}" in ts.columns and f"share__{p}" in ts.columns
    assert "share__self_host" in ts.columns and "capability_growth" in ts.columns
    long = written.long()
    assert set(long.columns) == {"step", "seed", "scenario", "metric", "entity", "value"}
    row = long[(long.metric == "trust") & (long.entity == "cloud") & (long.step == 3)]
    assert row["value"].item() == ts.loc[3, "trust__cloud"]


def test_event_log_records_the_revocation(written: sim.Result) -> None:
    ev = written.events
    rev = ev[ev["kind"] == "revocation"].iloc[0]
    assert (rev["step"], rev["actor"], rev["target"]) == (10, "incumbent_api", "rival")
    assert "scenario" in rev["reason"]
    assert written.timeseries.loc[10, "revocations_new"] == 1
    assert written.timeseries.loc[36, "revocations_active"] == 1
    assert (ev["kind"] == "detection").sum() == written.timeseries["detections"].sum()


def test_a_run_never_overwrites_an_earlier_run(written: sim.Result) -> None:
    path = written.path
    assert path is not None
    before = (path / "timeseries.parquet").read_bytes()
    with pytest.raises(sim.RunDirectoryError, match="already holds a run"):
        sim.run(small(seed=99), path)
    assert (path / "timeseries.parquet").read_bytes() == before


def test_metrics_are_consistent(written: sim.Result) -> None:
    ts = written.timeseries
    shares = ts[[c for c in ts.columns if c.startswith("share__")]]
    api = shares.drop(columns="share__self_host")
    expected_hhi = ((api.div(api.sum(axis=1), axis=0)) ** 2).sum(axis=1)
    assert (ts["hhi"] - expected_hhi).abs().max() < 1e-12
    caps = ts[[f"capability__{lab}" for lab in written.config.labs]]
    assert (ts["mean_capability"] - caps.mean(axis=1)).abs().max() < 1e-12
    assert (
        ts["open_or_multihoming_share"] - ts["open_weights_share"] - ts["multihoming_share"]
    ).abs().max() < 1e-12
