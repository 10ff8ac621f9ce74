"""DSAIR payoffs, thresholds and the evolutionary outcomes reported by Han et al. (2020)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from sim.theory import dsair, stationary_distribution
from sim.theory.dsair import EARLY_W, LATE_W, SAFE, UNSAFE, payoffs, thresholds

B = 1e4


def test_payoffs_worked_by_hand() -> None:
    """b=4, c=1, s=3, p_r=0.5, B=1e4, W=100: pi_SS = 1, pi_SU = 0, pi_US = 3, pi_UU = 2;
    the prize adds B/(2W) = 50 to SS, sB/W = 300 to US and sB/(2W) = 150 to UU."""
    expected = [[51.0, 0.0], [0.5 * 303.0, 0.5 * 152.0]]
    np.testing.assert_allclose(payoffs(4, 1, 3, 0.5, B, 100), expected)


def test_payoffs_limits() -> None:
    certain_disaster = payoffs(4, 1, 2.5, 1.0, B, 100)
    assert certain_disaster[UNSAFE].tolist() == [0.0, 0.0]
    no_prize = payoffs(4, 1, 3, 0.0, 0.0, 100)
    np.testing.assert_allclose(no_prize, [[1.0, 0.0], [3.0, 2.0]])


games = {
    "b": st.floats(0.1, 10),
    "c": st.floats(0, 3),
    "s": st.floats(1, 6),
    "B": st.floats(0, 1e5),
    "W": st.floats(1, 1e6),
}


@settings(max_examples=100, deadline=None)
@given(**games)
def test_thresholds_solve_the_payoff_equalities(
    b: float, c: float, s: float, B: float, W: float
) -> None:
    """At the collective threshold Pi_SS = Pi_UU; at the risk one the row sums are equal;
    just above each, the SAFE side of the inequality wins."""
    collective, risk = thresholds(b, c, s, B, W)
    scale = 1.0 + b + c + B / W * s
    if 0 < collective < 1 - 1e-3:
        m = payoffs(b, c, s, collective, B, W)
        assert m[SAFE, SAFE] == pytest.approx(m[UNSAFE, UNSAFE], abs=1e-9 * scale)
        above = payoffs(b, c, s, collective + 1e-3, B, W)
        assert above[SAFE, SAFE] > above[UNSAFE, UNSAFE]
    if 0 < risk < 1 - 1e-3:
        m = payoffs(b, c, s, risk, B, W)
        assert m[SAFE].sum() == pytest.approx(m[UNSAFE].sum(), abs=1e-9 * scale)
        above = payoffs(b, c, s, risk + 1e-3, B, W)
        assert above[SAFE].sum() > above[UNSAFE].sum()


@pytest.mark.parametrize("s", [1.0, 1.5, 2.0, 3.0, 5.0])
def test_thresholds_when_the_prize_dominates(s: float) -> None:
    """B/W >> b: 1 - 1/s (collective) and 1 - 1/(3s) (risk-dominance)."""
    collective, risk = thresholds(4, 1, s, 1e12, 1.0)
    assert collective == pytest.approx(1 - 1 / s, abs=1e-9)
    assert risk == pytest.approx(1 - 1 / (3 * s), abs=1e-9)


@pytest.mark.parametrize(("b", "c", "s"), [(4, 1, 1.0), (4, 1, 2.0), (4, 1, 5.0), (10, 3, 2.5)])
def test_thresholds_when_the_prize_vanishes(b: float, c: float, s: float) -> None:
    """B/W -> 0: 2c/b (collective) and 2((s-1)b + 2c(s+1)) / (b(3s+1)) (risk-dominance)."""
    collective, risk = thresholds(b, c, s, 1e-6, 1e9)
    assert collective == pytest.approx(2 * c / b, abs=1e-9)
    assert risk == pytest.approx(2 * ((s - 1) * b + 2 * c * (s + 1)) / (b * (3 * s + 1)), abs=1e-9)


def test_thresholds_are_clipped_to_the_unit_interval() -> None:
    """With safety dearer than the whole per-round benefit no p_r makes SAFE preferable."""
    assert thresholds(4, 10, 2, 0.0, 100) == (1.0, 1.0)


def crossing(s: float, W: float, Z: int) -> float:
    def excess(p_r: float) -> float:
        return float(stationary_distribution(payoffs(4, 1, s, p_r, B, W), Z, 0.01)[UNSAFE] - 0.5)

    return float(brentq(excess, 0.0, 1.0, xtol=1e-12))


@pytest.mark.parametrize("W", [EARLY_W, LATE_W])
@pytest.mark.parametrize("s", [1.5, 3.0, 5.0])
def test_unsafe_is_more_abundant_exactly_below_the_risk_threshold(s: float, W: float) -> None:
    """Risk dominance decides the more abundant strategy in a large population (Nowak et al.
    2004): the p_r where UNSAFE drops below 1/2 approaches the risk threshold as Z grows."""
    risk = thresholds(4, 1, s, B, W)[1]
    gaps = [abs(crossing(s, W, Z) - risk) for Z in (100, 1000)]
    assert gaps[0] < 0.005
    assert gaps[1] < gaps[0] / 5


def test_early_regime_unsafe_prevails_below_the_risk_threshold_only() -> None:
    s_values = [1.5, 2.0, 2.5, 3.0, 3.5]
    df = dsair.unsafe_frequency_map(s_values, [0.0], W=EARLY_W)
    for s in s_values:
        risk = df.loc[df.s == s, "risk_threshold"].iloc[0]
        below, above = dsair.unsafe_frequency_map([s], [risk - 0.05, risk + 0.05], W=EARLY_W)[
            "unsafe_frequency"
        ]
        assert below > 0.99
        assert above < 0.01


def test_early_regime_dilemma_between_the_thresholds() -> None:
    """Between the thresholds society prefers SAFE yet UNSAFE takes over (Han et al. 2020)."""
    for s in (1.5, 2.0, 3.0):
        collective, risk = thresholds(4, 1, s, B, EARLY_W)
        assert collective < risk
        middle = dsair.unsafe_frequency_map([s], [(collective + risk) / 2], W=EARLY_W)
        assert middle["unsafe_frequency"].iloc[0] > 0.99


def test_late_regime_unsafe_dominates_below_the_collective_threshold() -> None:
    s_values = np.linspace(1.0, 5.0, 17).tolist()
    pr_values = np.linspace(0.0, 1.0, 41).tolist()
    df = dsair.unsafe_frequency_map(s_values, pr_values, W=LATE_W)
    assert np.allclose(df["collective_threshold"], 0.5, atol=0.005)
    below = df[df.p_r < df.collective_threshold]
    assert len(below) >= 17 * 20
    assert (below["unsafe_frequency"] > 0.5).all()
    for _, part in df.groupby("s"):
        assert np.all(np.diff(part.sort_values("p_r")["unsafe_frequency"]) < 0)


def test_map_is_tidy_and_plots(tmp_path: Path) -> None:
    df = dsair.unsafe_frequency_map([1.0, 2.0, 3.0], [0.0, 0.5, 1.0], Z=50)
    assert list(df.columns) == [
        "s",
        "p_r",
        "W",
        "unsafe_frequency",
        "collective_threshold",
        "risk_threshold",
    ]
    assert len(df) == 2 * 3 * 3
    assert sorted(df.W.unique()) == [EARLY_W, LATE_W]
    assert df.unsafe_frequency.between(0, 1).all()
    out = dsair.plot_maps(df, tmp_path / "maps.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="unsafe_frequency"):
        dsair.plot_maps(df.drop(columns="unsafe_frequency"), tmp_path / "bad.png")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: payoffs(4, 1, 0.5, 0.2, B, 100), "s"),
        (lambda: payoffs(4, 1, 2, 1.2, B, 100), "p_r"),
        (lambda: payoffs(4, 1, 2, -0.1, B, 100), "p_r"),
        (lambda: payoffs(4, 1, 2, 0.2, B, 0), "W"),
        (lambda: payoffs(0, 1, 2, 0.2, B, 100), "b"),
        (lambda: thresholds(4, -1, 2, B, 100), "c"),
        (lambda: thresholds(4, 1, 2, -B, 100), "B"),
        (lambda: dsair.unsafe_frequency_map([], [0.5]), "s_values"),
        (lambda: dsair.unsafe_frequency_map([2.0], [0.5], Z=1), "Z"),
        (lambda: dsair.unsafe_frequency_map([2.0], [0.5], beta=-1), "beta"),
    ],
)
def test_invalid_input_names_the_parameter(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
