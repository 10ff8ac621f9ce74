"""Each model mechanism, in the smallest world where it decides the outcome, has the
direction and rough size docs/ODD.md §7 states (issue 12, item 10).

Every test here fails when its mechanism is switched off or its sign is flipped; the
golden snapshot only notices that something changed, these say what should happen.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import cutoff, small

import sim
from sim.config import Config, EventConfig, EventKind, MarketConfig, ScenarioConfig
from sim.model.policies import Action, Decision

AT = 6
"""The month of the scripted cutoff (incumbent_api revokes the rival)."""


def with_population(config: Config, **changes: object) -> Config:
    return config.replace(population=dataclasses.replace(config.population, **changes))


def stepped(config: Config, months: int) -> sim.AccessModel:
    model = sim.AccessModel(config)
    for _ in range(months):
        model.step()
    return model


def revoke_now(model: sim.AccessModel) -> None:
    """incumbent_api revokes the rival between two months: the news breaks at once."""
    decision = Decision(Action.REVOKE, "test", None)
    model.provider("incumbent_api").apply(model.lab("rival"), decision, by_policy=False)


# --- news and trust (ODD §7.3) ------------------------------------------------------------


def test_news_spreads_along_social_ties_and_reaches_nearly_everyone_within_months() -> None:
    """At a revocation the revoker's clients and `news_seed` of the rest hear; each later
    month an unaware developer with k aware neighbours hears with probability
    1 − (1 − news_transmission)^k. Without transmission nobody else ever hears."""
    config = small(steps=AT + 4, scenario=cutoff(at=AT))
    model = stepped(config, AT)
    pop = model.population
    (item,) = pop.news
    clients = model.population.shares()[model.provider_index("incumbent_api")]
    seed = config.population.news_seed
    direct = item.aware.mean()
    assert direct == pytest.approx(clients + seed * (1 - clients), abs=0.03)

    # The first month of spreading: as many new hearers as the ties predict.
    k = pop.adjacency @ item.aware.astype(float)
    p = 1 - (1 - config.population.news_transmission) ** k[~item.aware]
    before = item.aware.sum()
    model.step()
    new = item.aware.sum() - before
    assert abs(new - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())
    for _ in range(3):
        model.step()
    assert item.aware.mean() > 0.9 > 2 * direct

    silent = stepped(with_population(config, news_transmission=0.0), AT + 4)
    assert silent.population.news[0].aware.mean() == pytest.approx(direct)


def test_news_stops_spreading_after_news_horizon_months() -> None:
    """News is heard in the month it breaks and the `news_horizon` − 1 months after, then
    never again, though many have not heard it yet."""
    horizon = 4
    slow = with_population(
        small(steps=AT + 10, scenario=cutoff(at=AT)), news_transmission=0.1, news_horizon=horizon
    )
    reach = sim.run(slow, figures=False).timeseries.set_index("step")["news_reach"]
    assert (reach.loc[AT : AT + horizon - 1] > 0.05).all()
    assert (reach.loc[AT + horizon :] == 0).all()
    assert reach.sum() < 0.8  # stopped, not run out of listeners
    longer = with_population(slow, news_horizon=12)
    reach = sim.run(longer, figures=False).timeseries.set_index("step")["news_reach"]
    assert reach.loc[AT + horizon : AT + horizon + 3].min() > 0.02


@pytest.mark.parametrize("shock", [0.05, 0.2])
def test_a_revocation_costs_every_other_provider_bystander_shock_among_those_who_heard(
    shock: float,
) -> None:
    """Platform risk is contagious: hearing of a revocation multiplies a developer's
    reputation of every other provider by 1 − bystander_shock, so mean trust in each falls
    by about bystander_shock × the share who heard (times the reputation's weight)."""
    config = with_population(small(steps=4), bystander_shock=shock)
    w = config.population.satisfaction_weight
    model = stepped(config, 3)
    pop = model.population
    rep, trust = pop.reputation.copy(), pop.trust.copy()
    revoke_now(model)
    heard = pop.news[0].aware.mean()
    assert 0.2 < heard < 0.8
    revoker = model.provider_index("incumbent_api")
    for j in range(len(model.providers)):
        if j == revoker:
            continue
        fall = 1 - pop.reputation[:, j].mean() / rep[:, j].mean()
        assert fall == pytest.approx(shock * heard, rel=0.15)
        trust_fall = trust[:, j].mean() - pop.trust[:, j].mean()
        assert trust_fall == pytest.approx((1 - w) * shock * heard * rep[:, j].mean(), rel=0.15)

    calm = stepped(with_population(config, bystander_shock=0.0), 3)
    before = calm.population.reputation.copy()
    revoke_now(calm)
    others = np.arange(len(calm.providers)) != revoker
    assert np.array_equal(calm.population.reputation[:, others], before[:, others])
    assert not np.array_equal(calm.population.reputation, before)  # the revoker is hit


@pytest.mark.parametrize("exposure", [0.5, 1.0])
def test_developers_who_compete_with_the_revokers_lab_lose_one_plus_exposure_times_the_shock(
    exposure: float,
) -> None:
    """A developer whose product competes with the revoking provider's lab (and one built
    on the revoked lab's model) has more to fear: it loses (1 + exposure_multiplier) times
    the revocation shock of its reputation of the revoker."""
    config = with_population(
        small(steps=4), n_developers=2000, competes_share=0.5, exposure_multiplier=exposure
    )
    model = stepped(config, 3)
    pop = model.population
    col = model.provider_index("incumbent_api")
    before = pop.reputation[:, col].copy()
    revoke_now(model)
    heard = pop.news[0].aware
    loss = 1 - pop.reputation[:, col] / before
    competes = pop.competes_with == model.lab_index("incumbent")
    built_on = pop.model_lab == model.lab_index("rival")
    plain, rival = heard & ~competes & ~built_on, heard & competes & ~built_on
    assert plain.sum() > 50 and rival.sum() > 30 and (heard & built_on & ~competes).sum() > 10
    shock = config.population.revocation_shock
    assert loss[plain].mean() == pytest.approx(shock)
    assert loss[rival].mean() == pytest.approx((1 + exposure) * shock)
    assert loss[heard & built_on & ~competes].mean() == pytest.approx((1 + exposure) * shock)
    assert np.all(loss[~heard] == 0)


# --- access (ODD §7.1, §7.2) --------------------------------------------------------------


@pytest.mark.parametrize("factor", [0.2, 0.5])
def test_a_throttled_client_gets_throttle_factor_of_the_spillover_it_would_have_had(
    factor: float,
) -> None:
    """Same seed, the rival throttled by incumbent_api from month 5 or not: that month its
    spillover through incumbent_api (the provider's leakage) and its volume there are
    throttle_factor times the unthrottled ones."""
    throttle = EventConfig(
        kind=EventKind.revoke_access, at=5, provider="incumbent_api", lab="rival", throttle=True
    )
    config = small(steps=5)
    config = config.replace(policy=dataclasses.replace(config.policy, throttle_factor=factor))
    free = sim.simulate(config).provider("incumbent_api").usage["rival"]
    scenario = ScenarioConfig(name="throttle", events=(throttle,))
    held = sim.simulate(config.replace(scenario=scenario)).provider("incumbent_api").usage["rival"]
    assert free.leak > 0
    assert held.leak == pytest.approx(factor * free.leak, rel=1e-9)
    assert held.volume == pytest.approx(factor * free.volume, rel=1e-9)


# --- money (ODD §7.5) ---------------------------------------------------------------------


@pytest.mark.parametrize("fee", [0.1, 0.3, 0.6])
def test_a_marketplace_keeps_its_fee_and_passes_the_rest_to_the_labs_it_hosts(fee: float) -> None:
    """The labs hosted on the cloud marketplace receive (1 − marketplace_fee) of its
    developer revenue, shared by how many developers use each lab's model there; the
    marketplace keeps the fee. (No licence revenue, so labs earn only through APIs.)"""
    market = dataclasses.replace(MarketConfig(), marketplace_fee=fee, open_licence_share=0.0)
    config = small(steps=4, market=market)
    model = stepped(config, 4)
    cloud = model.provider("cloud")
    pop = model.population
    on_cloud = pop.choice == model.provider_index("cloud")
    assert cloud.developer_revenue > 0
    for name in ("platform", "open", "challenger"):
        lab = model.lab(name)
        own = sum(p.developer_revenue for p in model.providers if p.owner == name)
        users = np.mean(pop.model_lab[on_cloud] == model.lab_index(name))
        expected = (1 - fee) * cloud.developer_revenue * users
        assert lab.developer_revenue - own == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert cloud.payoff - cloud.client_fees == pytest.approx(fee * cloud.developer_revenue)


def test_labs_reinvest_a_share_of_revenue_in_compute_less_the_api_fees_they_pay() -> None:
    """Next month's compute = base + reinvest × revenue − API fees paid: a lab with more
    revenue researches with more compute, and without reinvestment compute never exceeds
    its base budget."""
    config = small(steps=24)
    reinvest = config.market.reinvest
    ts = sim.run(config, figures=False).timeseries.iloc[1:]
    flat = config.replace(market=dataclasses.replace(config.market, reinvest=0.0))
    ts0 = sim.run(flat, figures=False).timeseries.iloc[1:]
    for name, lab in config.labs.items():
        revenue = ts[f"lab_revenue__{name}"]
        fees_paid = revenue - ts[f"payoff__{name}"]
        expected = np.maximum(lab.compute + reinvest * revenue - fees_paid, 0.0)
        assert np.allclose(ts[f"compute__{name}"], expected, rtol=1e-12)
        assert (ts0[f"compute__{name}"] <= lab.compute + 1e-12).all()
    # The incumbent earns the most: reinvesting adds about a sixth to its compute ...
    gain = ts["compute__incumbent"] / ts0["compute__incumbent"]
    assert gain.mean() > 1.08
    # ... and so to its capability, compounding month by month.
    assert ts["capability__incumbent"].iloc[-1] > ts0["capability__incumbent"].iloc[-1] * 1.01
