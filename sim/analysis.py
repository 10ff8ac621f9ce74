"""Effects of an intervention from paired runs: differences with bootstrap confidence intervals.

Reads sweep results (sim.results.load), never live models. A pair is a treated and a
control run sharing a seed (common random numbers), so the effect on a metric is the
mean over pairs of treated minus control, with a percentile bootstrap interval
(scipy.stats.bootstrap, seeded).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.results import RUN_COLUMNS


def paired_differences(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Treated minus control per pair and month: columns point_id, pair_id, step, difference."""
    if metric not in results.columns:
        ids = {*RUN_COLUMNS, "step", "seed", "scenario"}
        known = sorted(c for c in results.columns if not c.startswith("param__") and c not in ids)
        raise KeyError(f"metric = {metric!r}: not in the results; metrics are {known}")
    arms = set(results["arm"].unique())
    if not {"treated", "control"} <= arms:
        raise ValueError(
            f"the results hold arms {sorted(arms)}: effects need paired 'treated' and "
            "'control' runs (declare an intervention)"
        )
    wide = results.pivot_table(
        index=["point_id", "pair_id", "step"], columns="arm", values=metric, aggfunc="first"
    ).dropna(subset=["treated", "control"])
    wide["difference"] = wide["treated"] - wide["control"]
    return wide.reset_index()[["point_id", "pair_id", "step", "difference"]]


def effects(
    results: pd.DataFrame,
    metric: str,
    steps: Sequence[int] | None = None,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean paired difference of `metric` per parameter point and month, with a bootstrap CI.

    Columns: point_id, step, effect, ci_low, ci_high, n_pairs. `steps` keeps only those
    months (summary horizons).
    """
    diffs = paired_differences(results, metric)
    if steps is not None:
        diffs = diffs[diffs["step"].isin(list(steps))]
    rows = []
    rng = np.random.default_rng(seed)
    for point_id, group in diffs.groupby("point_id", sort=False):
        table = group.pivot(index="pair_id", columns="step", values="difference")
        data = table.to_numpy()
        mean = data.mean(axis=0)
        if len(data) > 1:
            ci = stats.bootstrap(
                (data,),
                np.mean,
                axis=0,
                vectorized=True,
                n_resamples=n_resamples,
                confidence_level=confidence,
                method="percentile",
                rng=rng,
            ).confidence_interval
            low, high = ci.low, ci.high
        else:
            low = high = np.full_like(mean, np.nan)
        for step, m, lo, hi in zip(table.columns, mean, low, high, strict=True):
            rows.append(
                {
                    "point_id": point_id,
                    "step": int(step),
                    "effect": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_pairs": len(data),
                }
            )
    return pd.DataFrame(
        rows, columns=["point_id", "step", "effect", "ci_low", "ci_high", "n_pairs"]
    )


def effect_table(
    results: pd.DataFrame,
    metrics: Sequence[str],
    steps: Sequence[int],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Effects of several metrics at a few horizons, one row per metric, point and month."""
    frames = [
        effects(
            results, m, steps, confidence=confidence, n_resamples=n_resamples, seed=seed
        ).assign(metric=m)
        for m in metrics
    ]
    table = pd.concat(frames, ignore_index=True)
    return table[["metric", "point_id", "step", "effect", "ci_low", "ci_high", "n_pairs"]]
