"""The observed quantities measured from a simulated run, the way each source measures them,
and the out-of-sample prediction quantities.

A run is a DataFrame with one row per month: ``step`` (0 = the month before the calendar
start, 1 = the start month, ``2023-01`` in the history scenario) and the model's metric
columns: ``eci__<lab>`` (ECI of the lab's current released model; NaN before its first
release), ``lab_share__<lab>``, ``open_model_share``, ``coding_share__<lab>`` and
``switched_12m``. The ECI quantities go through the same functions as the observed record
(:mod:`sim.calibration.measures`): records to date, the open-weights lag and gap, leader
changes and the piecewise growth fit; shares are read at the survey month.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.calibration import measures, observed

START = observed.START
ECI_PREFIX = "eci__"
SHARE_COLUMNS = {
    "openai": "lab_share__openai",
    "anthropic": "lab_share__anthropic",
    "google": "lab_share__google",
    "mistral": "lab_share__mistral",
    "meta_open": "lab_share__meta",
    "deepseek_open": "lab_share__deepseek",
    "open_total": "open_model_share",
}
"""Fields of the share targets (MS-1..3) -> the run's column measured the same way: the
share of developers on a lab's models through any provider or self-hosted; Meta's and
DeepSeek's models are open weights in the model, so ``meta_open`` is Meta's share."""
TARGET_COLUMNS = {
    "MS-5": "open_model_share",
    "MH-1": "switched_12m",
    "DM-1": "coding_demand_share",
}
"""Targets read from one column at the last month of their period (MH-1: who changed option
at least once in the 12 months to 2025-07; DM-1: coding's share of the market's usage, read
as the aggregator's token mix)."""
RATIO_COLUMNS = {"MS-7": "market_size"}
"""Targets that are the ratio of a column at the last month of their period to its value at
the first (MS-7: the market's usage, in proportion to which its value is paid)."""


class Prediction(NamedTuple):
    """One out-of-sample quantity: what, for which month or window, its simulated value."""

    quantity: str
    period: str
    value: float


AT_MONTHS = (
    ("share_anthropic", "lab_share__anthropic", ("2025-12", "2026-04")),
    ("share_openai", "lab_share__openai", ("2025-12", "2026-04")),
    ("share_google", "lab_share__google", ("2025-12", "2026-04")),
    ("share_open", "open_model_share", ("2025-12", "2026-04")),
    ("coding_share_anthropic", "coding_share__anthropic", ("2025-07", "2025-12")),
    ("coding_demand_share", "coding_demand_share", ("2025-11",)),
)
"""Predictions read from a run column in a month."""
CODING_LEADER = ("p_anthropic_leads_coding", "anthropic", "2025-12")
"""Whether Anthropic's released model is the best at coding (`domain_eci__<lab>__coding`)
in the month: 1 or 0 in a run; over posterior runs, the share of runs (fit.predict)."""
SHARE_OF_RUNS = (CODING_LEADER[0],)
"""Predictions whose value over posterior runs is the share of runs, not a band."""
GAP_WINDOW = "2026-01..2026-05"
LEADER_WINDOW = "2023-03..2025-08"
FRONTIER_MONTHS = ("2025-08", "2025-12")


def calendar(step: int, start: str = START) -> str:
    """The calendar month ``"YYYY-MM"`` of a step: step 1 is ``start``, step 0 the month
    before."""
    return (measures.month(start) + (int(step) - 1)).strftime("%Y-%m")


def step_of(month: str, start: str = START) -> int:
    """The step of a calendar month ``"YYYY-MM"`` (the inverse of :func:`calendar`)."""
    return (measures.month(month) - measures.month(start)).n + 1


def monthly(run: pd.DataFrame, start: str = START) -> pd.DataFrame:
    """The run indexed by calendar month (its ``step`` column turned into months)."""
    if "step" not in run.columns:
        raise ValueError("run: no 'step' column (one row per month, step 0 = before the start)")
    if run.empty:
        raise ValueError("run: no rows")
    ordered = run.sort_values("step")
    steps = ordered["step"].to_numpy(dtype=int)
    if (np.diff(steps) != 1).any():
        raise ValueError(
            "run: 'step' must count months one by one (no repeats, no gaps); pass one run"
        )
    index = pd.period_range(
        measures.month(start) + (int(steps[0]) - 1), periods=len(steps), freq="M"
    )
    return ordered.set_index(index).rename_axis("month")


def _column(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    if column not in frame.columns:
        raise ValueError(f"run: no column {column!r} (needed for {what})")
    return frame[column].astype(float)


def _require(frame: pd.DataFrame, period: str, what: str, start: str) -> None:
    """Refuse, in one line naming steps and months, a run too short for a quantity."""
    first, last = measures.window(period)
    have = pd.PeriodIndex(frame.index)
    if have[0] <= first and have[-1] >= last:
        return

    def steps(a: pd.Period, b: pd.Period) -> str:
        sa, sb = step_of(str(a), start), step_of(str(b), start)
        return f"{a} (step {sa})" if a == b else f"{a}..{b} (steps {sa}..{sb})"

    raise ValueError(f"run: covers {steps(have[0], have[-1])}; {what} needs {steps(first, last)}")


def simulated_records(
    run: pd.DataFrame, open_labs: Collection[str], start: str = START
) -> pd.DataFrame:
    """The run's monthly records to date (``frontier_eci``, ``closed_record``,
    ``open_record``, ``record_holder``) from its ``eci__<lab>`` columns; a lab is
    open-weights if it is in ``open_labs``, closed otherwise."""
    frame = monthly(run, start)
    eci = frame[[c for c in frame.columns if c.startswith(ECI_PREFIX)]]
    eci = eci.rename(columns=lambda c: c.removeprefix(ECI_PREFIX))
    if eci.shape[1] == 0:
        raise ValueError("run: no 'eci__<lab>' columns")
    missing = sorted(set(open_labs) - set(eci.columns))
    if missing:
        raise ValueError(
            f"open_labs: {missing} have no eci__<lab> column (labs in the run: "
            f"{sorted(eci.columns)})"
        )
    return measures.records_to_date(eci, open_columns=set(open_labs))


def frontier_statistics(
    run: pd.DataFrame,
    open_labs: Collection[str],
    start: str = START,
    lag_window: str | None = None,
) -> dict[str, float]:
    """CG-1, CG-3, OC-1 and OC-7 measured on the run, over each target's own period;
    ``lag_window`` replaces OC-1's (2023-01..2025-10, the source's) when given."""
    records = simulated_records(run, open_labs, start)
    for key, target in observed.targets().items():
        if target.id in ("CG-1", "CG-3", "OC-1", "OC-7"):
            period = lag_window if target.id == "OC-1" and lag_window else target.period
            _require(records, period, key, start)
    return observed.record_statistics(records, lag_window)


def share_statistics(run: pd.DataFrame, start: str = START) -> dict[str, float]:
    """The survey targets (MS-1..3, MS-5, MH-1) read from the run at each survey's month."""
    frame = monthly(run, start)
    out = {}
    for key, target in observed.targets().items():
        if target.id in RATIO_COLUMNS:
            first, last = measures.window(target.period)
            _require(frame, target.period, key, start)
            series = _column(frame, RATIO_COLUMNS[target.id], key)
            base = measures.value_at(series, first, key)
            out[key] = measures.value_at(series, last, key) / base if base > 0 else math.inf
            continue
        if target.id in TARGET_COLUMNS:
            column = TARGET_COLUMNS[target.id]
        elif target.id.startswith("MS-"):
            column = SHARE_COLUMNS[key.split(".", 1)[1]]
        else:
            continue
        _, when = measures.window(target.period)
        _require(frame, str(when), key, start)
        out[key] = measures.value_at(_column(frame, column, key), when, key)
    return out


def summary_statistics(
    run: pd.DataFrame, open_labs: Collection[str], start: str = START
) -> dict[str, float]:
    """Every comparable target measured on the run, keyed like :func:`observed.targets`."""
    return frontier_statistics(run, open_labs, start) | share_statistics(run, start)


DOMAIN_PREFIX = "domain_eci__"


def domain_leaders(frame: pd.DataFrame, domain: str) -> pd.Series:
    """The lab whose released model is best in `domain` each month (None before anyone
    has released), from a monthly frame's ``domain_eci__<lab>__<domain>`` columns."""
    suffix = f"__{domain}"
    columns = [c for c in frame.columns if c.startswith(DOMAIN_PREFIX) and c.endswith(suffix)]
    if not columns:
        raise ValueError(f"run: no '{DOMAIN_PREFIX}<lab>{suffix}' columns")
    scores = frame[columns].astype(float)
    scores.columns = [c.removeprefix(DOMAIN_PREFIX).removesuffix(suffix) for c in columns]
    return measures.leaders(scores)


def predictions(run: pd.DataFrame, open_labs: Collection[str], start: str = START) -> pd.DataFrame:
    """The out-of-sample quantities as rows ``(quantity, period, value)``: lab and
    open-weights shares at 2025-12 and 2026-04, Anthropic's coding share at 2025-07 and
    2025-12, the frontier ECI at 2025-08 and 2025-12, the open-weights gap in ECI points and
    in months averaged over 2026-01..2026-05, and leader changes over 2023-03..2025-08."""
    frame = monthly(run, start)
    records = simulated_records(run, open_labs, start)
    rows = []
    for name, column, months in AT_MONTHS:
        for when in months:
            _require(frame, when, name, start)
            value = measures.value_at(_column(frame, column, name), measures.month(when), name)
            rows.append(Prediction(name, when, value))
    for when in FRONTIER_MONTHS:
        _require(frame, when, "frontier_eci", start)
        value = measures.value_at(records["frontier_eci"], measures.month(when), "frontier_eci")
        rows.append(Prediction("frontier_eci", when, value))
    gap = measures.window(GAP_WINDOW)
    for name, series in (
        ("open_gap_eci", measures.open_gap(records)),
        ("open_gap_months", measures.open_lag(records)),
    ):
        _require(frame, GAP_WINDOW, name, start)
        rows.append(Prediction(name, GAP_WINDOW, measures.window_mean(series, *gap, name)))
    name, lab, when = CODING_LEADER
    _require(frame, when, name, start)
    leader = domain_leaders(frame, "coding").get(measures.month(when))
    rows.append(Prediction(name, when, float(leader == lab)))
    _require(frame, LEADER_WINDOW, "leader_changes", start)
    changes = measures.leader_changes(records, *measures.window(LEADER_WINDOW))
    rows.append(Prediction("leader_changes", LEADER_WINDOW, float(changes)))
    return pd.DataFrame(rows, columns=list(Prediction._fields))
