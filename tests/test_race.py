"""The race by domain and the market that grows (docs/ODD.md §6.1, §7.1, §7.5): research
pace per domain, the carve-out that removes building and keeps evaluation, developers who
enter, grow and pay by usage, revenue that funds compute as a share of the market, the
capacity cut that falls on a provider's coding customers, and the history world where a
lab's coding share differs from its overall share.

Each test sets up the smallest world where the mechanism decides the outcome and fails when
the mechanism is switched off or its sign flipped.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import small

import sim
from sim.calibration import fit
from sim.config import (
    Benchmarking,
    Config,
    EventConfig,
    EventKind,
    ScenarioConfig,
)
from sim.model.metrics import coding_demand_share, lab_share, market_size
from sim.model.provider import AccessState


def stepped(config: Config, months: int) -> sim.AccessModel:
    model = sim.AccessModel(config)
    for _ in range(months):
        model.step()
    return model


def quiet(config: Config) -> Config:
    """No noise and no spillover: capability grows by own research alone."""
    research = dataclasses.replace(
        config.research, noise=0.0, spill_public=0.0, spill_open=0.0, spill_eval=0.0
    )
    return config.replace(research=research)


def with_lab(config: Config, name: str, **changes: object) -> Config:
    labs = dict(config.labs)
    labs[name] = dataclasses.replace(labs[name], **changes)
    return config.replace(labs=labs)


# --- research pace per domain ------------------------------------------------------------


def test_a_lab_researches_each_domain_at_its_own_pace() -> None:
    """Own growth per domain is proportional to the lab's pace there: twice the pace in
    coding, twice the relative growth in coding."""
    config = quiet(small(steps=6))
    paced = with_lab(config, "open", pace={"coding": 2.0, "reasoning": 1.0, "general": 0.5})
    start = np.array(list(config.labs["open"].capability.values()))
    growth = stepped(paced, 1).lab("open").capability / start - 1
    plain = stepped(config, 1).lab("open").capability / start - 1
    assert growth == pytest.approx(plain * np.array([2.0, 1.0, 0.5]), rel=1e-9)
    assert growth[0] > growth[1] > growth[2] > 0


# --- the carve-out keeps evaluation and removes building ----------------------------------


def _carved(building: float) -> tuple[float, float]:
    """The rival's share of use through the incumbent's API, and its spillover through
    rival APIs, in the month after the incumbent cuts it to evaluation only."""
    events = (
        EventConfig(
            kind=EventKind.revoke_access,
            at=2,
            provider="incumbent_api",
            lab="rival",
            evaluation_only=True,
        ),
    )
    config = with_lab(
        small(steps=3, scenario=ScenarioConfig(name="carve", events=events)),
        "rival",
        benchmarking=Benchmarking.rival_api,
        building=building,
    )
    model = stepped(config, 2)
    assert model.access_state("rival", "incumbent_api") is AccessState.EVALUATION_ONLY
    route = {p.name: share for _, share, _, p in model.routes(model.lab("rival"))}
    return route["incumbent_api"], float(model.lab("rival").spillover[0])


def test_a_carve_out_removes_the_building_share_of_a_clients_use_and_keeps_evaluation() -> None:
    evaluation_only, _ = _carved(building=0.0)
    assert evaluation_only == 1.0  # nothing but evaluation: the carve-out takes nothing
    half, spill_half = _carved(building=0.5)
    assert half == pytest.approx(0.5)
    all_building, spill_none = _carved(building=1.0)
    assert all_building == 0.0
    assert spill_none < spill_half


def test_the_carve_out_raises_in_house_evaluation_by_the_building_share_lost() -> None:
    config = with_lab(small(steps=2), "rival", benchmarking=Benchmarking.rival_api, building=0.4)
    model = sim.AccessModel(config)
    lab = model.lab("rival")
    for p in model.providers:
        if p.owner != "rival":
            model.access_graph.edges["rival", p.name]["state"] = AccessState.EVALUATION_ONLY
    assert model.restricted_share(lab) == pytest.approx(0.4)


# --- the market: entry, usage, growth, money ----------------------------------------------


def growing(**population: object) -> Config:
    """The default world, 12 months, with nobody self-hosting (so the providers earn the
    whole market), the population changed as asked."""
    config = small(steps=12)
    return config.replace(
        population=dataclasses.replace(config.population, **population),
        market=dataclasses.replace(config.market, selfhost_cost=50.0),
    )


def test_developers_outside_the_market_neither_choose_nor_pay_and_the_market_grows() -> None:
    config = growing(adoption_months=10, usage_growth=0.1)
    model = sim.AccessModel(config)
    pop = model.population
    first_choice = pop.choice.copy()
    values = []
    for _ in range(5):
        model.step()
        outside = pop.enters > model.month
        assert outside.any()
        assert (pop.usage[outside] == 0).all()
        assert (pop.choice[outside] == first_choice[outside]).all()  # they do not choose
        values.append(sum(p.developer_revenue for p in model.providers))
    inside = pop.enters <= model.month
    since = model.month - pop.enters[inside]
    assert pop.usage[inside] == pytest.approx(pop.scale[inside] * np.exp(0.1 * since))
    assert market_size(model) == pytest.approx(pop.usage.sum() / pop.n)
    # the month's market value is market_value per unit of usage: it grows with the market
    assert np.all(np.diff(values) > 0)
    value = config.market.market_value * market_size(model)
    assert values[-1] == pytest.approx(value)
    # each developer pays in proportion to its usage: nothing from outside the market
    premium = 1 + config.market.lead_premium * np.maximum(pop.lead, 0)
    spend = model.option_prices()[pop.choice] * premium * pop.usage
    for i, provider in enumerate(model.providers):
        paid = spend[pop.choice == i].sum() / spend.sum()
        assert provider.developer_revenue == pytest.approx(value * paid)


def test_coding_work_grows_fastest_so_coding_demand_rises() -> None:
    flat = stepped(growing(usage_growth=0.05), 12)
    tilted = stepped(growing(usage_growth=0.05, coding_usage_growth=0.1), 12)
    assert coding_demand_share(flat) == pytest.approx(
        float(flat.population.needs[:, 0].mean()), rel=1e-9
    )
    assert coding_demand_share(tilted) > coding_demand_share(flat) + 0.03


def test_shares_are_weighted_by_usage() -> None:
    model = stepped(growing(size_spread=1.5), 2)
    pop = model.population
    shares = lab_share(model)
    labs = pop.model_lab
    for name in ("incumbent", "rival"):
        on = labs == model.lab_index(name)
        assert shares[name] == pytest.approx(pop.scale[on].sum() / pop.scale.sum())
    counted = np.mean(labs == model.lab_index("incumbent"))
    assert shares["incumbent"] != pytest.approx(counted, abs=1e-3)


def test_revenue_funds_compute_as_a_share_of_the_market_not_its_growth() -> None:
    """A market ten times larger pays ten times the revenue, and buys the same compute."""
    base = growing(usage_growth=0.0)
    big = base.replace(market=dataclasses.replace(base.market, market_value=10.0))
    grown = growing(usage_growth=np.log(10.0) / 6)  # ten times the usage by month 6
    small_model, big_model, grown_model = (stepped(c, 6) for c in (base, big, grown))
    assert market_size(grown_model) == pytest.approx(10.0)
    lab = "incumbent"

    def funded(model: sim.AccessModel) -> float:
        return model.lab(lab).compute - model.lab(lab).base_compute

    assert grown_model.lab(lab).revenue > 5 * small_model.lab(lab).revenue
    assert funded(small_model) > 0 and funded(grown_model) < 1.5 * funded(small_model)
    assert funded(big_model) > 5 * funded(small_model)  # a richer market, not a larger one


# --- the capacity cut of a coding tool's users (RV-5) -------------------------------------


def test_a_capacity_cut_falls_on_the_providers_most_coding_customers() -> None:
    config = small(steps=3)
    model = stepped(config, 1)
    pop = model.population
    p = model.provider_index("incumbent_api")
    customers = np.flatnonzero(pop.choice == p)
    before = pop.satisfaction[:, p].copy()
    cut = pop.cut_capacity(p, config.domains, 0.2)
    assert cut == round(0.2 * customers.size)
    hit = np.flatnonzero(pop.satisfaction[:, p] < before)
    assert set(hit) <= set(customers) and len(hit) == cut
    coding = pop.needs[:, 0]
    spared = np.setdiff1d(customers, hit)
    assert coding[hit].min() >= coding[spared].max()
    assert pop.must_revise[hit].all() and not pop.must_revise[spared].any()
    lost = 1 - pop.satisfaction[hit, p] / before[hit]
    assert lost == pytest.approx(np.full(cut, config.population.trust_learning))
    model.step()  # the month's choice: some of them leave, more than of the spared
    assert (pop.choice[hit] != p).mean() > (pop.choice[spared] != p).mean()


def test_a_capacity_cut_event_moves_coding_customers_off_the_provider() -> None:
    event = EventConfig(kind=EventKind.cut_capacity, at=3, provider="incumbent_api", factor=0.5)
    cut = small(steps=4, scenario=ScenarioConfig(name="cut", events=(event,)))
    kept = small(steps=4)
    p = "incumbent_api"
    with_cut, without = sim.run(cut, figures=False), sim.run(kept, figures=False)
    after = with_cut.timeseries.set_index("step")[f"share__{p}"]
    before = without.timeseries.set_index("step")[f"share__{p}"]
    assert after[3] < before[3]  # some of the cut customers leave
    assert after[2] == before[2]


def test_a_capacity_cut_is_refused_beyond_all_customers() -> None:
    event = EventConfig(kind=EventKind.cut_capacity, at=3, provider="incumbent_api", factor=1.5)
    with pytest.raises(sim.ConfigError, match=r"scenario\.events\[0\]\.factor = 1\.5"):
        small(steps=4, scenario=ScenarioConfig(name="cut", events=(event,)))


# --- the history world --------------------------------------------------------------------


def _profiles(incumbent: dict[str, float], rival: dict[str, float]) -> sim.AccessModel:
    """The default world with the incumbent's and the rival's capability set as given."""
    config = with_lab(small(steps=4), "incumbent", capability=incumbent)
    return stepped(with_lab(config, "rival", capability=rival), 3)


def test_developers_buy_for_their_domain_so_coding_share_follows_coding_strength() -> None:
    from sim.model.metrics import coding_share

    coder = {"coding": 1.4, "reasoning": 1.0, "general": 0.8}
    generalist = {"coding": 0.8, "reasoning": 1.0, "general": 1.4}
    model = _profiles(coder, generalist)
    overall, coding = lab_share(model), coding_share(model)
    assert coding["incumbent"] > overall["incumbent"] + 0.05
    assert coding["rival"] < overall["rival"] - 0.05
    same = _profiles(dict.fromkeys(coder, 1.1), dict.fromkeys(coder, 1.1))
    overall, coding = lab_share(same), coding_share(same)
    assert coding["incumbent"] == pytest.approx(overall["incumbent"], abs=0.03)


@pytest.mark.slow(seconds=40)
def test_in_the_history_world_coding_shares_differ_from_overall_shares() -> None:
    """Labs differ by domain (their paces from the benchmark data), developers buy for
    their needs: at 2025-07 some lab's share of coding work is well away from its share of
    all usage (with labs alike in every domain the two were equal)."""
    run = fit.simulate({}, 3, developers=2_000, end="2025-07").set_index("step")
    last = run.index.max()
    gaps = [
        run.at[last, f"coding_share__{lab}"] - run.at[last, f"lab_share__{lab}"]
        for lab in ("openai", "anthropic", "google", "meta")
    ]
    assert max(abs(g) for g in gaps) > 0.02


def test_the_history_cast_has_labs_that_differ_by_domain() -> None:
    from sim.calibration.replay import history_config

    labs = history_config().labs
    anthropic, openai = labs["anthropic"], labs["openai"]
    assert anthropic.pace["coding"] > anthropic.pace["reasoning"]  # a coding specialist
    assert anthropic.pace["coding"] - anthropic.pace["reasoning"] > (
        openai.pace["coding"] - openai.pace["reasoning"]
    )
    assert len({lab.capability["coding"] for lab in labs.values()}) == len(labs)
    assert openai.building > 0 and labs["deepseek"].discount > 0


def test_a_runs_summary_counts_in_words() -> None:
    """One revocation is 'a revocation', not '1 revocations' (the single run's summary)."""
    from helpers import cutoff

    from sim.analysis.summary import summarize

    text = summarize(sim.run(small(steps=8, scenario=cutoff(at=4)), figures=False))
    assert "1 revocation," in text and "1 revocations" not in text
    assert "0 retaliations" in text
