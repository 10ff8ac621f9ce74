"""Safety and disasters, the DSAIR link between safety and the race (docs/ODD.md §7.8)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import small

import sim
from sim.config.base import in_range, iter_fields
from sim.config.safety import SafetyConfig
from sim.model.safety import disaster_probability, disasters

RISKY = SafetyConfig(disaster_risk=0.2, safe_share=0.1, disaster_setback=0.3)


def test_probability_falls_linearly_to_zero_at_the_safe_share() -> None:
    p = disaster_probability([0.0, 0.05, 0.1, 0.5], RISKY)
    np.testing.assert_allclose(p, [0.2, 0.1, 0.0, 0.0])
    assert not disaster_probability([0.0, 0.3], SafetyConfig()).any()


def test_unsafe_labs_suffer_setbacks_and_safe_ones_never_do() -> None:
    """Labs with safety 0, 0.05, 0.1 (= safe_share) and 0.3 over 2000 months of draws."""
    rng = np.random.default_rng(1)
    safety = [0.0, 0.05, 0.1, 0.3]
    caps = np.ones((4, 3))
    hits = np.zeros(4, dtype=int)
    for _ in range(2000):
        before = caps.copy()
        caps, events = disasters(safety, caps, RISKY, rng.random(4))
        for i, lost in events:
            hits[i] += 1
            np.testing.assert_allclose(caps[i], before[i] * 0.7)
            assert lost == pytest.approx(before[i].sum() * 0.3)
        untouched = [i for i in range(4) if i not in {e[0] for e in events}]
        np.testing.assert_array_equal(caps[untouched], before[untouched])
        caps = np.maximum(caps, 1e-3) / caps.max()  # keep numbers in range; ratios matter
    assert hits[2] == hits[3] == 0
    assert abs(hits[0] - 400) < 3 * np.sqrt(2000 * 0.2 * 0.8)
    assert abs(hits[1] - 200) < 3 * np.sqrt(2000 * 0.1 * 0.9)


def test_no_risk_no_disasters_whatever_the_draws() -> None:
    caps = np.arange(1.0, 13.0).reshape(4, 3)
    for draws in ([0.0] * 4, [1e-12] * 4, np.random.default_rng(0).random(4)):
        out, events = disasters([0.0] * 4, caps, SafetyConfig(), draws)
        assert events == []
        np.testing.assert_array_equal(out, caps)
    with pytest.raises(ValueError, match="one safety share"):
        disasters([0.0] * 3, caps, RISKY, [0.5] * 4)


def test_every_safety_field_is_documented_with_a_range() -> None:
    for _, f, value in iter_fields(SafetyConfig()):
        assert f.metadata["doc"] and f.metadata["unit"] and "not estimated" in f.metadata["why"]
        assert f.metadata["low"] is not None and f.metadata["high"] is not None
        assert in_range(value, f.metadata)
    assert SafetyConfig().disaster_risk == 0.0
    fields = {path: f for path, f, _ in iter_fields(SafetyConfig())}
    assert not in_range(0.0, fields["safe_share"].metadata)  # no division by zero
    assert not in_range(1.0, fields["disaster_setback"].metadata)  # capability stays > 0


def test_in_the_model_only_the_unsafe_lab_is_set_back() -> None:
    labs = dict(small().labs)
    labs["rival"] = dataclasses.replace(labs["rival"], safety=0.2)
    safety = SafetyConfig(disaster_risk=0.3, safe_share=0.2, disaster_setback=0.3)
    events = sim.run(small(labs=labs, steps=24, safety=safety), figures=False).events
    hit = events[events["kind"] == "disaster"]
    assert len(hit) > 10 and "rival" not in set(hit["actor"])
    assert (hit["value"] > 0).all()


def test_without_disaster_risk_nobody_is_set_back() -> None:
    events = sim.run(small(steps=24), figures=False).events
    assert "disaster" not in set(events["kind"])
