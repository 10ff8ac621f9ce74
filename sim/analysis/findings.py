"""Key findings of a paired sweep: each effect with the levels it moves between and its size
relative to the level without the intervention.

An effect alone (treated minus control, in the metric's units) does not say whether it is
large; the level without the intervention does. Levels are means over the same complete
pairs the effect averages, so `with - without` equals the effect. With several parameter
points the levels are per point; `pooled` (a posterior sweep, where the effect is the mean
over draws of each draw's mean) averages each draw's mean with equal weight instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.names import display_scale
from sim.experiment.store import Arm

INTERVAL_COLUMNS = [
    "ci_low",
    "ci_high",
    "change_pct",
    "change_pct_low",
    "change_pct_high",
    "n_pairs",
]
"""An estimate's interval, its value and interval in % of a baseline level, and its pairs."""
FINDING_COLUMNS = [
    "metric",
    "point_id",
    "step",
    "months_after",
    "without",
    "with",
    "effect",
    *INTERVAL_COLUMNS,
]
"""`without` and `with` are the mean levels of the control and treated arms at `step`;
`change_pct*` the effect and its interval as a percentage of `without` (NaN when that level
is zero: no percentage of nothing)."""


def arm_levels(pairs: pd.DataFrame, metric: str, steps: list[int], *, pooled: bool) -> pd.DataFrame:
    """Mean of `metric` per arm at each of `steps`: columns point_id, step, without, with.
    Pooled, one row per step with point_id "pooled" (each point's mean weighted equally)."""
    rows = pairs[pairs["step"].isin(steps)]
    means = rows.pivot_table(
        index=["point_id", "step"], columns="arm", values=metric, aggfunc="mean"
    ).reset_index()
    means = means.rename(columns={Arm.control: "without", Arm.treated: "with"})
    means = means[["point_id", "step", "without", "with"]]
    if pooled:
        means = means.groupby("step", as_index=False)[["without", "with"]].mean()
        means.insert(0, "point_id", "pooled")
    return means


def key_findings(table: pd.DataFrame, pairs: pd.DataFrame, *, pooled: bool) -> pd.DataFrame:
    """The effect table (``horizon_effects`` or, `pooled`, ``horizon_pooled_effects``)
    with each row's levels and relative change (columns :data:`FINDING_COLUMNS`), every
    value on the scale the report shows (HHI in points)."""
    frames = []
    for metric, block in table.groupby("metric", sort=False):
        steps = [int(s) for s in block["step"].unique()]
        levels = arm_levels(pairs, str(metric), steps, pooled=pooled)
        block = block.assign(point_id="pooled") if pooled else block
        frames.append(block.merge(levels, on=["point_id", "step"], how="left"))
    out = pd.concat(frames, ignore_index=True)
    for metric in out["metric"].unique():
        scale = display_scale(str(metric))
        at = out["metric"] == metric
        cols = ["without", "with", "effect", "ci_low", "ci_high"]
        out.loc[at, cols] = out.loc[at, cols].astype(float) * scale
    base = out["without"].abs().where(out["without"] != 0, np.nan)
    for col, source in (
        ("change_pct", "effect"),
        ("change_pct_low", "ci_low"),
        ("change_pct_high", "ci_high"),
    ):
        out[col] = 100 * out[source] / base
    return out[FINDING_COLUMNS]
