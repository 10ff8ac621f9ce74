"""The forest plot of a paired sweep's key findings: every headline effect at every horizon,
as a change relative to the level without the intervention, with its 95% interval."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.names import metric_name
from sim.viz.style import MARKERS, PALETTE


def _plain(value: float, _position: float) -> str:
    """A tick label without exponent or trailing zeros (a module-level function, so the
    figure pickles and can be drawn in a worker process)."""
    return f"{value:g}"


def forest_figure(
    findings: pd.DataFrame,
    *,
    title: str,
    labels: Mapping[str, str] | None = None,
    series: str = "months_after",
    series_label: str = "{} months after",
    baseline: str = "the level without it",
) -> Figure:
    """One row per metric, one marker per value of `series` (default: the horizon, months
    after the intervention) at the change in % of the baseline level, with 95% CI
    whiskers on a symmetric log axis (linear within ±1%); zero marks no effect.

    Relative changes put outcomes of different units on one axis. A metric whose level
    without the intervention is zero has no percentage and is left out (its row says so).
    Reads the columns of :func:`sim.analysis.findings.key_findings`."""
    metrics = list(dict.fromkeys(findings["metric"].astype(str)))
    values = list(dict.fromkeys(findings[series]))
    horizons = sorted(values) if series == "months_after" else values
    fig = Figure(figsize=(5.4, 0.42 * len(metrics) + 1.6), layout="constrained")
    ax = fig.subplots()
    spread = 0.6 / max(len(horizons), 1)
    for k, h in enumerate(horizons):
        offset = (k - (len(horizons) - 1) / 2) * spread
        ys, x, lo, hi = _changes(findings[findings[series] == h], metrics, offset)
        err = np.nan_to_num(np.vstack([x - lo, hi - x]).reshape(2, -1)) if len(x) else None
        ax.errorbar(
            x,
            ys,
            xerr=err,
            fmt=MARKERS[k % len(MARKERS)],
            color=PALETTE[k % len(PALETTE)],
            capsize=2,
            markersize=5,
            label=series_label.format(h),
        )
    names = [textwrap.fill(metric_name(m, labels), 30) for m in metrics]
    for i, m in enumerate(metrics):
        if not np.isfinite(findings.loc[findings["metric"] == m, "change_pct"]).any():
            names[i] += " (level 0: no %)"
    ax.axvline(0.0, color="black", linewidth=0.8)
    # Symmetric log beyond ±1%: a change of +300% (a level near zero) and one of -0.5%
    # both stay readable on one axis.
    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain))
    ax.margins(x=0.08)
    ax.set_yticks(range(len(metrics)), names)
    ax.invert_yaxis()
    ax.set_xlabel(
        textwrap.fill(f"change in % of {baseline} (symmetric log scale; whiskers: 95% CI)", 44)
    )
    ax.grid(alpha=0.3, axis="x")
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=min(len(horizons), 3),
        fontsize=9,
        frameon=False,
    )
    fig.suptitle(textwrap.fill(title, 60), fontsize=10)
    return fig


def _changes(
    rows: pd.DataFrame, metrics: list[str], offset: float
) -> tuple[list[float], np.ndarray, np.ndarray, np.ndarray]:
    """One series' rows: each metric's row position (its index plus `offset`) and its
    change in % with the interval's ends, for the metrics that have a finite change."""
    first = rows.drop_duplicates("metric").set_index("metric")
    change, low, high = (
        first[c].astype(float).to_dict()
        for c in ("change_pct", "change_pct_low", "change_pct_high")
    )
    ys, xs, lows, highs = [], [], [], []
    for i, m in enumerate(metrics):
        if m in change and np.isfinite(change[m]):
            ys.append(i + offset)
            xs.append(change[m])
            lows.append(low[m])
            highs.append(high[m])
    return ys, np.array(xs), np.array(lows), np.array(highs)
