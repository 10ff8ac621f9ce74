"""The history scenario's mechanisms: releases (scripted, then on a cadence), the ECI map,
adoption free of switching cost, scripted throttles and tightened monitoring, background
events, the survey instruments' metrics, and the generated config files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import small

import sim
from sim.calibration import replay
from sim.config import (
    Benchmarking,
    Config,
    EventConfig,
    EventKind,
    LabConfig,
    PopulationConfig,
    ScenarioConfig,
)
from sim.config.files import config_dir, data_dir
from sim.experiment.run import without
from sim.model.model import AccessModel
from sim.model.provider import AccessState


def _released(changes: dict[str, object], events: tuple[EventConfig, ...], until: int) -> Config:
    base = small(steps=14)
    labs = dict(base.labs)
    labs["rival"] = LabConfig(**{**labs["rival"].__dict__, **changes})
    return base.replace(
        labs=labs, scenario=ScenarioConfig(name="r", events=events, replay_until=until)
    )


def _release(at: int) -> EventConfig:
    return EventConfig(kind=EventKind.release_model, at=at, lab="rival")


def _changes(series: pd.Series) -> list[int]:
    """Months at which a served model's ECI changes (NaN to a value counts)."""
    values = series.to_numpy()
    out = []
    for month in range(1, len(values)):
        before, now = values[month - 1], values[month]
        if not (math.isnan(now) or (not math.isnan(before) and now == before)):
            out.append(month)
    return out


def test_a_lab_serves_its_releases_and_nothing_before_the_first() -> None:
    config = _released({"release_every": 3}, (_release(2), _release(4)), until=6)
    eci = sim.run(config, figures=False).timeseries["eci__rival"]
    assert eci.iloc[:2].isna().all()
    # scripted at 2 and 4; then on its own cadence 3 months after the last: 7, 10, 13
    assert _changes(eci) == [2, 4, 7, 10, 13]


def test_no_release_of_its_own_during_the_replay() -> None:
    config = _released({"release_every": 1}, (_release(2), _release(5)), until=9)
    eci = sim.run(config, figures=False).timeseries["eci__rival"]
    assert _changes(eci) == [2, 5, 10, 11, 12, 13, 14]


def test_archetype_labs_serve_their_capability_every_month() -> None:
    ts = sim.run(small(steps=6), figures=False).timeseries
    eci = ts["eci__incumbent"]
    assert _changes(eci) == [1, 2, 3, 4, 5, 6]


def test_the_eci_map_is_affine_in_mean_log_capability() -> None:
    config = small(steps=1)
    model = AccessModel(config)
    lab = model.labs[0]
    lab.served = np.array([1.0, 1.0, 1.0])
    r = config.research
    from sim.model.metrics import eci

    assert eci(model)[lab.name] == pytest.approx(r.eci_at_one)
    lab.served = np.array([math.e, 1.0, 1.0])
    assert eci(model)[lab.name] == pytest.approx(r.eci_at_one + r.eci_per_log / 3)


def test_entrants_choose_free_of_switching_cost() -> None:
    """With a prohibitive switching cost and no revision, developers who enter later still
    spread over the labs; without adoption everyone keeps the month-0 choice."""
    pop = {"n_developers": 800, "switching_cost": 50.0, "revision_rate": 0.0}
    fixed = small(steps=12, population=PopulationConfig(**pop))
    adopting = small(steps=12, population=PopulationConfig(**pop, adoption_months=6))
    a = sim.run(adopting, figures=False).timeseries
    f = sim.run(fixed, figures=False).timeseries
    # half the developers are in the market by month 3, all by month 6
    assert a["switched_12m"].max() == 0.0  # a first choice is not a switch
    ours, theirs = AccessModel(adopting), AccessModel(fixed)
    for _ in range(3):
        ours.step()
        theirs.step()
    assert 0.35 < ours.population.in_market(3).mean() < 0.65
    assert theirs.population.in_market(3).all()
    share = [c for c in a.columns if c.startswith("lab_share__")]
    assert a[share].iloc[-1].sum() == pytest.approx(f[share].iloc[-1].sum(), abs=0.05)
    # nobody entered at month 0, so month 0's shares are empty
    assert a[share].iloc[0].sum() == 0.0


def test_a_scripted_throttle_keeps_part_of_the_clients_learning() -> None:
    throttle = EventConfig(
        kind=EventKind.revoke_access, at=3, provider="incumbent_api", lab="rival", throttle=True
    )
    config = small(steps=8, scenario=ScenarioConfig(name="t", events=(throttle,)))
    model = AccessModel(config)
    for _ in range(4):
        model.step()
    assert model.access_state("rival", "incumbent_api") is AccessState.THROTTLED
    cut = sim.run(config, figures=False).timeseries
    free = sim.run(without(config, [EventKind.revoke_access]), figures=False).timeseries
    spill = "spillover__rival__rival_api"
    if spill not in cut.columns:
        spill = next(c for c in cut.columns if c.startswith("spillover__rival"))
    assert cut[spill].iloc[4:].sum() < free[spill].iloc[4:].sum()


def test_tightened_monitoring_multiplies_the_providers_monitoring() -> None:
    tighten = EventConfig(
        kind=EventKind.tighten_monitoring, at=3, provider="incumbent_api", factor=2.0
    )
    ts = sim.run(
        small(steps=5, scenario=ScenarioConfig(name="t", events=(tighten,))), figures=False
    ).timeseries
    monitoring = ts["monitoring__incumbent_api"]
    assert monitoring.iloc[3] == pytest.approx(2.0 * monitoring.iloc[2])


def test_background_events_stay_in_the_control_arm() -> None:
    config = replay.history_config({"population.n_developers": 200})
    control = without(config, [EventKind.revoke_access])
    removed = set(config.scenario.events) - set(control.scenario.events)
    assert [(e.at, e.provider, e.lab) for e in removed] == [(32, "anthropic_api", "openai")]
    from sim.analysis.estimates import intervention_month

    assert intervention_month(config, [EventKind.revoke_access]) == 32


def test_usage_shares_count_self_hosters_under_the_open_lab_they_run() -> None:
    config = small(steps=2)
    model = AccessModel(config)
    model.step()
    from sim.model.metrics import lab_share, open_model_share

    shares = lab_share(model)
    pop = model.population
    self_hosting = pop.choice == len(model.providers)
    assert self_hosting.any()
    open_lab = model.lab_index("open")
    assert set(pop.model_lab[self_hosting]) <= {open_lab, -1}
    assert shares["open"] == pytest.approx(np.mean(pop.model_lab == open_lab))
    assert sum(shares.values()) + np.mean(pop.model_lab == -1) == pytest.approx(1.0)
    assert open_model_share(model) == pytest.approx(
        shares["open"] + shares["challenger"] * 0 + np.mean(pop.model_lab == -1)
    )


def _two_open_labs(discount: float = 0.0) -> AccessModel:
    """The default world with a second open-weights lab as good at coding as the first is
    at reasoning and general knowledge, and the reverse; nobody hosts it, so its
    developers self-host; `discount` lowers its quality for everyone."""
    base = small(steps=2)
    labs = dict(base.labs)
    labs["open"] = LabConfig(
        **{**labs["open"].__dict__, "capability": {"coding": 0.7, "reasoning": 1.3, "general": 1.3}}
    )
    labs["coder"] = LabConfig(
        label="Open coder",
        capability={"coding": 1.3, "reasoning": 0.7, "general": 0.7},
        openness=labs["open"].openness,
        discount=discount,
    )
    model = AccessModel(base.replace(labs=labs))
    model.step()
    return model


def test_self_hosters_choose_among_open_models_by_their_needs() -> None:
    model = _two_open_labs()
    pop = model.population
    coding = pop.needs[:, model.config.domains.index("coding")]
    on_coder = pop.model_lab == model.lab_index("coder")
    self_hosting = pop.choice == len(model.providers)
    assert on_coder.any() and (self_hosting & ~on_coder).any()
    assert on_coder[self_hosting & (coding > 0.7)].mean() > 0.95  # who needs coding runs it ...
    assert not on_coder[self_hosting & (coding < 0.3)].any()  # ... and nobody else does
    assert (pop.choice[on_coder] == len(model.providers)).all()  # nobody hosts it

    shunned = _two_open_labs(discount=0.5)
    assert np.mean(shunned.population.model_lab == shunned.lab_index("coder")) < 0.5 * np.mean(
        on_coder
    )


def test_the_history_files_are_what_the_data_make_of_them() -> None:
    table = replay.read_eci(data_dir() / "eci_epoch_to_2025-06.csv")
    calibrated = replay.calibrated_values(data_dir() / "calibration" / "posterior")
    assert calibrated  # scenario=history runs at the shipped posterior's representative draw
    for name, text in replay.render(table, data_dir() / "events.yaml", calibrated).items():
        assert (config_dir() / name).read_text() == text, (
            f"configs/{name} is stale: run python -m sim.calibration.replay"
        )


def test_the_replay_follows_the_record() -> None:
    table = replay.read_eci(data_dir() / "eci_epoch_to_2025-06.csv")
    timing = replay.releases(table)
    # OpenAI's API (GPT-3.5) was on the market before 2023; Google's from PaLM 2 (2023-05),
    # not its first scored model (2024-02); Anthropic's from Claude 1.3 (2023-04)
    assert timing["openai"][0] == 1
    assert timing["google"][0] == 5
    assert timing["anthropic"][0] == 4
    assert timing["xai"] == [24, 28]
    # every restriction of the record is represented or left out with a reason; the
    # cutoff of 2025-07-29 acts from 2025-08 (month 32)
    events = replay.restriction_events(data_dir() / "events.yaml")
    assert {e["at"] for e in events} == {19, 28, 30, 32, 33, 37}
    rv5 = [e for e in events if e["kind"] == "cut_capacity"]
    assert rv5 == [{"kind": "cut_capacity", "at": 30, "provider": "anthropic_api", "factor": 0.1}]
    launch = replay.scenario(table, data_dir() / "events.yaml")["events"]
    assert {"kind": "release_model", "at": 32, "lab": "openai"} in launch
    config = replay.history_config()
    assert config.scenario.start == "2023-01"
    assert config.steps == 42


def test_a_carve_out_of_a_throttled_client_keeps_the_throttle() -> None:
    """RV-5 throttles OpenAI before RV-7 cuts it to evaluation only: the cutoff must not
    hand back the full volume the throttle took away."""
    events = (
        EventConfig(
            kind=EventKind.revoke_access, at=3, provider="incumbent_api", lab="rival", throttle=True
        ),
        EventConfig(
            kind=EventKind.revoke_access,
            at=5,
            provider="incumbent_api",
            lab="rival",
            evaluation_only=True,
        ),
    )
    labs = dict(small().labs)
    labs["rival"] = LabConfig(**{**labs["rival"].__dict__, "benchmarking": Benchmarking.rival_api})
    config = small(steps=7, labs=labs, scenario=ScenarioConfig(name="t", events=events))
    model = AccessModel(config)
    for _ in range(6):
        model.step()
    assert model.access_state("rival", "incumbent_api") is AccessState.EVALUATION_ONLY
    route = {p.name: share for _, share, _, p in model.routes(model.lab("rival"))}
    assert route["incumbent_api"] == pytest.approx(config.policy.throttle_factor)
    assert model.restricted_share(model.lab("rival")) > 0


def test_reports_name_the_studied_cutoff_for_what_it_was() -> None:
    from sim.report.sections import intervention_words

    config = replay.history_config({"population.n_developers": 200})
    words = intervention_words(config, [EventKind.revoke_access], 31)
    assert words.startswith("cutting openai to evaluation only (anthropic_api")
