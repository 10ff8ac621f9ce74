"""The measurements the observed and the simulated side share, so that a target and its
simulated equivalent are the same function of a monthly series, not two copies that drift.

Both sides first reduce their data to a table of ECI scores, one row per calendar month
(a complete ``PeriodIndex`` of frequency ``M``) and one column per lab (or per lab and kind
of release, on the observed side), then to its *records to date* (:func:`records_to_date`):
``frontier_eci`` (best score released so far by anyone), ``closed_record`` and
``open_record`` (best so far among closed and among open-weights releases) and
``record_holder`` (who set the current frontier record). Everything else here is a function
of those records, following Epoch AI's definitions: the open-weights lag in months, the
gap in ECI points, leader changes, and the piecewise-linear growth of the frontier.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

RECORD_COLUMNS = ["frontier_eci", "closed_record", "open_record", "record_holder"]


def month(text: str) -> pd.Period:
    """A calendar month from ``"YYYY-MM"``; one clear line when it is not one."""
    try:
        return pd.Period(str(text).strip(), freq="M")
    except (ValueError, TypeError):
        raise ValueError(f"month: {text!r} is not a calendar month (allowed: 'YYYY-MM')") from None


def window(text: str) -> tuple[pd.Period, pd.Period]:
    """The first and last month of ``"YYYY-MM..YYYY-MM"`` (spaces allowed), or of a single
    month ``"YYYY-MM"`` (a window of one month)."""
    lo, sep, hi = str(text).partition("..")
    first, last = month(lo), month(hi if sep else lo)
    if last < first:
        raise ValueError(f"window: {text!r} ends before it starts")
    return first, last


def require_months(index: pd.PeriodIndex, first: pd.Period, last: pd.Period, what: str) -> None:
    """Refuse, in one line, a series that does not cover ``first..last``."""
    if len(index) == 0 or index[0] > first or index[-1] < last:
        span = f"{index[0]}..{index[-1]}" if len(index) else "no months"
        raise ValueError(f"{what} needs the months {first}..{last}; the series covers {span}")


def records_to_date(
    eci: pd.DataFrame, open_columns: Collection[str], holder: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Records to date of a month-by-column table of ECI scores (NaN where a column has
    nothing released yet). A column is open-weights if it is in ``open_columns``, closed
    otherwise; ``holder`` names the organisation of a column (default: the column's name).

    The record holder changes only when the frontier rises: a tie is not a new record.
    """
    unknown = set(open_columns) - set(eci.columns)
    if unknown:
        raise ValueError(f"open_columns: {sorted(unknown)} are not columns of the ECI table")
    index = eci.index
    if not isinstance(index, pd.PeriodIndex) or (
        len(index) > 1 and (index[1:] != index[:-1] + 1).any()
    ):
        raise ValueError("eci: the index must be consecutive calendar months (PeriodIndex 'M')")
    best = eci.astype(float).cummax().ffill()
    open_cols = [c for c in eci.columns if c in open_columns]
    closed_cols = [c for c in eci.columns if c not in open_columns]
    frontier = best.max(axis=1)
    rose = frontier > frontier.shift(1).fillna(-np.inf)
    setter = best.loc[rose].idxmax(axis=1).map(lambda c: (holder or {}).get(c, c))
    return pd.DataFrame(
        {
            "frontier_eci": frontier,
            "closed_record": best[closed_cols].max(axis=1) if closed_cols else np.nan,
            "open_record": best[open_cols].max(axis=1) if open_cols else np.nan,
            "record_holder": setter.reindex(index).ffill(),
        },
        index=index,
    )


def open_lag(records: pd.DataFrame) -> pd.Series:
    """Months by which the best open-weights model trails the closed record, each month, as
    Epoch AI computes it: lag(t) = t - s, s the first month at which the closed record
    reached open_record(t); 0 when the open record is at or above the closed one; NaN while
    either record is missing.

    The search for s starts at the first month of ``records``: a lag reaching back before
    it is cut there (left-censored), so a series should begin as early as its data allow.
    """
    closed = records["closed_record"].to_numpy(dtype=float)
    opened = records["open_record"].to_numpy(dtype=float)
    # the closed record never falls, so the first month it reaches a level is a binary search
    first = np.searchsorted(np.nan_to_num(closed, nan=-np.inf), opened, side="left")
    lag = np.arange(len(records)) - first
    lag = np.where(opened >= closed, 0, lag).astype(float)
    lag[np.isnan(closed) | np.isnan(opened)] = np.nan
    return pd.Series(lag, index=records.index, name="open_lag_months")


def open_gap(records: pd.DataFrame) -> pd.Series:
    """ECI points by which the closed record leads the open-weights record, each month
    (negative when open weights lead)."""
    return (records["closed_record"] - records["open_record"]).rename("open_gap_eci")


def window_mean(series: pd.Series, first: pd.Period, last: pd.Period, what: str) -> float:
    """Mean of a monthly series over ``first..last`` (months where it is defined); NaN when
    it is defined in none of them."""
    require_months(pd.PeriodIndex(series.index), first, last, what)
    return float(series.loc[first:last].mean())


def leader_changes(records: pd.DataFrame, first: pd.Period, last: pd.Period) -> int:
    """Times the frontier record passes to a different organisation within ``first..last``:
    the holder at ``first`` is the reference, so a change in the month ``first`` itself (from
    the month before the window) is not counted."""
    require_months(pd.PeriodIndex(records.index), first, last, "leader_changes")
    held = records["record_holder"].loc[first:last].dropna()
    return int((held != held.shift(1)).iloc[1:].sum())


def leaders(scores: pd.DataFrame) -> pd.Series:
    """The column (lab) with the highest score in each row (month); None where no lab has
    a score yet: who leads a domain, for the observed indices and a run's alike."""
    best = scores.fillna(-np.inf).idxmax(axis=1).astype(object)
    return best.where(scores.notna().any(axis=1), None)


def record_setting_months(records: pd.DataFrame, first: pd.Period, last: pd.Period) -> pd.Series:
    """The frontier ECI at the months of ``first..last`` in which a record was set (the
    frontier rose, or appeared for the first time): the points of Epoch AI's growth fit,
    month by month. A level carried into the window from before it is not a point."""
    require_months(pd.PeriodIndex(records.index), first, last, "record_setting_months")
    frontier = records["frontier_eci"]
    rose = frontier > frontier.shift(1).fillna(-np.inf)
    return frontier.loc[first:last][rose.loc[first:last]]


def value_at(series: pd.Series, when: pd.Period, what: str) -> float:
    """A monthly series' value in the month ``when``."""
    require_months(pd.PeriodIndex(series.index), when, when, what)
    return float(series.to_numpy(dtype=float)[series.index.get_loc(when)])


def piecewise_slopes(years: np.ndarray, eci: np.ndarray) -> tuple[float, float]:
    """Slopes (points per year) before and after 0 of the continuous piecewise-linear
    least-squares fit eci = a + b1 min(t, 0) + b2 max(t, 0), t in years from the breakpoint
    (Epoch AI's fit to record-setting models).

    A side with no points gets slope 0 (the record did not move there: the least-norm
    solution); NaN for both when the points cannot determine the rest of the line.
    """
    t = np.asarray(years, dtype=float)
    y = np.asarray(eci, dtype=float)
    design = np.column_stack([np.ones_like(t), np.minimum(t, 0.0), np.maximum(t, 0.0)])
    used = np.abs(design).sum(axis=0) > 0
    if len(t) < 2 or np.linalg.matrix_rank(design[:, used]) < used.sum():
        return float("nan"), float("nan")
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(coef[1]), float(coef[2])


def growth_slopes(
    records: pd.DataFrame, first: pd.Period, last: pd.Period, breakpoint: pd.Period
) -> tuple[float, float]:
    """Frontier ECI growth (points per year) before and after ``breakpoint``: the piecewise
    fit through the record-setting months of ``first..last``, a month's time its start."""
    points = record_setting_months(records, first, last)
    years = np.array([(m - breakpoint).n / 12 for m in points.index], dtype=float)
    return piecewise_slopes(years, points.to_numpy(dtype=float))
