"""Labs' strategy evolution in the main model (docs/ODD.md §7.7)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from helpers import run_cli, small

import sim
from sim.config import PolicyConfig, StrategyConfig
from sim.model.strategies import STRATEGIES, STRATEGY_CLASSES, adapt, payoff, strategy_of


def test_every_strategy_adopts_itself() -> None:
    model = sim.AccessModel(small())
    lab = model.lab("platform")
    for name, strategy in STRATEGIES.items():
        strategy.adopt(lab, 0.2)
        assert strategy_of(lab) == name
        assert (lab.eval_investment > 0) == (name == "in_house")
    assert {cls.name for cls in STRATEGY_CLASSES} == set(STRATEGIES)
    assert {s.name for s in STRATEGIES.values() if s.needs_access} == {"rival_api", "distill"}


def test_fixed_strategies_when_adaptation_is_off() -> None:
    ts = sim.run(small(), figures=False).timeseries
    assert ts["strategy_changes"].sum() == 0
    assert ts["strategy_share__distill"].nunique() == 1


def test_strong_selection_copies_the_better_lab() -> None:
    """With beta large and no mutation, every lab ends up on the best lab's strategy."""
    config = small(strategy=StrategyConfig(adapt_every=1, beta=1e6, mutation=0.0))
    model = sim.AccessModel(config)
    best = model.lab("challenger")
    for lab in model.labs:
        lab.revenue_since_revision = 0.0
    best.revenue_since_revision = 10 * config.market.market_value
    best_payoff = payoff(model, best)
    assert all(payoff(model, lab) < best_payoff for lab in model.labs if lab is not best)
    for _ in range(20):
        adapt(model, model.rng)
        best.revenue_since_revision = 10 * config.market.market_value
    assert {strategy_of(lab) for lab in model.labs} == {"distill"}


def test_neutral_drift_and_mutation_are_logged() -> None:
    config = small(strategy=StrategyConfig(adapt_every=2, beta=0.0, mutation=1.0), steps=24)
    ev = sim.run(config, figures=False).events
    changes = ev[ev["kind"] == "strategy_change"]
    assert len(changes) > 5 and changes["reason"].str.contains("mutation").all()
    assert set(changes["step"]) <= set(range(2, 25, 2))


def test_evolution_is_deterministic_under_a_seed() -> None:
    config = small(seed=3, strategy=StrategyConfig(adapt_every=3))
    a, b = (sim.run(config, figures=False).events for _ in range(2))
    pd.testing.assert_frame_equal(a, b)


def test_revocation_prone_benchmarking_pushes_labs_toward_in_house_evaluation() -> None:
    """Where benchmarking through rivals' APIs gets labs revoked, fewer labs rely on it and
    more evaluate in house than where access is never restricted (10 seeds each)."""
    share = {}
    for policy in ("permissive", "revoke_on_detection"):
        finals = []
        for seed in range(10):
            config = small(
                seed=seed,
                steps=60,
                policy=PolicyConfig(name=policy),
                strategy=StrategyConfig(adapt_every=3),
            )
            ts = sim.run(config, figures=False).timeseries.iloc[-12:]
            finals.append(
                ts[
                    [
                        "strategy_share__in_house",
                        "strategy_share__rival_api",
                        "strategy_share__distill",
                    ]
                ].mean()
            )
        share[policy] = pd.DataFrame(finals).mean()
    open_, closed = share["permissive"], share["revoke_on_detection"]
    assert closed["strategy_share__in_house"] > open_["strategy_share__in_house"] + 0.1
    access = ["strategy_share__rival_api", "strategy_share__distill"]
    assert closed[access].sum() < open_[access].sum() - 0.1


def test_dsair_experiment_writes_the_maps(tmp_path: Path) -> None:
    out = tmp_path / "d"
    proc = run_cli(
        "experiment=dsair",
        "dsair.s_points=6",
        "dsair.pr_points=11",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    grid = pd.read_parquet(out / "dsair_map.parquet")
    assert len(grid) == 2 * 6 * 11 and set(grid["W"]) == {100.0, 1e6}
    assert grid["unsafe_frequency"].between(0, 1).all()
    assert (out / "dsair_map.png").read_bytes()[:4] == b"\x89PNG"
    early = grid[grid["W"] == 100.0]
    assert early.loc[early["p_r"] < early["risk_threshold"] - 0.05, "unsafe_frequency"].min() > 0.9
    bad = run_cli("experiment=dsair", "dsair.Z=1", f"hydra.run.dir={tmp_path / 'x'}", cwd=tmp_path)
    assert bad.returncode == 2 and "Z" in bad.stderr and "Traceback" not in bad.stderr
