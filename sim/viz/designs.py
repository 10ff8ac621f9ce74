"""Figures of designed sweeps: sensitivity indices (Morris, Sobol) and PRIM's scenario
discovery boxes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis.kinds import SensitivityMethod
from sim.analysis.names import metric_name, metric_unit, param_label
from sim.viz.style import PALETTE, SEQUENTIAL, panel_grid


def sensitivity_figure(
    indices: pd.DataFrame, method: str | SensitivityMethod, *, title: str
) -> Figure:
    """Bars per parameter, one panel per outcome: Sobol first-order (S1) and total (ST)
    indices, or Morris mu* and sigma, each with its 95% confidence whiskers."""
    method = SensitivityMethod(method)
    sobol = method is SensitivityMethod.sobol
    bars = ("S1", "ST") if sobol else ("mu_star", "sigma")
    names = {"S1": "first-order S1", "ST": "total ST", "mu_star": "mu*", "sigma": "sigma"}
    sub = indices[indices["method"] == method]
    outcomes = list(dict.fromkeys(sub["outcome"]))
    params = list(dict.fromkeys(sub["parameter"]))
    fig, axes = panel_grid(len(outcomes), ncols=2, size=(5.2, 0.45 * len(params) + 1.6))
    ypos = np.arange(len(params))
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = sub[sub["outcome"] == outcome].set_index("parameter").reindex(params)
        for k, (index, colour) in enumerate(zip(bars, (PALETTE[5], PALETTE[0]), strict=True)):
            conf = rows.get(f"{index}_conf")
            ax.barh(
                ypos + (k - 0.5) * 0.38,
                rows[index],
                height=0.36,
                color=colour,
                xerr=None if conf is None or index == "sigma" else conf,
                capsize=2,
                error_kw={"ecolor": "black"},
                label=names[index],
            )
        ax.set_yticks(ypos, params, fontsize=8)
        ax.invert_yaxis()
        if sobol:
            xlabel = "Sobol index (share of output variance)"
        else:
            xlabel = f"elementary effect ({metric_unit(outcome) or 'outcome units'} per range)"
        ax.set(title=metric_name(outcome), xlabel=xlabel, ylabel="parameter (config path)")
        ax.axvline(0, color="black", linewidth=0.6)
        ax.grid(alpha=0.3, axis="x")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        title="whiskers: 95% confidence interval",
    )
    fig.suptitle(title)
    return fig


def prim_figure(
    x: pd.DataFrame,
    y: np.ndarray,
    trajectory: pd.DataFrame,
    chosen: int,
    limits: Mapping[str, tuple[float, float]],
    *,
    title: str,
    case: str,
) -> Figure:
    """Left: PRIM's peeling trajectory (coverage against density, the chosen box marked).
    Right: the cases over the box's first two restricted parameters, with the box drawn."""
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    _trajectory_panel(fig, left, trajectory, chosen)
    dims = [d for d in limits if d in x.columns][:2]
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    dims += [c for c in numeric if c not in dims][: 2 - len(dims)]
    if len(dims) == 2:
        _box_panel(right, x, np.asarray(y, dtype=bool), (dims[0], dims[1]), limits, case)
    else:
        right.set_visible(False)
    fig.suptitle(title)
    return fig


def _trajectory_panel(fig: Figure, ax: Axes, trajectory: pd.DataFrame, chosen: int) -> None:
    """Coverage against density of every box on the peeling trajectory, coloured by how
    many parameters each restricts, the chosen box ringed."""
    sc = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["res_dim"],
        cmap=SEQUENTIAL,
        edgecolor="dimgrey",
        s=28,
        label="boxes on the trajectory",
    )
    ax.scatter(
        [trajectory["coverage"].iloc[chosen]],
        [trajectory["density"].iloc[chosen]],
        s=160,
        facecolor="none",
        edgecolor=PALETTE[1],
        linewidth=2,
        label="chosen box",
    )
    top = int(trajectory["res_dim"].max()) if len(trajectory) else 0
    fig.colorbar(sc, ax=ax, label="restricted parameters (count)", ticks=range(top + 1))
    ax.set(
        title="Peeling trajectory",
        xlabel="coverage (share of all cases inside the box, 0-1)",
        ylabel="density (share of the box that are cases, 0-1)",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", frameon=False)


def _box_panel(
    ax: Axes,
    x: pd.DataFrame,
    hit: np.ndarray,
    dims: tuple[str, str],
    limits: Mapping[str, tuple[float, float]],
    case: str,
) -> None:
    """The cases and the others over two parameters, with the box's limits on them drawn
    (a parameter the box does not restrict spans its observed range)."""
    a, b = dims
    ax.scatter(
        x.loc[~hit, a],
        x.loc[~hit, b],
        s=18,
        color=PALETTE[7],
        alpha=0.5,
        marker="o",
        label="not a case",
    )
    ax.scatter(x.loc[hit, a], x.loc[hit, b], s=26, color=PALETTE[1], marker="X", label=case)
    lo_a, hi_a = limits.get(a, (float(x[a].min()), float(x[a].max())))
    lo_b, hi_b = limits.get(b, (float(x[b].min()), float(x[b].max())))
    ax.add_patch(
        Rectangle(
            (lo_a, lo_b),
            hi_a - lo_a,
            hi_b - lo_b,
            fill=False,
            edgecolor=PALETTE[0],
            linewidth=2,
            linestyle="-",
            label="PRIM box",
        )
    )
    ax.set(
        xlabel=param_label(f"param__{a}"),
        ylabel=param_label(f"param__{b}"),
        title="Cases and the box (its first two restrictions)",
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.grid(alpha=0.3)
