"""Contrasts between the values of a swept parameter (e.g. access policies) on shared seeds.

A sweep runs every point with the same replicate seeds, so a run under one policy and the
run under the reference policy at the same seed and the same values of the other swept
parameters are a pair (common random numbers): their difference holds the policy's effect
without most of the seed noise. Policies whose runs are identical in every such pair tie;
a ranking between them would be noise-free fiction, so it is named instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.estimates import check_confidence
from sim.analysis.findings import INTERVAL_COLUMNS
from sim.analysis.outcomes import require_column, require_outcome

CONTRAST_COLUMNS = [
    "group",
    "metric",
    "reference",
    "level",
    "difference",
    *INTERVAL_COLUMNS,
    "cells",
]
"""`reference` and `level` are the mean outcome under the reference and under the group;
`difference` is their mean paired difference with its interval, and `change_pct*` that as
a percentage of the reference level (NaN when the reference level is zero)."""


def paired_runs(
    outcomes: pd.DataFrame, group: str, metric: str, strata: Sequence[str]
) -> pd.DataFrame:
    """`metric` per run, one column per value of `group`, one row per pair key: the values
    of `strata` and the seed. Keys that lack a value of the group are NaN there."""
    require_outcome(outcomes, metric)
    for c in [group, *strata, "seed"]:
        require_column(outcomes, c)
    frame = outcomes.assign(**{group: outcomes[group].astype(str)})
    return frame.pivot_table(index=[*strata, "seed"], columns=group, values=metric, aggfunc="first")


def reference_differences(
    outcomes: pd.DataFrame,
    group: str,
    metrics: Sequence[str],
    reference: str,
    strata: Sequence[str] = (),
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each value of `group` minus `reference` on shared seeds, per metric.

    The difference is averaged with equal weight over the cells of `strata` (the other
    swept parameters); its percentile bootstrap interval resamples the pairs within each
    cell, so it covers seed noise, not the spread between cells. Columns
    :data:`CONTRAST_COLUMNS`; the reference itself is left out.
    """
    check_confidence(confidence)
    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    rows = []
    for metric in metrics:
        wide = paired_runs(outcomes, group, metric, strata)
        if reference not in wide.columns:
            raise ValueError(
                f"reference = {reference!r}: not a value of {group}; expected one of "
                f"{sorted(wide.columns)}"
            )
        cells = [c for _, c in wide.groupby(level=list(strata))] if strata else [wide]
        base = float(np.mean([c[reference].mean() for c in cells]))
        for g in [c for c in wide.columns if c != reference]:
            diffs = [(c[g] - c[reference]).dropna().to_numpy() for c in cells]
            diffs = [d for d in diffs if len(d)]
            boot = np.zeros(n_resamples)
            for d in diffs:
                boot += d[rng.integers(0, len(d), size=(n_resamples, len(d)))].mean(axis=1)
            boot /= len(diffs)
            mean = float(np.mean([d.mean() for d in diffs]))
            low, high = float(np.quantile(boot, tail)), float(np.quantile(boot, 1 - tail))
            pct = 100 / abs(base) if base != 0 else np.nan
            rows.append(
                {
                    "group": g,
                    "metric": metric,
                    "reference": base,
                    "level": float(np.mean([c[g].mean() for c in cells])),
                    "difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "change_pct": mean * pct,
                    "change_pct_low": low * pct,
                    "change_pct_high": high * pct,
                    "n_pairs": int(sum(len(d) for d in diffs)),
                    "cells": len(diffs),
                }
            )
    return pd.DataFrame(rows, columns=CONTRAST_COLUMNS)


def ties(
    outcomes: pd.DataFrame, group: str, metrics: Sequence[str], strata: Sequence[str] = ()
) -> list[list[str]]:
    """Values of `group` whose runs are identical on every metric in every pair (same
    seed, same cell): groups of two or more, in order of first appearance."""
    columns = [paired_runs(outcomes, group, m, strata) for m in metrics]
    names = list(columns[0].columns)
    found: list[list[str]] = []
    for name in names:
        home = next(
            (
                t
                for t in found
                if all(
                    np.allclose(w[name], w[t[0]], rtol=1e-12, atol=0.0, equal_nan=True)
                    for w in columns
                )
            ),
            None,
        )
        if home is None:
            found.append([name])
        else:
            home.append(name)
    return [t for t in found if len(t) > 1]
