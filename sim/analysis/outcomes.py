"""Which columns of a results frame are outcomes, and one-line refusals of a metric or
column that is not there (naming some that are)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.experiment.store import ID_COLUMNS


def _is_outcome(column: object, dtype: Any) -> bool:
    return (
        column not in ID_COLUMNS
        and not str(column).startswith("param__")
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    )


def outcome_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric outcome columns of a results frame (not ids, not swept parameters),
    model-wide metrics first."""
    return sorted(
        (str(c) for c, dtype in frame.dtypes.items() if _is_outcome(c, dtype)),
        key=lambda c: (c.count("__"), c),
    )


def require_outcome(frame: pd.DataFrame, metric: str) -> None:
    """Refuse a metric that is not a numeric outcome of `frame` (KeyError when absent,
    ValueError when it is an id, a swept parameter or not a number), naming some that are."""
    if metric in frame.columns and _is_outcome(metric, frame.dtypes[metric]):
        return
    known = outcome_columns(frame)
    shown = ", ".join(known[:12]) + (f" and {len(known) - 12} more" if len(known) > 12 else "")
    if metric not in frame.columns:
        raise KeyError(f"metric = {metric!r}: not in the results; outcomes are {shown}")
    if metric not in known:
        what = (
            "identifies runs"
            if metric in ID_COLUMNS or str(metric).startswith("param__")
            else f"is not numeric ({frame[metric].dtype})"
        )
        raise ValueError(f"metric = {metric!r}: not an outcome (it {what}); outcomes are {shown}")


def require_column(frame: pd.DataFrame, column: str) -> None:
    if column not in frame.columns:
        known = [c for c in frame.columns if c not in ID_COLUMNS]
        raise KeyError(f"column = {column!r}: not in the results; columns are {known}")
