"""Stakes and access decisions (docs/ODD.md §7.2-7.5): each test sets up the smallest world
where a mechanism decides the outcome and asserts its direction, and the defects once
found in the model stay fixed."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from helpers import REPO, cutoff, small

import sim
from sim.analysis.hypotheses import strategic_world
from sim.config import (
    Benchmarking,
    EventConfig,
    EventKind,
    LegalConfig,
    PolicyConfig,
    PolicyName,
    PopulationConfig,
    ScenarioConfig,
    StrategicConfig,
)
from sim.experiment.run import without
from sim.model import AccessState
from sim.model.market import best_alternative_lead
from sim.model.provider import imitate_audits


def distilling_rival(**changes: object) -> sim.Config:
    labs = dict(sim.Config().labs)
    labs["rival"] = dataclasses.replace(
        labs["rival"], benchmarking=Benchmarking.distill, intensity=0.8
    )
    return small(labs=labs, **changes)


def carve(at: int = 6, duration: int | None = None) -> ScenarioConfig:
    ev = EventConfig(
        kind=EventKind.revoke_access,
        at=at,
        provider="incumbent_api",
        lab="rival",
        duration=duration,
        evaluation_only=True,
    )
    return ScenarioConfig(name="carve", events=(ev,))


# --- defects ------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [1, 3])
def test_a_policy_revocation_blocks_exactly_revoke_duration_research_months(
    duration: int,
) -> None:
    providers = {
        n: dataclasses.replace(p, monitoring=50.0) for n, p in sim.Config().providers.items()
    }
    config = small(
        steps=12,
        providers=providers,
        policy=PolicyConfig(name="revoke_on_detection", revoke_duration=duration),
    )
    model = sim.simulate(config)
    first = next(
        e
        for e in model.event_log
        if e["kind"] == "revocation" and (e["actor"], e["target"]) == ("incumbent_api", "rival")
    )
    back = next(
        e["step"]
        for e in model.event_log
        if e["kind"] == "reinstatement" and (e["actor"], e["target"]) == ("incumbent_api", "rival")
    )
    # Revoked after month t's research, reinstated before month t + duration + 1's.
    assert back - first["step"] - 1 == duration


def test_news_reach_is_a_share_of_developers() -> None:
    config = small(policy=PolicyConfig(name="revoke_on_detection", revoke_duration=1))
    ts = sim.run(config, figures=False).timeseries
    assert ts["news_reach"].max() <= 1.0
    assert ts["news_reach"].max() > 0.2


def test_nobody_switches_at_month_0_and_about_one_percent_a_month_after() -> None:
    ts = sim.run(sim.Config(steps=36, population=PopulationConfig(n_developers=4000))).timeseries
    assert ts["switching_rate"].iloc[0] == 0.0
    # 11% of builders switched vendor over 12 months (target MH-1): about 1% a month.
    assert 0.004 < ts["switching_rate"].iloc[1:].mean() < 0.02


def test_escalation_gives_the_cloud_revocations_that_end(composer: object) -> None:
    config = composer("scenario=escalation")  # type: ignore[operator]
    assert config.policy.revoke_duration is not None
    model = sim.simulate(config.replace(population=PopulationConfig(n_developers=600)))
    for _, prov, data in model.access_graph.edges(data=True):
        if prov == "cloud" and data["state"] is AccessState.REVOKED:
            assert data.get("until") is not None


@pytest.mark.parametrize(
    "preset", sorted(p.stem for p in (REPO / "configs/scenario").glob("*.yaml"))
)
def test_every_scripted_event_of_every_preset_changes_the_run(
    preset: str, composer: object
) -> None:
    config = composer(f"scenario={preset}", "population=small")  # type: ignore[operator]
    base = sim.run(config, figures=False).timeseries
    for kind in {ev.kind for ev in config.scenario.events}:
        other = sim.run(without(config, [kind]), figures=False).timeseries
        assert not base.equals(other), f"{preset}: removing {kind} changes nothing"


def test_the_open_weights_lab_earns_licence_revenue() -> None:
    ts = sim.run(small(steps=12), figures=False).timeseries
    assert (ts["developer_revenue__open"].iloc[1:] > 0).all()
    off = dataclasses.replace(sim.Config().market, open_licence_share=0.0)
    ts = sim.run(small(steps=12, market=off), figures=False).timeseries
    assert (ts["developer_revenue__open"] == 0).all()


def test_lab_trust_decides_whether_tit_for_tat_retaliates() -> None:
    config = small(policy=PolicyConfig(name="tit_for_tat"), scenario=cutoff(at=6))
    ev = sim.run(config, figures=False).events
    assert (ev["kind"] == "retaliation").any()
    calm = dataclasses.replace(config.relations, retaliation_threshold=0.0)
    ev = sim.run(config.replace(relations=calm), figures=False).events
    assert not (ev["kind"] == "retaliation").any()


# --- stakes -------------------------------------------------------------------------------


def test_developers_pay_for_their_lead_over_the_alternatives() -> None:
    base = small(steps=6)
    flat = dataclasses.replace(base.market, lead_premium=0.0)
    a = sim.simulate(base)
    b = sim.simulate(base.replace(market=flat))
    # The leader's customers pay a premium: its revenue share exceeds its user share.
    assert a.provider("incumbent_api").lead > 0
    rev = (
        a.provider("incumbent_api").developer_revenue
        / b.provider("incumbent_api").developer_revenue
    )
    assert rev > 1.02


def test_a_developers_lead_is_over_its_best_other_option() -> None:
    """The lead compares the chosen option with the best of the others: the runner-up when
    the chosen one is best (a tie counts as no lead), the best when it is not."""
    quality = np.array(
        [[4.0, 2.0, 1.0], [4.0, 2.0, 1.0], [1.0, 3.0, 3.0], [2.0, 5.0, 0.5], [1.0, 2.0, 5.0]]
    )
    choice = np.array([0, 2, 1, 0, 2])
    chosen = quality[np.arange(5), choice]
    lead = best_alternative_lead(quality, choice, chosen)
    expected = np.log([4.0 / 2.0, 1.0 / 4.0, 3.0 / 3.0, 2.0 / 5.0, 5.0 / 2.0])
    np.testing.assert_allclose(lead, expected)


def test_a_rival_catching_up_costs_the_leader_revenue() -> None:
    config = small(steps=12)
    labs = dict(config.labs)
    labs["rival"] = dataclasses.replace(
        labs["rival"], capability={"coding": 1.24, "reasoning": 1.05, "general": 1.1}
    )
    close = sim.run(config.replace(labs=labs), figures=False).timeseries
    far = sim.run(config, figures=False).timeseries
    assert close["lead__incumbent"].iloc[1] < far["lead__incumbent"].iloc[1]
    assert (
        close["developer_revenue__incumbent"].iloc[1:].mean()
        < far["developer_revenue__incumbent"].iloc[1:].mean()
    )


def test_leakage_is_booked_and_a_carve_out_cuts_distillation_but_keeps_fees() -> None:
    config = distilling_rival(steps=12, scenario=carve(at=6))
    model = sim.simulate(distilling_rival(steps=5))
    assert model.provider("incumbent_api").usage["rival"].leak > 0
    ts = sim.run(config, figures=False).timeseries
    before, after = ts.iloc[5], ts.iloc[8]
    assert before["spillover__rival__distill"] > 0 and after["spillover__rival__distill"] == 0
    assert after["spillover__rival__rival_api"] > 0  # evaluation still allowed
    assert after["client_fees__incumbent_api"] == pytest.approx(
        before["client_fees__incumbent_api"]
    )


def test_payoffs_add_up() -> None:
    ts = sim.run(small(steps=6), figures=False).timeseries
    for p in ("incumbent_api", "rival_api", "platform_api"):
        total = ts[f"developer_revenue__{p}"] + ts[f"client_fees__{p}"]
        assert np.allclose(ts[f"payoff__{p}"], total)
    cloud = 0.3 * ts["developer_revenue__cloud"] + ts["client_fees__cloud"]
    assert np.allclose(ts["payoff__cloud"], cloud)


# --- trust in two parts, rulings, false positives, in-house evaluation ---------------------


def test_revocation_news_hits_reputation_and_reinstatement_news_restores_it() -> None:
    config = small(steps=8, scenario=cutoff(at=3, duration=2))
    model = sim.simulate(config.replace(steps=3))
    pop, i = model.population, model.provider_index("incumbent_api")
    assert pop.reputation[:, i].mean() < 0.68  # started at 0.7
    untouched = sim.simulate(small(steps=3))
    assert np.allclose(pop.satisfaction, untouched.population.satisfaction)
    relief = sim.simulate(config.replace(steps=6)).population.reputation[:, i].mean()
    no_relief = dataclasses.replace(config.population, reinstatement_relief=0.0)
    flat = sim.simulate(config.replace(steps=6, population=no_relief)).population
    assert relief > flat.reputation[:, i].mean() + 0.005


def test_a_ruling_moves_legal_risk_and_a_struck_clause_lifts_evaluation_cutoffs() -> None:
    def ruled(upheld: bool) -> sim.AccessModel:
        events = (
            *cutoff(at=2).events,
            EventConfig(kind=EventKind.ruling, at=4, upheld=upheld),
        )
        return sim.simulate(small(steps=5, scenario=ScenarioConfig(name="r", events=events)))

    upheld, struck = ruled(True), ruled(False)
    assert upheld.legal_risk == pytest.approx(0.05)
    assert struck.legal_risk == pytest.approx(0.2)
    assert upheld.access_state("rival", "incumbent_api") is AccessState.REVOKED
    assert struck.access_state("rival", "incumbent_api") is AccessState.ALLOWED
    assert any(e["reason"] == "ruling: clause struck down" for e in struck.event_log)


def test_monitoring_flags_ordinary_developers_and_some_appeals_succeed() -> None:
    pop = dataclasses.replace(
        sim.Config().population, n_developers=4000, false_positive_rate=0.05, appeal_success=0.5
    )
    ts = sim.run(sim.Config(steps=6, population=pop), figures=False).timeseries
    assert ts["false_positives"].iloc[1:].mean() > 50
    events = sim.run(sim.Config(steps=6, population=pop), figures=False).events
    assert (events["kind"] == "appeal_upheld").any()
    off = dataclasses.replace(pop, false_positive_rate=0.0)
    assert (sim.run(sim.Config(steps=6, population=off)).timeseries["false_positives"] == 0).all()


def test_a_lab_cut_off_invests_more_in_its_own_evaluation() -> None:
    config = distilling_rival(steps=24, scenario=cutoff(at=6))
    cut = sim.run(config, figures=False).timeseries
    free = sim.run(without(config, [EventKind.revoke_access]), figures=False).timeseries
    assert cut["eval_capacity__rival"].iloc[-1] > 1.5 * free["eval_capacity__rival"].iloc[-1]
    still = dataclasses.replace(config.research, eval_response=0.0)
    flat = sim.run(config.replace(research=still), figures=False).timeseries
    assert flat["eval_capacity__rival"].iloc[-1] == pytest.approx(
        free["eval_capacity__rival"].iloc[-1]
    )


def test_legal_config_is_written_with_the_run() -> None:
    assert sim.Config().legal == LegalConfig()
    assert "revocation_risk" in yaml.safe_dump(sim.Config().to_dict())


def test_a_strategic_provider_copies_the_audit_level_of_one_that_earns_more() -> None:
    def provider(name: str, payoff: float, base: float, level: float, tightens: bool = True):
        policy = SimpleNamespace(tightens_monitoring=tightens)
        return SimpleNamespace(
            name=name, payoff=payoff, base_monitoring=base, monitoring=base * level,
            audit_level=level, policy=policy,
        )  # fmt: skip

    rich = provider("rich", 3.0, 1.0, 3.0)
    middle = provider("middle", 2.0, 0.5, 1.0)
    poor = provider("poor", 1.0, 2.0, 2.0)
    scripted = provider("scripted", 0.5, 1.0, 1.0, tightens=False)
    rule = StrategicConfig(monitoring_imitation=0.5, monitoring_cap=2.5)
    imitate_audits([rich, middle, poor, scripted], rule)
    assert rich.monitoring == 3.0  # nobody earns more: nothing to copy
    assert middle.monitoring == 0.5 * 2.0  # half way from level 1 toward the richest's 3
    assert poor.monitoring == 2.0 * 2.5  # toward 3, stopped by the cap of 2.5 x base
    assert scripted.monitoring == 1.0  # a scripted policy does not imitate


def test_stricter_audits_spread_when_every_provider_decides_for_itself() -> None:
    config = strategic_world(600)
    strategic = {
        name: dataclasses.replace(p, policy=PolicyName.strategic)
        for name, p in config.providers.items()
    }
    config = config.replace(providers=strategic)
    level = {}
    for rate in (0.0, 1.0):
        rule = dataclasses.replace(config.strategic, monitoring_imitation=rate)
        level[rate] = sim.run(config.replace(strategic=rule)).timeseries["monitoring__rival_api"]
    # rival_api earns less than incumbent_api, which tightens first: copying it raises
    # rival_api's audits sooner (ODD §7.2).
    assert level[1.0].mean() > level[0.0].mean() + 0.3
