"""The instruments measure a simulated run the way the sources measure the world: synthetic
runs whose right answer is known by construction (a lag of k months, three leader changes,
shares that differ every month, growth that changes pace at 2024-04), and the observed ECI
record fed through the instrument gives the observed numbers back."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from helpers import PREDICTED

from sim.calibration import instruments, measures, observed

STEPS = np.arange(0, 42)  # 2022-12 .. 2026-05: every month a prediction needs
SHARE_COLUMNS = [
    "lab_share__openai",
    "lab_share__anthropic",
    "lab_share__google",
    "lab_share__mistral",
    "lab_share__meta",
    "lab_share__deepseek",
    "open_model_share",
    "coding_share__anthropic",
    "switched_12m",
    "coding_demand_share",
    "market_size",
]


def run_with(eci: dict[str, np.ndarray], steps: np.ndarray = STEPS) -> pd.DataFrame:
    """A run with the given ECI columns and shares that differ by column and by month
    (column i in step s reads i/10 + s/1000), so a share read at the wrong month or from the
    wrong column gives a different number."""
    run = pd.DataFrame({"step": steps} | {f"eci__{lab}": v for lab, v in eci.items()})
    for i, column in enumerate(SHARE_COLUMNS):
        run[column] = i / 10 + steps / 1000
    for lab, v in eci.items():  # each lab's coding at its ECI
        run[f"domain_eci__{lab}__coding"] = v
    return run


def share(column: str, step: int) -> float:
    return SHARE_COLUMNS.index(column) / 10 + step / 1000


def ramps(lag: int) -> dict[str, np.ndarray]:
    """A closed lab gaining a point a month and an open lab exactly `lag` months behind it."""
    closed = 100.0 + STEPS
    return {"openai": closed, "meta": closed - lag}


def prediction(table: pd.DataFrame, quantity: str, period: str) -> float:
    (value,) = table.loc[(table["quantity"] == quantity) & (table["period"] == period), "value"]
    return float(value)


def test_the_calendar_starts_at_step_one() -> None:
    assert instruments.calendar(1) == "2023-01" and instruments.calendar(0) == "2022-12"
    assert instruments.calendar(31) == "2025-07" and instruments.step_of("2026-05") == 41
    assert instruments.calendar(7, start="2024-06") == "2024-12"
    for step in (0, 1, 12, 13, 41):
        assert instruments.step_of(instruments.calendar(step)) == step


@pytest.mark.parametrize("lag", [0, 3, 7])
def test_an_open_lab_k_months_behind_lags_k_months(lag: int) -> None:
    table = instruments.predictions(run_with(ramps(lag)), {"meta"})
    assert prediction(table, "open_gap_months", "2026-01..2026-05") == lag
    assert prediction(table, "open_gap_eci", "2026-01..2026-05") == lag  # a point a month
    in_sample = instruments.frontier_statistics(
        run_with(ramps(lag)), {"meta"}, lag_window="2024-01..2025-06"
    )
    assert in_sample["OC-1"] == lag and in_sample["OC-7"] == lag


def test_an_open_lab_ahead_has_no_lag_and_a_negative_gap() -> None:
    ahead = {"openai": 100.0 + STEPS, "meta": 102.0 + STEPS}
    table = instruments.predictions(run_with(ahead), {"meta"})
    assert prediction(table, "open_gap_months", "2026-01..2026-05") == 0
    assert prediction(table, "open_gap_eci", "2026-01..2026-05") == -2
    # which labs are open is the caller's: the same run, roles swapped, lags 2 months
    swapped = instruments.predictions(run_with(ahead), {"openai"})
    assert prediction(swapped, "open_gap_months", "2026-01..2026-05") == 2


def test_the_lag_counts_from_when_the_closed_record_first_reached_the_open_one() -> None:
    """The closed record jumps to 130 in 2024-01 (step 13) and stays; the open lab reaches
    120 in 2024-07 (step 19): behind 130, and the closed record first passed 120 in 2024-01,
    so 2024-07 lags 6 months and 2024-08 lags 7."""
    closed = np.where(STEPS >= 13, 130.0, 110.0)
    opened = np.where(STEPS >= 19, 120.0, 100.0)
    records = instruments.simulated_records(run_with({"a": closed, "o": opened}), {"o"})
    lag = measures.open_lag(records)
    assert lag[pd.Period("2024-07", "M")] == 6 and lag[pd.Period("2024-08", "M")] == 7


def test_a_record_passing_three_times_is_three_leader_changes() -> None:
    """a holds the record; b passes it in 2024-01, a takes it back in 2024-06, and open-weights
    c takes it in 2025-01. Improving one's own record, tying it, and a change before the
    window (b over a in 2023-02, a back in 2023-03) are not changes in 2023-03..2025-08."""
    a = np.select([STEPS >= 18, STEPS >= 3, STEPS >= 2], [125.0, 112.0, 110.0], 100.0)
    a = np.where(STEPS >= 20, 126.0, a)  # a improves its own record: not a change
    b = np.select([STEPS >= 13, STEPS >= 2], [120.0, 111.0], 90.0)
    b = np.where(STEPS >= 22, 126.0, b)  # b ties a's record: not a new record
    c = np.where(STEPS >= 25, 130.0, 80.0)
    table = instruments.predictions(run_with({"a": a, "b": b, "c": c}), {"c"})
    assert prediction(table, "leader_changes", "2023-03..2025-08") == 3
    records = instruments.simulated_records(run_with({"a": a, "b": b, "c": c}), {"c"})
    holders = records["record_holder"]
    assert holders[pd.Period("2023-02", "M")] == "b" and holders[pd.Period("2024-10", "M")] == "a"
    assert (
        measures.leader_changes(records, pd.Period("2023-01", "M"), pd.Period("2025-08", "M")) == 5
    )


def test_shares_are_read_at_the_survey_month_from_the_right_column() -> None:
    stats = instruments.share_statistics(run_with(ramps(0)))
    step = instruments.step_of
    assert stats["MS-3.anthropic"] == share("lab_share__anthropic", step("2025-07"))
    assert stats["MS-1.openai"] == share("lab_share__openai", step("2023-12"))
    assert stats["MS-1.mistral"] == share("lab_share__mistral", step("2023-12"))
    assert stats["MS-2.meta_open"] == share("lab_share__meta", step("2024-11"))
    assert stats["MS-2.open_total"] == share("open_model_share", step("2024-11"))
    assert stats["MS-3.deepseek_open"] == share("lab_share__deepseek", step("2025-07"))
    assert stats["MS-5.2025-01"] == share("open_model_share", step("2025-01"))
    assert stats["MH-1"] == share("switched_12m", step("2025-07"))  # the 12 months to 2025-07


def test_predictions_are_the_listed_quantities_read_at_their_months() -> None:
    closed = 100.0 + STEPS
    table = instruments.predictions(run_with({"openai": closed, "meta": closed - 4}), {"meta"})
    assert list(table.columns) == ["quantity", "period", "value"]
    step = instruments.step_of
    assert prediction(table, "share_anthropic", "2026-04") == share("lab_share__anthropic", 40)
    assert prediction(table, "share_open", "2025-12") == share("open_model_share", step("2025-12"))
    assert prediction(table, "coding_share_anthropic", "2025-07") == share(
        "coding_share__anthropic", 31
    )
    assert prediction(table, "frontier_eci", "2025-08") == 100 + step("2025-08")
    assert set(zip(table["quantity"], table["period"], strict=True)) == PREDICTED


def test_the_market_grows_as_its_usage_does_and_coding_demand_is_read_at_dm1s_month() -> None:
    run = run_with(ramps(0))
    size = 1.0 + (run["step"] - instruments.step_of("2024-11")).clip(lower=0) * 0.25
    stats = instruments.share_statistics(run.assign(market_size=size))
    assert stats["MS-7"] == pytest.approx(3.0)  # 8 months at +0.25 a month, from 1
    assert stats["DM-1"] == share("coding_demand_share", instruments.step_of("2024-11"))


@pytest.mark.parametrize(("ahead", "leads"), [(1.0, 1.0), (-1.0, 0.0)])
def test_anthropic_leads_coding_when_its_coding_model_is_the_best(
    ahead: float, leads: float
) -> None:
    closed = 100.0 + STEPS
    run = run_with({"openai": closed, "anthropic": closed - 3, "meta": closed - 4})
    december = run["step"] == instruments.step_of("2025-12")
    run.loc[december, "domain_eci__anthropic__coding"] = run.loc[december, "eci__openai"] + ahead
    table = instruments.predictions(run, {"meta"})
    assert prediction(table, "p_anthropic_leads_coding", "2025-12") == leads
    leaders = instruments.domain_leaders(instruments.monthly(run), "coding")
    assert set(leaders.dropna()) <= {"openai", "anthropic"}
    assert leaders.iloc[1] == "openai"


def test_growth_slopes_change_pace_at_april_2024() -> None:
    """A frontier gaining 1 point a month until 2024-04 and 2 after: 12 and 24 a year. With
    records only every third month the fit still finds both paces."""
    months = STEPS - instruments.step_of("2024-04")
    frontier = 120.0 + np.where(months < 0, months, 2 * months)
    stats = instruments.frontier_statistics(run_with({"x": frontier, "y": frontier - 5}), {"y"})
    assert stats["CG-1.before_2024_04"] == pytest.approx(12)
    assert stats["CG-1.after_2024_04"] == pytest.approx(24)
    sparse = np.where(STEPS % 3 == 0, frontier, np.nan)
    stats = instruments.frontier_statistics(run_with({"x": sparse, "y": frontier - 9}), {"y"})
    assert stats["CG-1.before_2024_04"] == pytest.approx(12)
    assert stats["CG-1.after_2024_04"] == pytest.approx(24)
    assert stats["CG-3"] == 120.0 + (
        instruments.step_of("2023-03") - instruments.step_of("2024-04")
    )


def test_a_flat_frontier_after_the_break_grows_zero() -> None:
    frontier = np.minimum(100.0 + STEPS, 100.0 + instruments.step_of("2024-01"))
    stats = instruments.frontier_statistics(run_with({"x": frontier, "y": frontier}), {"y"})
    assert stats["CG-1.after_2024_04"] == pytest.approx(0, abs=1e-9)
    assert stats["CG-1.before_2024_04"] > 0


def test_the_observed_record_through_the_instrument_gives_the_observed_numbers() -> None:
    """The ECI table as a simulated run (each lab's best release to date per month in
    ``eci__<lab>`` columns, one per lab and kind): the instrument returns what the observed
    side reproduces, and the record's 8 leader changes."""
    eci = observed.eci_by_lab(observed.load_eci()).cummax().ffill()
    run = eci.add_prefix("eci__").reset_index(drop=True)
    run["step"] = [instruments.step_of(str(m)) for m in eci.index]
    open_labs = {c for c in eci.columns if c.endswith(".open")}
    window = f"{observed.START}..{observed.END}"
    measured = instruments.frontier_statistics(run, open_labs, lag_window=window)
    reproduced = observed.reproduced()
    for key in ("CG-1.before_2024_04", "CG-1.after_2024_04", "CG-3", "OC-1", "OC-7"):
        assert measured[key] == pytest.approx(reproduced[key]), key
    records = instruments.simulated_records(run, open_labs)
    first, last = pd.Period("2023-03", "M"), pd.Period(observed.END, "M")
    assert measures.leader_changes(records, first, last) == 8


def test_summary_statistics_are_keyed_like_the_targets() -> None:
    stats = instruments.summary_statistics(run_with(ramps(2)), {"meta"})
    assert set(stats) == set(observed.targets())
    assert all(np.isfinite(v) for v in stats.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r[r["step"] <= 39],
            r"^run: covers 2022-12\.\.2026-03 \(steps 0\.\.39\); "
            r"share_anthropic needs 2026-04 \(step 40\)$",
        ),
        (
            lambda r: r[r["step"] >= 5],
            r"^run: covers 2023-05\.\.2026-05 .*; leader_changes needs 2023-03\.\.2025-08",
        ),
        (
            lambda r: r.drop(columns="lab_share__google"),
            r"^run: no column 'lab_share__google' \(needed for share_google\)$",
        ),
        (lambda r: pd.concat([r, r.tail(1)]), r"^run: 'step' must count months one by one"),
        (lambda r: r.drop(columns="step"), r"^run: no 'step' column"),
    ],
)
def test_a_run_that_cannot_answer_is_refused_in_one_line(
    change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as err:
        instruments.predictions(change(run_with(ramps(1))), {"meta"})
    assert "\n" not in str(err.value)


def test_in_sample_statistics_need_the_run_to_reach_oc1s_window() -> None:
    short = run_with(ramps(1))
    short = short[short["step"] <= instruments.step_of("2025-09")]
    with pytest.raises(ValueError, match=r"OC-1 needs 2023-01\.\.2025-10"):
        instruments.summary_statistics(short, {"meta"})
    with pytest.raises(ValueError, match=r"^open_labs: \['llama'\] have no eci__<lab> column"):
        instruments.summary_statistics(run_with(ramps(1)), {"llama"})
