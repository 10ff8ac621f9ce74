"""Replicates, paired counterfactuals and the crash-safe result store (Python API)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import cutoff, small

import sim
from sim.analysis.estimates import effects, horizon_effects, paired_differences
from sim.config import EventKind
from sim.experiment.run import plan, replicate_seeds, sweep, without
from sim.experiment.store import complete_pairs, load, load_config, read_provenance, run_files

REVOKE = [EventKind.revoke_access]


def test_replicate_seeds_come_from_seed_sequence() -> None:
    seeds = replicate_seeds(7, 4)
    again = replicate_seeds(7, 6)
    assert seeds == again[:4], "more replicates extend, never reshuffle, the seeds"
    assert len(set(seeds)) == 4 and replicate_seeds(8, 4) != seeds
    state = np.random.SeedSequence(7).spawn(4)[2].generate_state(1, dtype=np.uint64)[0]
    assert seeds[2] == int(state >> np.uint64(1))


def test_pairs_share_a_seed_and_differ_only_by_the_intervention() -> None:
    config = small(scenario=cutoff(at=10))
    specs = plan(config, replicates=3, intervention=REVOKE)
    assert [(s.replicate, s.arm) for s in specs] == [
        (0, "treated"),
        (0, "control"),
        (1, "treated"),
        (1, "control"),
        (2, "treated"),
        (2, "control"),
    ]
    for treated, control in zip(specs[::2], specs[1::2], strict=True):
        assert treated.config.seed == control.config.seed
        assert treated.pair_id == control.pair_id and treated.run_id != control.run_id
        assert control.config == without(treated.config, REVOKE)
        assert len(treated.config.scenario.events) == 1 and not control.config.scenario.events
    assert len({s.point_id for s in specs}) == 1


def test_an_intervention_the_scenario_lacks_is_refused() -> None:
    with pytest.raises(sim.ConfigError, match="no such event"):
        plan(small(), replicates=2, intervention=REVOKE)
    with pytest.raises(sim.ConfigError, match="replicates = 0"):
        plan(small(scenario=cutoff()), replicates=0)


def test_sweep_writes_tidy_results_with_provenance_and_resumes(tmp_path: Path) -> None:
    specs = plan(small(scenario=cutoff(at=10), steps=24), replicates=3, intervention=REVOKE)
    assert sweep(specs, tmp_path, n_jobs=2) == 6
    files = run_files(tmp_path)
    before = {f: f.stat().st_mtime_ns for f in files}
    assert sweep(specs, tmp_path, n_jobs=2) == 0, "a finished sweep resumes to nothing"
    assert {f: f.stat().st_mtime_ns for f in run_files(tmp_path)} == before

    ts = load(tmp_path)
    assert len(ts) == 6 * 25 and not ts.duplicated(["run_id", "step"]).any()
    assert set(ts["arm"]) == {"treated", "control"} and set(ts["replicate"]) == {0, 1, 2}
    assert (ts.groupby("pair_id")["seed"].nunique() == 1).all()
    summary = load(tmp_path, "summary")
    assert len(summary) == 6 and (summary["step"] == 24).all()
    events = load(tmp_path, "events")
    assert set(events["run_id"]) <= set(ts["run_id"]) and (events["kind"] == "revocation").any()

    prov = read_provenance(files[0])
    for key in (
        "config",
        "config_hash",
        "seed",
        "accessrace_version",
        "git_commit",
        "git_dirty",
        "mesa_version",
        "numpy_version",
        "started",
        "finished",
    ):
        assert key in prov
    assert load_config(tmp_path, prov["run_id"]).seed == prov["seed"]


def test_a_crashed_write_leaves_nothing_that_loads(tmp_path: Path) -> None:
    specs = plan(small(steps=12), replicates=2)
    sweep(specs[:1], tmp_path)
    (tmp_path / "timeseries" / ".deadbeef.parquet.123.tmp").write_bytes(b"half a file")
    assert len(load(tmp_path)["run_id"].unique()) == 1
    assert sweep(specs, tmp_path) == 1


def test_paired_differences_and_bootstrap_effects() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for pair in range(30):
        base = rng.normal(size=3)
        for arm, shift in (("treated", 0.5), ("control", 0.0)):
            for step in range(3):
                rows.append(
                    {
                        "point_id": "p",
                        "pair_id": f"x{pair}",
                        "arm": arm,
                        "step": step,
                        "m": base[step] + shift * step + rng.normal(scale=0.1),
                    }
                )
    frame = pd.DataFrame(rows)
    diffs = paired_differences(frame, "m")
    assert len(diffs) == 90
    eff = effects(frame, "m", seed=1).set_index("step")
    assert list(eff["n_pairs"]) == [30, 30, 30]
    for step, true in ((0, 0.0), (1, 0.5), (2, 1.0)):
        assert eff.loc[step, "ci_low"] < true < eff.loc[step, "ci_high"]
        assert abs(eff.loc[step, "effect"] - true) < 0.1
    assert eff.loc[2, "ci_low"] > 0
    pd.testing.assert_frame_equal(effects(frame, "m", seed=1), effects(frame, "m", seed=1))
    with pytest.raises(KeyError, match="'nope'"):
        effects(frame, "nope")
    with pytest.raises(ValueError, match="paired"):
        effects(frame[frame["arm"] == "treated"], "m")


def test_the_cutoff_effect_on_trust_is_negative_in_a_real_sweep(tmp_path: Path) -> None:
    specs = plan(small(scenario=cutoff(at=10), steps=20), replicates=4, intervention=REVOKE)
    sweep(specs, tmp_path, n_jobs=2)
    eff = effects(load(tmp_path), "trust__incumbent_api", steps=[9, 15]).set_index("step")
    assert eff.loc[9, "effect"] == 0.0, "identical before the intervention (common numbers)"
    assert eff.loc[15, "ci_high"] < 0


def test_horizon_effects_use_complete_pairs_and_fall_back_to_the_final_month(
    tmp_path: Path,
) -> None:
    config = small(steps=12, scenario=cutoff(at=6))
    specs = plan(config, replicates=3, intervention=[EventKind.revoke_access])
    sweep(specs, tmp_path)
    results = load(tmp_path)
    lone = results[results["run_id"] != results.loc[results["arm"] == "control", "run_id"].iloc[0]]
    assert len(complete_pairs(lone)["pair_id"].unique()) == 2
    table, at = horizon_effects(lone, config, [EventKind.revoke_access], [3, 60])
    assert at == 6 and list(table["months_after"].unique()) == [3]  # 60 is past the end
    assert (table["n_pairs"] == 2).all()
    alone, _ = horizon_effects(results, config, [EventKind.revoke_access], [60], ["hhi"])
    assert list(alone["step"]) == [12] and list(alone["n_pairs"]) == [3]


def test_the_effect_table_of_one_pair_says_it_has_no_interval() -> None:
    from experiments.outcome import format_effects

    table = pd.DataFrame(
        {
            "metric": ["hhi"],
            "point_id": ["p"],
            "step": [30],
            "months_after": [6],
            "effect": [0.012],
            "ci_low": [np.nan],
            "ci_high": [np.nan],
            "n_pairs": [1],
        }
    )
    text = format_effects(table, 24, ["revoke_access"])
    assert "nan" not in text.lower()
    assert "changed hhi by +0.0120 (one pair only, so no confidence interval)" in text


def test_an_effect_table_with_uneven_pairs_is_judged_by_its_fewest() -> None:
    from experiments.outcome import format_effects

    table = pd.DataFrame(
        {
            "metric": ["hhi", "hhi"],
            "point_id": ["a", "b"],
            "step": [30, 30],
            "months_after": [6, 6],
            "effect": [0.01, 0.02],
            "ci_low": [0.005, 0.001],
            "ci_high": [0.015, 0.04],
            "n_pairs": [12, 3],
        }
    )
    text = format_effects(table, 24, ["revoke_access"])
    assert "mean over 3 to 12 paired replicates" in text and "Caution: Only 3 pairs" in text


def test_a_run_without_events_keeps_typed_id_columns(tmp_path: Path) -> None:
    import dataclasses
    import datetime as dt

    from sim.experiment.run import events_frame, run
    from sim.experiment.store import write_run

    spec = plan(small(steps=3), replicates=1)[0]
    result = run(spec.config)
    quiet = dataclasses.replace(result, events=events_frame(sim.AccessModel(spec.config)))
    assert quiet.events.empty
    now = dt.datetime.now(dt.UTC)
    write_run(tmp_path, spec, quiet, now, now)
    events = load(tmp_path, "events")
    assert events.empty and events["replicate"].dtype == np.int64
