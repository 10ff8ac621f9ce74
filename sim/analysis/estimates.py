"""Effects of an intervention from paired runs: differences with bootstrap confidence intervals.

Reads sweep results (sim.experiment.store.load), never live models. A pair is a treated and a
control run sharing a seed (common random numbers), so the effect on a metric is the
mean over pairs of treated minus control, with a percentile bootstrap interval
(scipy.stats.bootstrap, seeded).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.names import INNOVATION
from sim.analysis.outcomes import require_column, require_outcome
from sim.config import Config, EventKind, removable
from sim.experiment.store import PAIRED_ARMS, RUN_COLUMNS, Arm, complete_pairs


def paired_differences(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Treated minus control per pair and month: columns point_id, pair_id, step, difference."""
    require_outcome(results, metric)
    arms = set(results["arm"].unique())
    if not set(PAIRED_ARMS) <= arms:
        raise ValueError(
            f"the results hold arms {sorted(arms)}: effects need paired 'treated' and "
            "'control' runs (declare an intervention)"
        )
    wide = results.pivot_table(
        index=["point_id", "pair_id", "step"], columns="arm", values=metric, aggfunc="first"
    ).dropna(subset=list(PAIRED_ARMS))
    wide["difference"] = wide[Arm.treated] - wide[Arm.control]
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
    months (summary horizons). Raises ValueError for a month the pairs do not hold, a
    confidence outside (0, 1) or a metric that is not a numeric outcome, rather than
    answering with an empty table or NaN.
    """
    check_confidence(confidence)
    diffs = paired_differences(results, metric)
    if steps is not None:
        steps = list(steps)
        held = diffs["step"].unique()
        missing = sorted(set(steps) - {int(s) for s in held})
        if not steps or missing:
            span = f"months {int(held.min())} to {int(held.max())}" if len(held) else "no months"
            raise ValueError(
                f"steps = {missing or steps}: not in the paired results, which hold {span}"
            )
        diffs = diffs[diffs["step"].isin(steps)]
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


FEW_PAIRS = 10
"""Below this many pairs the effect tables carry a caveat (see :func:`few_pairs_caveat`)."""


def few_pairs_caveat(n_pairs: int, confidence: float = 0.95) -> str | None:
    """A warning when `n_pairs` (2 or more) is too few for a percentile bootstrap.

    The percentile interval of a mean has half-width about z * s_n / sqrt(n), with s_n
    the plug-in standard deviation (divisor n); a t interval's is t(n-1) * s / sqrt(n),
    with s = s_n sqrt(n / (n - 1)). At 3 pairs the first is about a third as wide, at 5
    about two thirds, so an effect it calls clear may not be. A table whose points have
    different numbers of pairs is judged by its fewest.
    """
    if not 2 <= n_pairs < FEW_PAIRS:
        return None
    z = stats.norm.ppf(0.5 + confidence / 2)
    t = stats.t.ppf(0.5 + confidence / 2, n_pairs - 1)
    # Two pairs: the bootstrap means are x1, the midpoint and x2, so the interval is the
    # range |x2 - x1|, where the t interval is t(1) |x2 - x1|.
    ratio = 1 / t if n_pairs == 2 else z * np.sqrt((n_pairs - 1) / n_pairs) / t
    return (
        f"Only {n_pairs} pairs: with this few, the bootstrap interval is too narrow (about "
        f"{ratio:.0%} of the width of a t interval), so an effect called clear may not be. "
        f"Run at least {FEW_PAIRS} replicates (sweep.replicates) before relying on it."
    )


def pair_counts(table: pd.DataFrame) -> str:
    """How many pairs an effect table averages over: "16", or "3 to 10" when points differ."""
    low, high = int(table["n_pairs"].min()), int(table["n_pairs"].max())
    return str(low) if low == high else f"{low} to {high}"


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


def horizon_effects(
    results: pd.DataFrame,
    config: Config,
    intervention: Sequence[EventKind],
    after: Sequence[int],
    metrics: Sequence[str] | None = None,
    *,
    seed: int = 0,
    strict: bool = False,
) -> tuple[pd.DataFrame, int]:
    """The paired effect table of a sweep and the month of its intervention.

    Rows at `after` months after the intervention (those within the run; the final month
    if none is), over complete pairs only, with a `months_after` column; `metrics`
    defaults to the recorded headline outcomes. The report and `accessrace-effects` both
    use this table. A negative `after` (before the intervention, where the arms are the
    same run) is refused; with `strict`, so is one beyond the run (a query asked for it,
    where a sweep's declared horizons may outrun a short run).
    """
    at, steps, metrics = horizons(results, config, intervention, after, metrics, strict=strict)
    table = effect_table(complete_pairs(results), metrics, steps, seed=seed)
    table.insert(3, "months_after", table["step"] - at)
    return table, at


def horizons(
    results: pd.DataFrame,
    config: Config,
    intervention: Sequence[EventKind],
    after: Sequence[int],
    metrics: Sequence[str] | None = None,
    *,
    strict: bool = False,
) -> tuple[int, list[int], list[str]]:
    """What an effect table at `after` months past the intervention reads: the month of the
    intervention, the months (those within the run; the final month if none is) and the
    metrics (default: the recorded headline outcomes). Horizons are checked (check_after)."""
    at = intervention_month(config, intervention)
    check_after(after, at, config.steps, strict=strict)
    steps = [at + a for a in after if at + a <= config.steps] or [config.steps]
    if metrics is None:
        metrics = [m for m in headline_metrics(config, intervention) if m in results.columns]
    return at, steps, list(metrics)


def check_after(after: Sequence[int], at: int, steps: int, *, strict: bool = False) -> None:
    """Refuse horizons before the intervention (month `at`) and, with `strict`, beyond the
    run's `steps` months, in one line saying what is allowed."""
    allowed = (
        f"expected whole months from 0 to {steps - at} (the intervention is at month {at} "
        f"of {steps})"
    )
    before = [a for a in after if a < 0]
    if before:
        raise ValueError(
            f"after = {before}: months before the intervention, where both arms are the same "
            f"run; {allowed}"
        )
    beyond = [a for a in after if at + a > steps]
    if strict and beyond:
        raise ValueError(f"after = {beyond}: beyond the end of the runs; {allowed}")


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence}: expected a number in (0, 1), e.g. 0.95")


# --- intervention and headline outcomes ------------------------------------------------------


def headline_metrics(config: Config, intervention: Sequence[EventKind]) -> list[str]:
    """The outcomes a policy analyst asks about first, named for the intervention: the
    revoked lab's capability (overall and in coding, the domain the real cutoff was about),
    the frontier, trust in the revoking provider, the open-weights share and market
    concentration, with innovation as every report defines it
    (:data:`sim.analysis.names.INNOVATION`); then the revoker's side (did revoking pay?):
    its lab's share of usage and of coding work, its lead, and the provider's developer
    revenue and payoff."""
    metrics = ["frontier_capability", INNOVATION]
    revoke = [
        e
        for e in config.scenario.events
        if e.kind is EventKind.revoke_access and removable(e, intervention)
    ]
    if not (EventKind.revoke_access in intervention and revoke):
        return [*metrics, "developer_trust", "open_weights_share", "hhi"]
    provider = str(revoke[0].provider)
    owner = config.providers[provider].owner or provider
    coding = [f"capability__{revoke[0].lab}__coding"] if "coding" in config.domains else []
    shares = [f"lab_share__{owner}", f"coding_share__{owner}"] if owner in config.labs else []
    return [
        f"capability__{revoke[0].lab}",
        *coding,
        *metrics,
        f"trust__{provider}",
        "open_weights_share",
        "hhi",
        *shares,
        f"lead__{owner}",
        f"developer_revenue__{provider}",
        f"payoff__{provider}",
    ]


def intervention_month(config: Config, intervention: Sequence[EventKind]) -> int:
    """The month of the first scenario event that the control arm removes."""
    months = [e.at for e in config.scenario.events if removable(e, intervention)]
    if not months:
        kinds = [k.value for k in intervention]
        raise ValueError(f"scenario {config.scenario.name!r} has no event of kinds {kinds}")
    return min(months)


# --- groups of runs: means with confidence intervals -----------------------------------------


def group_ci(
    results: pd.DataFrame, metric: str, by: str, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Mean of `metric` over the runs of each group and month, with a t interval.

    Columns: `by`, step, mean, ci_low, ci_high, n (runs). A group of one run has no
    interval (NaN bounds). The interval treats runs as independent draws, which they are
    within a group (distinct seeds).
    """
    check_confidence(confidence)
    require_outcome(results, metric)
    require_column(results, by)
    stats_ = (
        results.groupby([by, "step"], sort=False)[metric]
        .agg(["mean", "std", "count"])
        .reset_index()
    )
    n = stats_["count"].to_numpy(dtype=float)
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * stats_["std"].to_numpy() / np.sqrt(n), np.nan)
    return pd.DataFrame(
        {
            by: stats_[by],
            "step": stats_["step"].astype(int),
            "mean": stats_["mean"],
            "ci_low": stats_["mean"] - half,
            "ci_high": stats_["mean"] + half,
            "n": stats_["count"].astype(int),
        }
    )


def run_outcomes(
    results: pd.DataFrame, final: Sequence[str], mean: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per run: the final month's value of each metric in `final` and the mean over
    months 1..T of each metric in `mean` (as `mean_<metric>`), with the run's identifying
    and parameter columns."""
    for m in [*final, *mean]:
        require_outcome(results, m)
    keep = [c for c in results.columns if c in (*RUN_COLUMNS, "seed", "scenario")]
    keep += [c for c in results.columns if c.startswith("param__")]
    last = results.loc[results.groupby("run_id")["step"].idxmax(), [*keep, *final]]
    out = last.set_index("run_id")
    if mean:
        later = results[results["step"] >= 1].groupby("run_id")[list(mean)].mean()
        out = out.join(later.add_prefix("mean_"))
    return out.reset_index()


def group_estimates(
    outcomes: pd.DataFrame,
    group: str,
    metrics: Sequence[str],
    strata: Sequence[str] = (),
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean of each metric per group, averaged with equal weight over the cells of `strata`
    (the other swept parameters), with a stratified percentile bootstrap CI.

    The bootstrap resamples runs within each cell, so the interval reflects replicate noise,
    not the spread between cells of a balanced design. Columns: `group`, metric, mean,
    ci_low, ci_high, n (runs), cells.
    """
    check_confidence(confidence)
    for m in metrics:
        require_outcome(outcomes, m)
    for c in [group, *strata]:
        require_column(outcomes, c)
    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    rows = []
    for g, block in outcomes.groupby(group, sort=False):
        cells = [c for _, c in block.groupby(list(strata), sort=True)] if strata else [block]
        for m in metrics:
            boot = np.zeros(n_resamples)
            point = 0.0
            for cell in cells:
                values = cell[m].to_numpy(dtype=float)
                point += values.mean()
                draws = rng.integers(0, len(values), size=(n_resamples, len(values)))
                boot += values[draws].mean(axis=1)
            boot /= len(cells)
            rows.append(
                {
                    group: g,
                    "metric": m,
                    "mean": point / len(cells),
                    "ci_low": float(np.quantile(boot, tail)),
                    "ci_high": float(np.quantile(boot, 1 - tail)),
                    "n": len(block),
                    "cells": len(cells),
                }
            )
    return pd.DataFrame(rows, columns=[group, "metric", "mean", "ci_low", "ci_high", "n", "cells"])


def pareto_front(points: pd.DataFrame, x: str, y: str) -> list[int]:
    """Positions (row numbers) of the points no other point beats on both `x` and `y`
    (higher is better on both), sorted by `x`. Differences within rounding error (1e-9
    relative) do not count, so identical outcomes summed in another order tie."""
    xs, ys = points[x].to_numpy(dtype=float), points[y].to_numpy(dtype=float)
    tx = 1e-9 * max(1.0, float(np.abs(xs).max(initial=0.0)))
    ty = 1e-9 * max(1.0, float(np.abs(ys).max(initial=0.0)))
    front = [
        i
        for i in range(len(points))
        if not np.any(
            (xs >= xs[i] - tx) & (ys >= ys[i] - ty) & ((xs > xs[i] + tx) | (ys > ys[i] + ty))
        )
    ]
    return sorted(front, key=lambda i: xs[i])
