"""Effects under parameter uncertainty: paired runs over posterior draws (one sweep point
per draw, several seed pairs each), pooled into one effect whose interval covers both the
parameters and chance, and whose spread is split between them (docs/ODD.md §6.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.estimates import horizons, paired_differences
from sim.config import Config, EventKind
from sim.experiment.store import complete_pairs

COLUMNS = [
    "step",
    "effect",
    "ci_low",
    "ci_high",
    "n_draws",
    "n_pairs",
    "sd_parameters",
    "sd_chance",
    "parameter_share",
]


def variance_split(groups: Sequence[np.ndarray]) -> tuple[float, float]:
    """Between-draw and within-draw variance of pair differences grouped by draw (one-way
    random effects, method of moments): within is the mean of the draws' sample variances,
    between the variance of the draws' means less what chance alone puts there."""
    usable = [g for g in groups if len(g) >= 2]
    if len(usable) < 2:
        raise ValueError(
            "the variance split needs at least 2 draws with at least 2 seed pairs each"
        )
    within = float(np.mean([np.var(g, ddof=1) for g in usable]))
    means = np.array([g.mean() for g in usable])
    per_draw = float(np.mean([1.0 / len(g) for g in usable]))
    between = max(float(np.var(means, ddof=1)) - within * per_draw, 0.0)
    return between, within


def _hierarchical_bootstrap(
    groups: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap means of the draws' means: draws resampled, then seeds within each."""
    sizes = {len(g) for g in groups}
    if len(sizes) == 1:  # balanced, as a posterior sweep is: one vectorised pass
        data, (n,) = np.stack(groups), sizes
        draws = rng.integers(0, len(groups), size=(n_resamples, len(groups)))
        seeds = rng.integers(0, n, size=(n_resamples, len(groups), n))
        means: np.ndarray = data[draws[:, :, None], seeds].mean(axis=(1, 2))
        return means
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        chosen = rng.integers(0, len(groups), size=len(groups))
        out[b] = np.mean(
            [groups[i][rng.integers(0, len(groups[i]), size=len(groups[i]))].mean() for i in chosen]
        )
    return out


def pooled_effects(
    results: pd.DataFrame,
    metric: str,
    steps: Sequence[int],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The effect of the intervention on `metric` over every draw and seed, per month.

    The interval is a two-stage (hierarchical) percentile bootstrap: draws resampled with
    replacement, then each chosen draw's seed pairs, so it covers the parameters as well
    as chance. `sd_parameters` and `sd_chance` split the spread of a single pair's
    difference; `parameter_share` is the parameters' share of its variance.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence!r}: expected a number in (0, 1)")
    diffs = paired_differences(results, metric)
    missing = sorted(set(steps) - set(diffs["step"]))
    if missing:
        raise ValueError(f"steps {missing}: not in the runs (months 0..{diffs['step'].max()})")
    rng = np.random.default_rng(seed)
    rows = []
    for step in steps:
        at = diffs[diffs["step"] == step]
        groups = [g["difference"].to_numpy() for _, g in at.groupby("point_id", sort=True)]
        between, within = variance_split(groups)
        boot = _hierarchical_bootstrap(groups, n_resamples, rng)
        tail = (1 - confidence) / 2
        rows.append(
            {
                "step": int(step),
                "effect": float(np.mean([g.mean() for g in groups])),
                "ci_low": float(np.quantile(boot, tail)),
                "ci_high": float(np.quantile(boot, 1 - tail)),
                "n_draws": len(groups),
                "n_pairs": int(sum(len(g) for g in groups)),
                "sd_parameters": float(np.sqrt(between)),
                "sd_chance": float(np.sqrt(within)),
                "parameter_share": between / (between + within) if between + within > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def horizon_pooled_effects(
    results: pd.DataFrame,
    config: Config,
    intervention: Sequence[EventKind],
    after: Sequence[int],
    metrics: Sequence[str] | None = None,
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, int]:
    """The pooled effect table of a posterior sweep at `after` months past the intervention
    (those within the run), one row per metric and horizon, with `months_after`."""
    at, steps, metrics = horizons(results, config, intervention, after, metrics)
    pairs = complete_pairs(results)
    frames = [pooled_effects(pairs, m, steps, seed=seed).assign(metric=m) for m in metrics]
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "months_after", table["step"] - at)
    return table[["metric", *[c for c in table.columns if c != "metric"]]], at


DOSE_COLUMNS = [
    "metric",
    "months_after",
    "parameter",
    "low",
    "high",
    "at_low",
    "at_low_ci_low",
    "at_low_ci_high",
    "at_high",
    "at_high_ci_low",
    "at_high_ci_high",
    "slope",
    "n_draws",
]


def dose_response(
    results: pd.DataFrame,
    config: Config,
    intervention: Sequence[EventKind],
    after: Sequence[int],
    parameter: str,
    bounds: tuple[float, float],
    metrics: Sequence[str] | None = None,
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`effect_lines` of a posterior sweep at `after` months past the intervention,
    one row per metric and horizon (columns `DOSE_COLUMNS`)."""
    at, steps, metrics = horizons(results, config, intervention, after, metrics)
    pairs = complete_pairs(results)
    frames = [
        effect_lines(pairs, m, steps, parameter, bounds, seed=seed).assign(metric=m)
        for m in metrics
    ]
    table = pd.concat(frames, ignore_index=True)
    table["months_after"] = table["step"] - at
    return table[DOSE_COLUMNS]


def effect_lines(
    pairs: pd.DataFrame,
    metric: str,
    steps: Sequence[int],
    parameter: str,
    bounds: tuple[float, float],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The effect as a line in a parameter the data cannot tell: per month, the
    least-squares line of each posterior draw's mean pair difference on the draw's value of
    `parameter` (its ``param__`` column, drawn from its prior, so it spans `bounds`), read
    at both ends of the range, with percentile intervals from resampling the draws."""
    column = f"param__{parameter}"
    if column not in pairs.columns:
        raise ValueError(f"the runs record no {column!r}: expected a posterior sweep")
    value = pairs.groupby("point_id")[column].first()
    diffs = paired_differences(pairs, metric)
    low, high = bounds
    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    rows = []
    for step in steps:
        means = diffs[diffs["step"] == step].groupby("point_id")["difference"].mean()
        x, y = value.loc[means.index].to_numpy(float), means.to_numpy(float)
        ends = _line_ends(x, y, low, high)
        picks = rng.integers(0, len(x), size=(n_resamples, len(x)))
        boot = np.array([_line_ends(x[p], y[p], low, high) for p in picks])
        lo, hi = np.nanquantile(boot, tail, axis=0), np.nanquantile(boot, 1 - tail, axis=0)
        rows.append(
            {
                "step": int(step),
                "parameter": parameter,
                "low": low,
                "high": high,
                "at_low": ends[0],
                "at_low_ci_low": lo[0],
                "at_low_ci_high": hi[0],
                "at_high": ends[1],
                "at_high_ci_low": lo[1],
                "at_high_ci_high": hi[1],
                "slope": (ends[1] - ends[0]) / (high - low),
                "n_draws": len(x),
            }
        )
    return pd.DataFrame(rows)


def _line_ends(x: np.ndarray, y: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """The least-squares line of y on x at x = low and x = high (NaN when x does not vary)."""
    if np.ptp(x) == 0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept + slope * low), float(intercept + slope * high)
