"""Paired runs share their past: the months before the intervention are run once
(sim.experiment.pairing, sim.model.snapshot) and the results equal separate runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from helpers import cutoff, small

from sim.config import EventConfig, EventKind, ScenarioConfig
from sim.experiment.pairing import fork_month, simulate_pair
from sim.experiment.run import events_frame, plan, simulate, sweep, timeseries_frame
from sim.experiment.store import load
from sim.model.model import AccessModel
from sim.model.snapshot import snapshot

REVOKE = [EventKind.revoke_access]
LAUNCH = EventConfig(kind=EventKind.launch, at=10, lab="rival", capability_jump=0.1)


def scenario() -> ScenarioConfig:
    """A cutoff at month 10 between two events both arms keep (one in the same month)."""
    events = cutoff(at=10).events
    early = dataclasses.replace(LAUNCH, at=4)
    return ScenarioConfig(name="cutoff", events=(early, *events, LAUNCH))


def arms(steps: int = 16) -> tuple[object, object]:
    treated, control = plan(small(scenario=scenario(), steps=steps), intervention=REVOKE)
    return treated.config, control.config


def test_the_arms_are_identical_bit_for_bit_until_the_intervention_month() -> None:
    treated, control = arms()
    t = timeseries_frame(simulate(treated))  # type: ignore[arg-type]
    c = timeseries_frame(simulate(control))  # type: ignore[arg-type]
    assert fork_month(treated, control) == 10  # type: ignore[arg-type]
    before = t.columns.drop("capability_growth")
    pd.testing.assert_frame_equal(t.loc[:9, before], c.loc[:9, before], check_exact=True)
    assert not t.loc[10:, before].equals(c.loc[10:, before])


def test_the_fork_month_is_derived_and_sharing_is_refused_when_worlds_differ() -> None:
    treated, control = arms()
    other = control.replace(seed=control.seed + 1)  # type: ignore[attr-defined]
    assert fork_month(treated, other) is None  # type: ignore[arg-type]
    late = plan(small(scenario=cutoff(at=20), steps=24), intervention=REVOKE)
    assert fork_month(late[0].config, late[1].config) == 20
    first = plan(small(scenario=cutoff(at=1), steps=6), intervention=REVOKE)
    assert fork_month(first[0].config, first[1].config) is None
    assert fork_month(treated, treated) is None  # type: ignore[arg-type]


def test_a_shared_prefix_gives_the_results_of_separate_runs() -> None:
    treated, control = arms()
    shared = simulate_pair(treated, control)  # type: ignore[arg-type]
    for config, model in zip((treated, control), shared, strict=True):
        alone = simulate(config)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(timeseries_frame(model), timeseries_frame(alone))
        pd.testing.assert_frame_equal(events_frame(model), events_frame(alone))
    assert not timeseries_frame(shared[0]).equals(timeseries_frame(shared[1]))


def test_a_snapshot_continues_as_the_original_and_shares_no_state() -> None:
    model = AccessModel(small(steps=8))
    for _ in range(3):
        model.step()
    copy = snapshot(model)
    for _ in range(5):
        model.step()
    assert copy.steps == 3  # stepping the original left the copy where it was
    for _ in range(5):
        copy.step()
    pd.testing.assert_frame_equal(timeseries_frame(copy), timeseries_frame(model))


def test_a_sweep_stores_the_same_tables_with_sharing_on_and_off(tmp_path: Path) -> None:
    specs = plan(small(scenario=scenario(), steps=14), replicates=2, intervention=REVOKE)
    assert sweep(specs, tmp_path / "on", share_prefix=True) == 4
    assert sweep(specs, tmp_path / "off", share_prefix=False) == 4
    for kind in ("timeseries", "events"):
        on, off = load(tmp_path / "on", kind), load(tmp_path / "off", kind)
        pd.testing.assert_frame_equal(on, off, check_exact=True)
    for folder in ("timeseries", "events"):
        for path in sorted((tmp_path / "on" / folder).glob("*.parquet")):
            twin = tmp_path / "off" / folder / path.name
            # the tables, schema included; the files' metadata differs in its timestamps
            assert pq.read_table(path).equals(pq.read_table(twin), check_metadata=False)
