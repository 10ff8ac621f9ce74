"""The model's structure and the mechanisms a modeller would check first."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from helpers import cutoff, small
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.config import (
    Benchmarking,
    LabConfig,
    Openness,
    PolicyConfig,
    PopulationConfig,
    ProviderConfig,
)
from sim.model import AccessState, APIProvider, Developer, Lab
from sim.model.network import watts_strogatz_edges
from sim.model.policies import POLICIES, Action, Decision
from sim.model.population import row_pick

REVOKE = Decision(Action.REVOKE, "test")


def test_agents_and_networks() -> None:
    model = sim.AccessModel(small())
    assert len(model.agents_by_type[Developer]) == 600
    assert len(model.agents_by_type[Lab]) == 5
    assert len(model.agents_by_type[APIProvider]) == 4
    dev = model.agents_by_type[Developer].to_list()[7]
    assert dev.index == 7 and set(dev.trust) == {p.name for p in model.providers}
    assert isinstance(model.social_graph, nx.Graph) and model.social_graph.number_of_nodes() == 600
    assert isinstance(model.lab_trust, nx.DiGraph) and isinstance(model.access_graph, nx.DiGraph)
    weights = [w for *_, w in model.lab_trust.edges(data="weight")]
    assert len(weights) == 20 and all(0 <= w <= 1 for w in weights)


def test_step_runs_the_phases_in_design_order(monkeypatch: pytest.MonkeyPatch) -> None:
    model = sim.AccessModel(small())
    calls: list[str] = []
    phases = [
        "expire_restrictions",
        "research",
        "release",
        "monitor_clients",
        "inform_developers",
        "choose_providers",
        "settle_accounts",
        "record",
    ]
    for name in phases:
        original = getattr(model, name)

        def spy(*a: object, _name: str = name, _orig: object = original, **k: object) -> None:
            calls.append(_name)
            _orig(*a, **k)  # type: ignore[operator]

        monkeypatch.setattr(model, name, spy)
    model.step()
    assert calls == phases


def test_social_graph_is_seeded_from_the_model_rng() -> None:
    a, b, c = (sim.AccessModel(small(seed=s)).social_graph for s in (1, 1, 2))
    assert set(a.edges) == set(b.edges) and set(a.edges) != set(c.edges)


@pytest.mark.parametrize("rewiring", [0.0, 0.1, 0.5])
def test_social_graph_is_a_watts_strogatz_small_world(rewiring: float) -> None:
    """The batch generator builds the graph networkx's generator builds (the lattice
    exactly; with rewiring, the same degree spread and clustering up to sampling noise)."""
    n, k = 4000, 6
    edges = watts_strogatz_edges(n, k, rewiring, np.random.default_rng(5))
    ours = nx.Graph(edges.tolist())
    ref = nx.watts_strogatz_graph(n, k, rewiring, seed=5)
    assert len(edges) == ours.number_of_edges() == n * k // 2
    assert nx.number_of_selfloops(ours) == 0
    if rewiring == 0:
        assert {frozenset(e) for e in ours.edges} == {frozenset(e) for e in ref.edges}
    clustering = nx.average_clustering(ours), nx.average_clustering(ref)
    assert clustering[0] == pytest.approx(clustering[1], abs=0.02)
    spread = np.std([d for _, d in ours.degree]), np.std([d for _, d in ref.degree])
    assert spread[0] == pytest.approx(spread[1], abs=0.1)


@pytest.mark.parametrize(
    ("n", "k", "rewiring"), [(6, 2, 1.0), (8, 4, 0.5), (8, 6, 0.9), (12, 8, 0.7)]
)
def test_small_dense_social_graphs_keep_every_tie_and_repeat_none(
    n: int, k: int, rewiring: float
) -> None:
    for seed in range(200):
        edges = watts_strogatz_edges(n, k, rewiring, np.random.default_rng(seed)).tolist()
        assert len(edges) == n * k // 2
        assert len({frozenset(e) for e in edges}) == len(edges)
        assert all(a != b for a, b in edges)


def test_row_pick_reads_one_entry_per_row_in_either_memory_order() -> None:
    rng = np.random.default_rng(0)
    for table in (
        rng.random((50, 5)),
        np.asfortranarray(rng.random((50, 5))),
        rng.random((50, 6))[:, [0, 2, 3, 5]],  # a column gather: Fortran order
        rng.random((50, 8))[:, ::2],  # neither order
    ):
        column = rng.integers(0, table.shape[1], 50)
        assert np.array_equal(row_pick(table, column), table[np.arange(50), column])


def two_lab_world(cloud_hosts_incumbent: bool) -> sim.Config:
    """An incumbent and a rival that benchmarks it; optionally a marketplace route too."""
    labs = {
        "incumbent": LabConfig(capability={"coding": 2.0, "reasoning": 2.0, "general": 2.0}),
        "rival": LabConfig(benchmarking=Benchmarking.rival_api, intensity=1.0),
    }
    providers = {
        "incumbent_api": ProviderConfig(hosts=("incumbent",), owner="incumbent"),
        "rival_api": ProviderConfig(hosts=("rival",), owner="rival"),
    }
    if cloud_hosts_incumbent:
        providers["cloud"] = ProviderConfig(hosts=("incumbent",))
    return small(labs=labs, providers=providers, scenario=cutoff(at=5, duration=10), steps=20)


@pytest.mark.parametrize("route", [False, True])
def test_revocation_blocks_api_spillover_unless_another_route(route: bool) -> None:
    ts = sim.run(two_lab_world(cloud_hosts_incumbent=route), figures=False).timeseries
    spill = ts.set_index("step")["spillover__rival__rival_api"]
    assert (spill.loc[1:4] > 0).all()
    if route:
        assert (spill.loc[5:14] > 0).all(), "the marketplace still serves the incumbent"
    else:
        assert (spill.loc[5:14] == 0).all(), "no spillover while revoked"
    assert (spill.loc[15:] > 0).all(), "access returns when the revocation expires"


def test_routes_skip_revoked_providers() -> None:
    model = sim.AccessModel(two_lab_world(cloud_hosts_incumbent=True))
    rival = model.lab("rival")
    assert [route[-1].name for route in model.routes(rival)] == ["incumbent_api"]
    model.provider("incumbent_api").restrict(model.lab("rival"), REVOKE, by_policy=False)
    assert [route[-1].name for route in model.routes(rival)] == ["cloud"]
    model.provider("cloud").restrict(model.lab("rival"), REVOKE, by_policy=False)
    assert model.routes(rival) == []


def test_revocation_lowers_aware_developers_trust_in_the_revoker() -> None:
    """Same seed with and without the cutoff (common random numbers)."""
    base = small(steps=14, population=PopulationConfig(n_developers=2000))
    with_cut = sim.simulate(base.replace(scenario=cutoff(at=12)))
    without = sim.simulate(base)
    p = with_cut.provider("incumbent_api")
    col = with_cut.providers.index(p)
    aware = with_cut.population.news[0].aware
    assert 0.2 < aware.mean() < 1.0
    t_with = with_cut.population.trust[aware, col]
    t_without = without.population.trust[aware, col]
    assert t_with.mean() < t_without.mean() - 0.02
    assert (t_with < t_without).mean() > 0.9
    # Developers who never heard the news keep (nearly) the same trust in it.
    unaware_gap = (
        without.population.trust[~aware, col].mean() - with_cut.population.trust[~aware, col].mean()
    )
    assert unaware_gap < (t_without.mean() - t_with.mean()) / 2


def test_when_trust_falls_the_open_weights_share_rises() -> None:
    calm = small(
        steps=30,
        scenario=cutoff(at=6),
        population=PopulationConfig(n_developers=2000, revocation_shock=0.0, bystander_shock=0.0),
    )
    shaken = calm.replace(
        population=dataclasses.replace(calm.population, revocation_shock=0.9, bystander_shock=0.5)
    )
    a = sim.run(calm, figures=False).timeseries.set_index("step")
    b = sim.run(shaken, figures=False).timeseries.set_index("step")
    assert (b.loc[7:, "developer_trust"] < a.loc[7:, "developer_trust"]).all()
    assert b.loc[10:, "open_weights_share"].mean() > a.loc[10:, "open_weights_share"].mean()


def test_launch_and_release_events() -> None:
    from sim.config import EventConfig, EventKind, ScenarioConfig

    scenario = ScenarioConfig(
        events=(
            EventConfig(kind=EventKind.launch, at=3, lab="rival", capability_jump=0.5),
            EventConfig(kind=EventKind.release_open_weights, at=4, lab="platform"),
            EventConfig(kind=EventKind.policy_change, at=5, provider="cloud", policy="preemptive"),
        )
    )
    model = sim.AccessModel(small(scenario=scenario, steps=6))
    model.step()
    model.step()
    before = model.lab("rival").capability.copy()
    model.step()  # month 3: the launch fires before research
    assert model.lab("rival").capability.min() >= 1.5 * before.min()
    model.step()
    assert model.lab("platform").openness is Openness.open_weights
    model.step()
    assert model.provider("cloud").policy.name == "preemptive"
    kinds = [(e["step"], e["kind"]) for e in model.event_log if e["kind"] != "detection"]
    assert (3, "launch") in kinds and (4, "release") in kinds and (5, "policy_change") in kinds


def test_safe_harbor_regulation_lifts_evaluation_but_not_distillation_revocations() -> None:
    from sim.config import EventConfig, EventKind, Regime, ScenarioConfig

    scenario = ScenarioConfig(
        events=(EventConfig(kind=EventKind.regulation, at=8, regime=Regime.safe_harbor),)
    )
    config = small(policy=PolicyConfig(name="preemptive"), scenario=scenario, steps=10)
    model = sim.simulate(config)
    for p in model.providers:
        for lab in model.labs:
            if lab.name == p.owner or not p.is_rival(lab.name):
                continue
            state = p.state_of(lab.name)
            distills = lab.benchmarking is Benchmarking.distill
            assert state is (AccessState.REVOKED if distills else AccessState.ALLOWED)


def test_reinstate_regulation_lifts_every_revocation() -> None:
    from sim.config import EventConfig, EventKind, Regime, ScenarioConfig

    scenario = ScenarioConfig(
        events=(EventConfig(kind=EventKind.regulation, at=3, regime=Regime.reinstate),)
    )
    model = sim.AccessModel(small(policy=PolicyConfig(name="preemptive"), scenario=scenario))
    model.step()
    assert any(s is AccessState.REVOKED for *_, s in model.access_graph.edges(data="state"))
    model.step()
    model.step()  # the court order fires before month 3, then preemption denies again
    months = {e["step"] for e in model.event_log if e["kind"] == "reinstatement"}
    assert months == {3}


def test_revocation_with_duration_expires() -> None:
    model = sim.simulate(small(scenario=cutoff(at=5, duration=4), steps=12))
    back = [e for e in model.event_log if e["kind"] == "reinstatement"]
    assert [(e["step"], e["actor"], e["target"]) for e in back] == [(9, "incumbent_api", "rival")]


valid_configs = st.builds(
    lambda seed, n, policy, shock, rate, noise, at, intensity, monitoring: small(
        seed=seed,
        steps=24,
        population=PopulationConfig(
            n_developers=n, revocation_shock=shock, revision_rate=rate, choice_noise=noise
        ),
        policy=PolicyConfig(name=policy),
        scenario=cutoff(at=at),
        labs={
            **sim.Config().labs,
            "rival": dataclasses.replace(sim.Config().labs["rival"], intensity=intensity),
        },
        providers={
            k: dataclasses.replace(p, monitoring=monitoring)
            for k, p in sim.Config().providers.items()
        },
    ),
    seed=st.integers(0, 2**31),
    n=st.integers(20, 400),
    policy=st.sampled_from(list(POLICIES)),
    shock=st.floats(0, 1),
    rate=st.floats(0, 1),
    noise=st.floats(0.01, 5),
    at=st.integers(1, 24),
    intensity=st.floats(0, 1),
    monitoring=st.floats(0, 20),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=valid_configs)
def test_invariants_hold_every_step(config: sim.Config) -> None:
    model = sim.AccessModel(config)
    for _ in range(config.steps):
        model.step()
        pop = model.population
        assert np.isclose(pop.shares().sum(), 1.0)
        assert np.all((pop.trust >= 0) & (pop.trust <= 1))
        assert np.all(np.isfinite(pop.utility))
        caps = np.array([lab.capability for lab in model.labs])
        assert np.all(np.isfinite(caps)) and np.all(caps > 0)
    ts = sim.run(config, figures=False).timeseries
    numeric = ts.drop(columns=["scenario"])
    assert not numeric.isna().any().any()
    shares = ts[[c for c in ts.columns if c.startswith("share__")]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert ts["hhi"].between(0, 1).all()
