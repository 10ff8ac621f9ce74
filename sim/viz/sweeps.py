"""Figures of sweeps, drawn from their result tables: time series with 95% CI bands, paired
effects, heatmaps and the innovation-trust frontier (designed sweeps: sim.viz.designs)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.names import (
    display_scale,
    metric_label,
    metric_name,
    metric_unit,
    param_label,
    value_label,
)
from sim.viz.style import (
    DIVERGING,
    LINESTYLES,
    MARKERS,
    PALETTE,
    SEQUENTIAL,
    group_colours,
    panel_grid,
)

TITLE_WIDTH = 34
"""Characters per line of a panel's title and axis label: wrapped, never cut at the edge."""

# --- (a) time series with 95% CI bands per group ----------------------------------------------


def timeseries_figure(
    bands: Mapping[str, pd.DataFrame],
    by: str,
    *,
    title: str,
    order: Sequence[str] | None = None,
    mark: tuple[int, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """One panel per metric: the mean over runs of each group (arm, scenario or a swept
    parameter) with its 95% CI band, from :func:`sim.analysis.group_ci` tables keyed by
    metric. `mark` = (month, label) draws a vertical line, e.g. at an intervention. Groups
    differ in line style as well as colour, so overlaid arms stay apart in grey print;
    `labels` names labs and providers in the panel titles."""
    fig, axes = panel_grid(len(bands))
    groups = order or list(dict.fromkeys(str(g) for b in bands.values() for g in b[by]))
    colours = group_colours(groups)
    for ax, (metric, band) in zip(axes, bands.items(), strict=True):
        scale = display_scale(metric)
        for i, g in enumerate(groups):
            rows = band[band[by].astype(str) == g].sort_values("step")
            if rows.empty:
                continue
            n = int(rows["n"].max())
            label = f"{value_label(by, g)} (n = {n})"
            style = LINESTYLES[i % len(LINESTYLES)]
            ax.plot(rows["step"], rows["mean"] * scale, color=colours[g], ls=style, label=label)
            ax.fill_between(
                rows["step"],
                rows["ci_low"] * scale,
                rows["ci_high"] * scale,
                color=colours[g],
                alpha=0.2,
            )
        if mark is not None:
            ax.axvline(mark[0], color="dimgrey", linestyle=":", linewidth=1.2, label=mark[1])
        ax.set(
            title=textwrap.fill(metric_name(metric, labels), TITLE_WIDTH),
            xlabel="month",
            ylabel=textwrap.fill(metric_unit(metric) or metric, TITLE_WIDTH),
        )
        ax.grid(alpha=0.3)
    handles, entries = axes[0].get_legend_handles_labels()
    handles.append(Patch(color="grey", alpha=0.2))
    entries.append("95% CI of the mean")
    fig.legend(
        handles,
        entries,
        loc="outside lower center",
        ncols=min(len(entries), 4),
        frameon=False,
        title=param_label(by) if by.startswith("param__") else by,
    )
    fig.suptitle(textwrap.fill(title, int(9 * fig.get_figwidth())))
    return fig


# --- (b) paired effects over time -------------------------------------------------------------


def effects_figure(
    effects: Mapping[str, pd.DataFrame],
    at: int,
    *,
    title: str,
    intervention: str,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """One panel per metric: the mean paired effect (treated minus control) by month with
    its 95% bootstrap CI band (from :func:`sim.analysis.estimates`), a zero line and the
    intervention month marked."""
    fig, axes = panel_grid(len(effects))
    for ax, (metric, eff) in zip(axes, effects.items(), strict=True):
        eff = eff.sort_values("step")
        cols = ["effect", "ci_low", "ci_high"]
        eff = eff.assign(**{c: eff[c] * display_scale(metric) for c in cols})
        ax.axhline(0.0, color="black", linewidth=0.8, label="no effect")
        ax.fill_between(
            eff["step"],
            eff["ci_low"],
            eff["ci_high"],
            color=PALETTE[0],
            alpha=0.25,
            label="95% bootstrap CI",
        )
        n = int(eff["n_pairs"].max()) if len(eff) else 0
        ax.plot(eff["step"], eff["effect"], color=PALETTE[0], label=f"mean effect ({n} pairs)")
        ax.axvline(at, color=PALETTE[1], linestyle="--", linewidth=1.2, label=intervention)
        unit = metric_unit(metric)
        ax.set(
            title=textwrap.fill(metric_name(metric, labels), TITLE_WIDTH),
            xlabel="month",
            ylabel=textwrap.fill(
                f"treated − control ({unit})" if unit else "treated − control", TITLE_WIDTH
            ),
        )
        ax.grid(alpha=0.3)
    handles, entries = axes[0].get_legend_handles_labels()
    fig.legend(handles, entries, loc="outside lower center", ncols=4, frameon=False)
    fig.suptitle(textwrap.fill(title, int(9 * fig.get_figwidth())))
    return fig


# --- (c) heatmaps over two swept parameters ----------------------------------------------------


def heatmap_figure(
    outcomes: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    *,
    title: str,
    facet: str | None = None,
    orders: Mapping[str, Sequence[str]] | None = None,
    diverging: bool = False,
) -> Figure:
    """The mean of `metric` over runs in each cell of two swept parameters (one panel per
    value of `facet`), on one colour scale, each cell labelled with its value."""
    xs, ys, facets, grids = _cell_means(outcomes, x, y, metric, facet, dict(orders or {}))
    finite = np.concatenate([g[np.isfinite(g)] for g in grids]) if grids else np.array([0.0])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if diverging:
        bound = max(abs(lo), abs(hi)) or 1.0
        norm = Normalize(-bound, bound)
    else:
        norm = Normalize(lo, hi if hi > lo else lo + 1e-9)
    cmap = DIVERGING if diverging else SEQUENTIAL
    spread = hi - lo if hi > lo else abs(hi) or 1.0
    digits = int(np.clip(2 - np.floor(np.log10(spread)), 1, 4))
    fig, axes = panel_grid(len(facets), size=(3.6, 3.0))
    image = None
    for ax, f, grid in zip(axes, facets, grids, strict=True):
        image = ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto")
        _label_cells(ax, grid, cmap, norm, digits)
        ax.set_xticks(range(len(xs)), [value_label(x, v) for v in xs])
        ax.set_yticks(range(len(ys)), [value_label(y, v) for v in ys])
        ax.set_title(f"{value_label(facet, f)}" if facet else metric_name(metric), fontsize=10)
    fig.supxlabel(param_label(x))
    fig.supylabel(textwrap.fill(param_label(y), 40))
    assert image is not None
    fig.colorbar(image, ax=axes, label=textwrap.fill(metric_label(metric), 45), shrink=0.9)
    # Wrapped to the figure's width, so a long title is never cut at the edges.
    fig.suptitle(textwrap.fill(title, int(9 * fig.get_figwidth())))
    return fig


def _cell_means(
    outcomes: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    facet: str | None,
    orders: Mapping[str, Sequence[str]],
) -> tuple[list[str], list[str], list[str], list[np.ndarray]]:
    """The values of x, y and the facet (declared order first, then the rest sorted) and,
    per facet, the grid of mean `metric` in display units (NaN where a cell has no run)."""

    def order(col: str) -> list[str]:
        present = [str(v) for v in outcomes[col].astype(str).unique()]
        given = [v for v in orders.get(col, []) if v in present]
        return given + sorted(v for v in present if v not in given)

    xs, ys = order(x), order(y)
    facets = order(facet) if facet else [""]
    frame = outcomes.assign(
        **{c: outcomes[c].astype(str) for c in (x, y, *([facet] if facet else []))}
    )
    grids = []
    for f in facets:
        sub = frame[frame[facet] == f] if facet else frame
        table = sub.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
        grid = table.reindex(index=ys, columns=xs).to_numpy(dtype=float)
        grids.append(grid * display_scale(metric))
    return xs, ys, facets, grids


def _label_cells(ax: Axes, grid: np.ndarray, cmap: Colormap, norm: Normalize, digits: int) -> None:
    """Each finite cell's value written on it, white on dark colours and black on light."""
    for (i, j), v in np.ndenumerate(grid):
        if np.isfinite(v):
            r, g, b, _ = cmap(norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(
                j,
                i,
                f"{v:.{digits}f}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
            )


# --- (d) the innovation-trust frontier ---------------------------------------------------------


def frontier_figure(
    estimates: pd.DataFrame,
    group: str,
    x_metric: str,
    y_metric: str,
    *,
    title: str,
    order: Sequence[str] | None = None,
    front: Sequence[str] = (),
) -> Figure:
    """One point per group (e.g. per policy) at its mean `x_metric` and `y_metric`, with 95%
    CI whiskers in both directions (from :func:`sim.analysis.group_estimates`); the groups in
    `front` (the efficient ones) are joined by a dashed line."""
    point = {m: _estimates_by_group(estimates, group, m) for m in (x_metric, y_metric)}
    groups = [g for g in (order or list(point[x_metric])) if g in point[x_metric]]
    colours = group_colours(groups)
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.subplots()
    for i, g in enumerate(groups):
        (mx, lx, hx, n), (my, ly, hy, _) = point[x_metric][g], point[y_metric][g]
        ax.errorbar(
            [mx],
            [my],
            xerr=[[mx - lx], [hx - mx]],
            yerr=[[my - ly], [hy - my]],
            fmt=MARKERS[i % len(MARKERS)],
            color=colours[g],
            markersize=8,
            capsize=3,
            label=f"{value_label(group, g)} (n = {n})",
        )
    if len(front) > 1:
        fx = [point[x_metric][g][0] for g in front]
        fy = [point[y_metric][g][0] for g in front]
        ax.plot(fx, fy, color="dimgrey", linestyle="--", linewidth=1, label="efficient frontier")
    xs = np.array([point[x_metric][g][0] for g in groups])
    ys = np.array([point[y_metric][g][0] for g in groups])
    _name_points(ax, group, groups, xs, ys)
    ax.set(title=title, xlabel=metric_label(x_metric), ylabel=metric_label(y_metric))
    ax.grid(alpha=0.3)
    what = param_label(group) if group.startswith("param__") else group
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=3,
        frameon=False,
        title=f"{what} (whiskers: 95% CI)",
    )
    return fig


def _estimates_by_group(
    estimates: pd.DataFrame, group: str, metric: str
) -> dict[str, tuple[float, float, float, int]]:
    """Per group: the mean of `metric`, its 95% CI and the number of runs."""
    rows = estimates[estimates["metric"] == metric]
    return {
        str(g): (float(mean), float(lo), float(hi), int(n))
        for g, mean, lo, hi, n in zip(
            rows[group], rows["mean"], rows["ci_low"], rows["ci_high"], rows["n"], strict=True
        )
    }


def _name_points(ax: Axes, group: str, groups: list[str], xs: np.ndarray, ys: np.ndarray) -> None:
    """Each point named beside it; points within 1% of the axes' spread of each other share
    one label ("a = b"), which is how ties show; labels on the right third point left."""
    near = 0.01 * max(float(np.ptp(xs)), 1e-12), 0.01 * max(float(np.ptp(ys)), 1e-12)
    at_point: dict[tuple[float, float], list[str]] = {}
    for g, gx, gy in zip(groups, xs, ys, strict=True):
        key = next(
            (k for k in at_point if abs(k[0] - gx) < near[0] and abs(k[1] - gy) < near[1]),
            (float(gx), float(gy)),
        )
        at_point.setdefault(key, []).append(g)
    for (px, py), names in at_point.items():
        right = px > float(xs.min()) + 0.7 * float(np.ptp(xs))
        ax.annotate(
            " = ".join(value_label(group, g) for g in names),
            (px, py),
            xytext=(-8 if right else 8, 6),
            textcoords="offset points",
            ha="right" if right else "left",
            fontsize=8,
        )
