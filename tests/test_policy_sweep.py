"""experiment=policy_sweep: policies x monitoring x benchmarking share, and its report."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import REPO, run_cli
from hydra import compose, initialize_config_dir
from report_page import parse

from experiments.main import CONFIG_DIR
from sim import Config
from sim.analysis.contrasts import reference_differences, ties
from sim.analysis.estimates import group_estimates, run_outcomes
from sim.experiment.store import load, read_manifest
from sim.report.html import fmt

POLICIES = [p.stem for p in (REPO / "configs" / "policy").glob("*.yaml") if p.stem != "strategic"]
"""The six rule-based policies the sweep compares; `strategic` weighs each provider's
stakes, which its own experiments (docs/HYPOTHESES.md) set up."""


def test_the_experiment_sweeps_six_policies_five_monitoring_levels_three_shares() -> None:
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose("config", overrides=["experiment=policy_sweep"], return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    assert sorted(params["policy"].split(",")) == sorted(POLICIES) and len(POLICIES) == 6
    assert params["monitoring"].split(",") == ["x0", "x0.05", "x0.25", "x1", "x4"]
    assert params["benchmarking"].split(",") == [
        "rival_api_0pct",
        "rival_api_40pct",
        "rival_api_80pct",
    ]
    assert cfg.sweep.replicates >= 3 and cfg.scenario.name == "baseline"
    assert cfg.hydra.mode.name == "MULTIRUN"


@pytest.mark.parametrize("option", ["x0", "x0.05", "x0.25", "x1", "x4"])
def test_monitoring_options_scale_every_provider(
    composer: Callable[..., Config], option: str
) -> None:
    base, scaled = composer(), composer(f"monitoring={option}")
    factor = float(option.removeprefix("x"))
    for name, provider in base.providers.items():
        assert scaled.providers[name].monitoring == pytest.approx(factor * provider.monitoring)


@pytest.mark.parametrize(("share", "users"), [(0, 0), (40, 2), (80, 4)])
def test_benchmarking_options_set_the_share_of_labs_on_rival_apis(
    composer: Callable[..., Config], share: int, users: int
) -> None:
    config = composer(f"benchmarking=rival_api_{share}pct")
    modes = {n: lab.benchmarking.value for n, lab in config.labs.items()}
    assert sum(m == "rival_api" for m in modes.values()) == users == share * len(modes) // 100
    assert modes["challenger"] == "distill", "the distiller is held fixed across the sweep"
    for lab in config.labs.values():
        assert (lab.intensity > 0) == (lab.benchmarking.value in ("rival_api", "distill"))


class Numbers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self.values: dict[tuple[str, str], str] = {}
        self._group: str | None = None
        self._role: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "figure":
            self.figures.append(a["id"])
        if tag == "li" and "data-group" in a:
            self._group = a["data-group"]
        if tag == "span" and a.get("class") == "num":
            self._role = a["data-role"]

    def handle_endtag(self, tag: str) -> None:
        self._role = None if tag == "span" else self._role
        self._group = None if tag == "li" else self._group

    def handle_data(self, data: str) -> None:
        if self._group is not None and self._role is not None:
            self.values[self._group, self._role] = data


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three policies (tit_for_tat never strikes first) x 2 monitoring x 2 shares x 2 seeds."""
    tmp_path = tmp_path_factory.mktemp("policy")
    proc = run_cli(
        "experiment=policy_sweep",
        "policy=permissive,revoke_on_detection,tit_for_tat",
        "monitoring=x0,x4",
        "benchmarking=rival_api_0pct,rival_api_80pct",
        "sweep.replicates=2",
        "population.n_developers=300",
        "steps=30",
        f"hydra.sweep.dir={tmp_path / 'p'}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "p"


@pytest.mark.slow(seconds=60)
def test_a_small_policy_sweep_reports_heatmaps_and_the_frontier(small_sweep: Path) -> None:
    sweep_dir = small_sweep
    assert read_manifest(sweep_dir)["planned_runs"] == 24
    page = Numbers()
    page.feed((sweep_dir / "report.html").read_text())
    assert set(page.figures) == {
        "fig-forest",
        "fig-frontier",
        "fig-heatmap_innovation",
        "fig-heatmap_trust",
        "fig-timeseries",
    }
    outcomes = run_outcomes(load(sweep_dir), ["developer_trust"], ["downstream_innovation"])
    est = group_estimates(
        outcomes,
        "param__policy",
        ["mean_downstream_innovation", "developer_trust"],
        ["param__monitoring", "param__benchmarking"],
    ).set_index(["param__policy", "metric"])
    for policy in ("permissive", "revoke_on_detection"):
        inn = est.loc[(policy, "mean_downstream_innovation")]
        trust = est.loc[(policy, "developer_trust")]
        assert page.values[policy, "innovation"] == fmt(inn["mean"])
        assert page.values[policy, "innovation_low"] == fmt(inn["ci_low"])
        assert page.values[policy, "trust"] == fmt(trust["mean"])
        assert page.values[policy, "trust_high"] == fmt(trust["ci_high"])
    assert (
        est.loc[("permissive", "developer_trust"), "mean"]
        > est.loc[("revoke_on_detection", "developer_trust"), "mean"]
    ), "revocations cost the providers developers' trust"


def test_policies_are_compared_with_the_reference_on_shared_seeds(small_sweep: Path) -> None:
    """Differences recomputed by hand from the run files: per cell (monitoring, share) and
    seed, a policy's run minus permissive's, averaged over seeds, then over cells."""
    runs = pd.concat(
        pd.read_parquet(f) for f in sorted((small_sweep / "timeseries").glob("*.parquet"))
    )
    keys = ["param__monitoring", "param__benchmarking", "seed"]
    last = runs[runs["step"] == runs["step"].max()].set_index([*keys, "param__policy"])
    page = parse(small_sweep / "report.html")
    table = page.downloads["differences.csv"].set_index(["id_group", "id_metric"])
    for metric in ("developer_trust", "lead__incumbent"):
        wide = last[metric].unstack("param__policy")
        by_hand = (wide["revoke_on_detection"] - wide["permissive"]).groupby(level=[0, 1]).mean()
        row = table.loc[("revoke_on_detection", metric)]
        assert row["difference"] == pytest.approx(by_hand.mean(), rel=1e-12, abs=1e-15)
        assert row["CI low"] <= row["difference"] <= row["CI high"]
        assert row["pairs"] == len(wide)
    months = runs[runs["step"] >= 1].groupby([*keys, "param__policy"])
    payoff = months["payoff__incumbent_api"].mean().unstack("param__policy")
    by_hand = (payoff["revoke_on_detection"] - payoff["permissive"]).groupby(level=[0, 1]).mean()
    row = table.loc[("revoke_on_detection", "mean_payoff__incumbent_api")]
    assert row["difference"] == pytest.approx(by_hand.mean(), rel=1e-12, abs=1e-15)
    text = " ".join("".join(page.text).split())
    assert "permissive and tit for tat tie" in text and "no provider revoked anyone" in text
    assert (table.loc["tit_for_tat", ["difference", "CI low", "CI high"]] == 0).all().all()
    assert "Highest innovation: permissive = tit for tat" in text or (
        "Highest innovation: revoke on detection" in text
    ), "a tie is never ranked"
    assert "the revoking provider is Incumbent API" in text


def test_pairing_on_shared_seeds_removes_the_seed_noise_from_the_interval() -> None:
    """Seeds move the outcome by ~10, the policy by 0.1: only pairs at the same seed and
    cell see the 0.1 through the noise."""
    rng = np.random.default_rng(4)
    noise = {(c, s): 10 * rng.normal() for c in (0, 1) for s in range(8)}
    rows = [
        {"p": p, "cell": c, "seed": s, "y": noise[c, s] + (0.1 if p == "b" else 0.0)}
        for p in ("a", "b")
        for c in (0, 1)
        for s in range(8)
    ]
    row = reference_differences(pd.DataFrame(rows), "p", ["y"], "a", ["cell"]).iloc[0]
    assert row["group"] == "b" and row["difference"] == pytest.approx(0.1)
    assert row["ci_low"] == pytest.approx(0.1) and row["ci_high"] == pytest.approx(0.1)
    assert row["n_pairs"] == 16 and row["cells"] == 2


def test_tied_policies_are_found_and_a_difference_breaks_a_tie() -> None:
    rows = [
        {"p": p, "cell": c, "seed": s, "y": 1.0 + s + (0.5 if p == "c" and c == 1 else 0)}
        for p in ("a", "b", "c")
        for c in (0, 1)
        for s in (1, 2)
    ]
    frame = pd.DataFrame(rows)
    assert ties(frame, "p", ["y"], ["cell"]) == [["a", "b"]]
    frame.loc[(frame["p"] == "b") & (frame["seed"] == 2), "y"] += 1e-9
    assert ties(frame, "p", ["y"], ["cell"]) == []


def test_the_efficient_frontier_keeps_ties() -> None:
    from sim.analysis.estimates import pareto_front

    points = pd.DataFrame({"x": [1.0, 1.0 + 1e-15, 0.5, 2.0, 0.2], "y": [0.8, 0.8, 0.9, 0.1, 0.1]})
    assert pareto_front(points, "x", "y") == [2, 0, 1, 3]
