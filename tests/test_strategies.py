"""Labs' strategy evolution in the main model (docs/ODD.md §7.7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli, small

import sim
from sim.config import Benchmarking, PolicyConfig, StrategyConfig
from sim.model.metrics import strategy_share
from sim.model.strategies import (
    INDEX,
    STRATEGIES,
    STRATEGY_CLASSES,
    adapt,
    payoff,
    revise,
    strategy_of,
)


def test_every_strategy_adopts_itself() -> None:
    model = sim.AccessModel(small())
    lab = model.lab("platform")
    for name, strategy in STRATEGIES.items():
        strategy.adopt(lab, eval_level=0.2, intensity=0.4)
        assert strategy_of(lab) == name
        assert (lab.eval_investment > 0) == (name == "in_house")
        assert lab.intensity == (0.4 if strategy.needs_access else 0.0)
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
                policy=PolicyConfig(name=policy, revoke_duration=None),
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


def evolving(**strategy: float) -> sim.AccessModel:
    """The small world with strategy evolution configured as asked (revising every month)."""
    return sim.AccessModel(small(strategy=StrategyConfig(adapt_every=1, **strategy)))


def test_a_lab_without_benchmarking_is_outside_the_strategy_set() -> None:
    """benchmarking=none is no strategy: it is no share, never revises and is never copied."""
    model = evolving(beta=1e6, mutation=0.0)
    loner = model.lab("open")
    loner.benchmarking = Benchmarking.none
    assert strategy_of(loner) is None
    assert sum(strategy_share(model).values()) == pytest.approx(4 / 5)
    for lab in model.labs:
        lab.revenue_since_revision = 0.0
    loner.revenue_since_revision = 10 * model.config.market.market_value
    for _ in range(10):
        adapt(model, model.rng)
        loner.revenue_since_revision = 10 * model.config.market.market_value
    assert loner.benchmarking is Benchmarking.none
    assert all(strategy_of(lab) is not None for lab in model.labs if lab is not loner)
    mutants = evolving(mutation=1.0)
    mutants.lab("open").benchmarking = Benchmarking.none
    for _ in range(10):
        adapt(mutants, mutants.rng)
        assert mutants.lab("open").benchmarking is Benchmarking.none


def test_a_mutant_draws_among_the_other_strategies_uniformly() -> None:
    n = len(STRATEGY_CLASSES)
    grid = (np.arange(300) + 0.5) / 300
    for current in range(n):
        drawn = [
            revise(
                current,
                current,
                0.0,
                0.0,
                beta=1.0,
                mutation=0.5,
                n_strategies=n,
                u_mutate=0.1,
                u_imitate=0.0,
                u_mutant=u,
            )
            for u in grid
        ]
        assert {r.how for r in drawn} == {"mutation"}
        tally = np.bincount([r.strategy for r in drawn], minlength=n)
        assert tally[current] == 0
        assert sorted(tally.tolist()) == [0] + [300 // (n - 1)] * (n - 1)


def test_every_mutation_in_the_model_changes_the_strategy() -> None:
    model = evolving(beta=0.0, mutation=1.0)
    for _ in range(12):
        before = [strategy_of(lab) for lab in model.labs]
        adapt(model, model.rng)
        after = [strategy_of(lab) for lab in model.labs]
        assert all(a != b for a, b in zip(before, after, strict=True))


def test_revise_is_the_fermi_rule_without_mutation() -> None:
    kwargs = {"beta": 0.5, "mutation": 0.0, "n_strategies": 4, "u_mutant": 0.0, "u_mutate": 0.3}
    p = 1 / (1 + np.exp(-0.5 * (3.0 - 1.0)))
    assert revise(1, 2, 1.0, 3.0, u_imitate=p - 1e-9, **kwargs) == (2, "imitation")
    assert revise(1, 2, 1.0, 3.0, u_imitate=p + 1e-9, **kwargs) == (1, "kept")
    assert revise(0, 3, 0.0, -1e6, u_imitate=0.0, **kwargs).how == "kept"  # no overflow
    assert revise(0, 3, 0.0, 1e6, u_imitate=1 - 1e-16, **kwargs).how == "imitation"


def test_imitation_copies_the_whole_strategy() -> None:
    """Mode, intensity and evaluation share come from the imitated lab, so no lab ends up
    'playing' distill while sending no traffic (the open lab starts with intensity 0)."""
    model = evolving(beta=1e6, mutation=0.0)
    best = model.lab("challenger")
    for lab in model.labs:
        lab.revenue_since_revision = 0.0
    assert model.lab("open").intensity == 0.0
    for _ in range(20):
        best.revenue_since_revision = 10 * model.config.market.market_value
        adapt(model, model.rng)
    for lab in model.labs:
        assert (lab.benchmarking, lab.intensity, lab.eval_investment) == (
            Benchmarking.distill,
            0.3,
            0.1,
        )


def test_a_mutant_needing_access_gets_the_mutant_intensity() -> None:
    model = evolving(beta=0.0, mutation=1.0, mutant_intensity=0.45)
    seen = set()
    for _ in range(12):
        adapt(model, model.rng)
        for lab in model.labs:
            name = strategy_of(lab)
            assert name is not None
            seen.add(name)
            needs = STRATEGIES[name].needs_access
            assert lab.intensity == (0.45 if needs else 0.0)
            cfg = model.config.strategy
            assert lab.eval_investment == (cfg.in_house_eval if name == "in_house" else 0.0)
    assert seen == set(STRATEGIES)


def test_strategy_indices_follow_the_registry() -> None:
    assert [INDEX[cls.name] for cls in STRATEGY_CLASSES] == list(range(len(STRATEGY_CLASSES)))
    assert set(INDEX) == set(STRATEGIES)
