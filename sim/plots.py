"""Figures of runs and sweeps, drawn from their result tables (never from a live model).

Figures are built with matplotlib's object API (no pyplot state), so plotting is safe in
worker processes and never opens a window.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from sim.config import Config, iter_fields

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
"""Okabe-Ito colours: distinguishable with the common forms of colour blindness."""


def entities(frame: pd.DataFrame, metric: str) -> list[str]:
    """Entities of `metric__entity` columns, excluding deeper `metric__entity__sub` ones."""
    prefix = f"{metric}__"
    return [
        c[len(prefix) :]
        for c in frame.columns
        if c.startswith(prefix) and "__" not in c[len(prefix) :]
    ]


def _mark_revocations(ax: Axes, events: pd.DataFrame, max_labels: int = 6) -> None:
    """A dashed line at each month with a revocation, labelled with who revoked whom."""
    revs = events[events["kind"] == "revocation"]
    for i, step in enumerate(sorted(revs["step"].unique())):
        group = revs[revs["step"] == step]
        ax.axvline(
            int(step),
            color="grey",
            linestyle="--",
            linewidth=1,
            label="revocation" if i == 0 else None,
        )
        if i >= max_labels:
            continue
        label = (
            f"{group['actor'].iloc[0]} revokes {group['target'].iloc[0]}"
            if len(group) == 1
            else f"{len(group)} revocations"
        )
        ax.annotate(
            label,
            (int(step), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12 - 11 * i),
            textcoords="offset points",
            fontsize=7,
            color="dimgrey",
        )


def _line_figure(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    metric: str,
    title: str,
    ylabel: str,
    path: Path,
) -> Path:
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    for colour, name in zip(PALETTE, entities(frame, metric), strict=False):
        ax.plot(frame["step"], frame[f"{metric}__{name}"], color=colour, label=name)
    _mark_revocations(ax, events)
    ax.set(title=title, xlabel="month", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.savefig(path, dpi=120)
    return path


def run_figures(timeseries: pd.DataFrame, events: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Capability per lab, developer trust per provider and market shares, revocations marked."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = str(timeseries["scenario"].iloc[0])
    paths = [
        _line_figure(
            timeseries,
            events,
            "capability",
            f"Capability per lab ({scenario})",
            "capability (index, mean over domains)",
            out_dir / "capability.png",
        ),
        _line_figure(
            timeseries,
            events,
            "trust",
            f"Mean developer trust per provider ({scenario})",
            "trust (0-1)",
            out_dir / "trust.png",
        ),
    ]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    names = entities(timeseries, "share")
    ax.stackplot(
        timeseries["step"],
        *[timeseries[f"share__{n}"] for n in names],
        labels=names,
        colors=PALETTE[: len(names)],
        alpha=0.85,
    )
    _mark_revocations(ax, events)
    ax.set(
        title=f"Market shares of developers ({scenario})",
        xlabel="month",
        ylabel="share of developers",
        ylim=(0, 1),
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    path = out_dir / "market_shares.png"
    fig.savefig(path, dpi=120)
    return [*paths, path]


# --- figures of sweeps: labels, colours, saving -------------------------------------------------

FIGURE_FORMATS = ("png", "svg")
SEQUENTIAL = LinearSegmentedColormap.from_list(
    "okabe_ito_blue", ["#F7F7F7", PALETTE[5], PALETTE[0], "#002B45"]
)
"""Light grey to Okabe-Ito sky blue and blue: a sequential map readable by colour-blind eyes."""
DIVERGING = LinearSegmentedColormap.from_list(
    "okabe_ito_diverging", [PALETTE[1], "#F7F7F7", PALETTE[0]]
)
"""Okabe-Ito vermillion (negative) through light grey to blue (positive)."""
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LineStyle = Literal["-", "--", ":"]
STATE_STYLE: dict[str, tuple[str, LineStyle]] = {
    "allowed": (PALETTE[0], "-"),
    "throttled": (PALETTE[4], ":"),
    "revoked": (PALETTE[1], "--"),
}
"""How an access edge is drawn: revoked edges vermillion (Okabe-Ito's red) and dashed."""

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "frontier_capability": ("frontier capability", "capability index"),
    "mean_capability": ("mean lab capability", "capability index"),
    "downstream_innovation": ("downstream innovation", "need-weighted capability index"),
    "mean_downstream_innovation": (
        "mean downstream innovation",
        "need-weighted capability index, mean over months",
    ),
    "developer_trust": ("mean developer trust", "0-1"),
    "lab_trust": ("mean lab trust", "0-1"),
    "open_weights_share": ("developers on open weights", "share, 0-1"),
    "multihoming_share": ("developers keeping a fallback", "share, 0-1"),
    "hhi": ("API market concentration (HHI)", "0-1"),
    "developer_welfare": ("developer welfare", "utility"),
    "revocations_total": ("revocations so far", "count"),
    "revocations_active": ("active revocations", "count"),
    "leader_gap": ("leader's lead over the runner-up", "capability index"),
}
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "capability": ("capability of {}", "capability index"),
    "trust": ("developer trust in {}", "0-1"),
    "share": ("market share of {}", "share of developers, 0-1"),
    "compute": ("compute of {}", "compute units/month"),
    "lab_revenue": ("revenue of {}", "compute units/month"),
    "provider_revenue": ("revenue of {}", "compute units/month"),
    "frontier": ("frontier capability in {}", "capability index"),
}
GROUP_LABELS: dict[str, str] = {
    "policy": "access policy of every provider",
    "monitoring": "provider monitoring (x the default detection hazard)",
    "benchmarking": "labs benchmarking through rivals' APIs (share of labs)",
    "scenario": "scenario",
    "population": "developer population",
}


def metric_name(metric: str) -> str:
    """A metric in words, e.g. 'capability of rival' for `capability__rival`."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][0]
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        return ENTITY_LABELS[head][0].format(entity.replace("__", " in "))
    return metric.replace("_", " ")


def metric_unit(metric: str) -> str:
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][1]
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        return ENTITY_LABELS[head][1]
    return ""


def metric_label(metric: str) -> str:
    """An axis label: the metric in words with its unit in parentheses."""
    unit = metric_unit(metric)
    return f"{metric_name(metric)} ({unit})" if unit else metric_name(metric)


@functools.cache
def _field_units() -> dict[str, str]:
    return {path: f.metadata.get("unit", "") for path, f, _ in iter_fields(Config())}


def param_label(column: str) -> str:
    """An axis label for a swept parameter column (`param__<override key>`), with its unit
    from the config field's metadata."""
    key = column.removeprefix("param__")
    if key in GROUP_LABELS:
        return GROUP_LABELS[key]
    unit = _field_units().get(key, "")
    return f"{key} ({unit})" if unit else key


def value_label(column: str, value: object) -> str:
    """A tick label for a swept value: config-group options of the policy sweep read as
    numbers (x0.25 -> ×0.25, rival_api_40pct -> 40%)."""
    text = str(value)
    key = column.removeprefix("param__")
    if key == "monitoring" and text.startswith("x"):
        return "×" + text[1:]
    if key == "benchmarking" and text.startswith("rival_api_") and text.endswith("pct"):
        return text.removeprefix("rival_api_").removesuffix("pct") + "%"
    return text


def save_figure(fig: Figure, stem: Path, dpi: int = 120) -> list[Path]:
    """Write `fig` as `<stem>.png` and `<stem>.svg`; returns both paths (PNG first)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FIGURE_FORMATS:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, dpi=dpi, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        paths.append(path)
    return paths


def _grid(
    n: int, ncols: int = 3, size: tuple[float, float] = (4.6, 3.4)
) -> tuple[Figure, list[Axes]]:
    cols = max(1, min(ncols, n))
    rows = -(-n // cols)
    fig = Figure(figsize=(size[0] * cols + 1.2, size[1] * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _colours(order: Sequence[str]) -> dict[str, str]:
    return {str(g): PALETTE[i % len(PALETTE)] for i, g in enumerate(order)}


# --- (a) time series with 95% CI bands per group ----------------------------------------------


def timeseries_figure(
    bands: Mapping[str, pd.DataFrame],
    by: str,
    *,
    title: str,
    order: Sequence[str] | None = None,
    mark: tuple[int, str] | None = None,
) -> Figure:
    """One panel per metric: the mean over runs of each group (arm, scenario or a swept
    parameter) with its 95% CI band, from :func:`sim.analysis.group_ci` tables keyed by
    metric. `mark` = (month, label) draws a vertical line, e.g. at an intervention."""
    fig, axes = _grid(len(bands))
    groups = order or list(dict.fromkeys(str(g) for b in bands.values() for g in b[by]))
    colours = _colours(groups)
    for ax, (metric, band) in zip(axes, bands.items(), strict=True):
        for g in groups:
            rows = band[band[by].astype(str) == g].sort_values("step")
            if rows.empty:
                continue
            n = int(rows["n"].max())
            label = f"{value_label(by, g)} (n = {n})"
            ax.plot(rows["step"], rows["mean"], color=colours[g], label=label)
            ax.fill_between(
                rows["step"], rows["ci_low"], rows["ci_high"], color=colours[g], alpha=0.2
            )
        if mark is not None:
            ax.axvline(mark[0], color="dimgrey", linestyle="--", linewidth=1, label=mark[1])
        ax.set(title=metric_name(metric), xlabel="month", ylabel=metric_unit(metric) or metric)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Patch(color="grey", alpha=0.2))
    labels.append("95% CI of the mean")
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(len(labels), 4),
        frameon=False,
        title=param_label(by) if by.startswith("param__") else by,
    )
    fig.suptitle(title)
    return fig


# --- (b) paired effects over time -------------------------------------------------------------


def effects_figure(
    effects: Mapping[str, pd.DataFrame], at: int, *, title: str, intervention: str
) -> Figure:
    """One panel per metric: the mean paired effect (treated minus control) by month with
    its 95% bootstrap CI band (from :func:`sim.analysis.effects`), a zero line and the
    intervention month marked."""
    fig, axes = _grid(len(effects))
    for ax, (metric, eff) in zip(axes, effects.items(), strict=True):
        eff = eff.sort_values("step")
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
            title=metric_name(metric),
            xlabel="month",
            ylabel=f"treated − control ({unit})" if unit else "treated − control",
        )
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    fig.suptitle(title)
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
    orders = dict(orders or {})

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
        grids.append(table.reindex(index=ys, columns=xs).to_numpy(dtype=float))
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
    fig, axes = _grid(len(facets), size=(3.6, 3.0))
    image = None
    for ax, f, grid in zip(axes, facets, grids, strict=True):
        image = ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto")
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
                    fontsize=7,
                    color="white" if dark else "black",
                )
        ax.set_xticks(range(len(xs)), [value_label(x, v) for v in xs])
        ax.set_yticks(range(len(ys)), [value_label(y, v) for v in ys])
        ax.set_title(f"{value_label(facet, f)}" if facet else metric_name(metric), fontsize=10)
    fig.supxlabel(param_label(x))
    fig.supylabel(param_label(y))
    assert image is not None
    fig.colorbar(image, ax=axes, label=metric_label(metric), shrink=0.9)
    fig.suptitle(title)
    return fig


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
    point: dict[str, dict[str, tuple[float, float, float, int]]] = {}
    for m in (x_metric, y_metric):
        rows = estimates[estimates["metric"] == m]
        point[m] = {
            str(g): (float(mean), float(lo), float(hi), int(n))
            for g, mean, lo, hi, n in zip(
                rows[group], rows["mean"], rows["ci_low"], rows["ci_high"], rows["n"], strict=True
            )
        }
    groups = [g for g in (order or list(point[x_metric])) if g in point[x_metric]]
    colours = _colours(groups)
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


# --- (e) the lab network ------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkPanel:
    """What one network panel shows: labs' capability at a month, the access state of each
    lab -> first-party API edge, and (if known) each lab's trust in each other lab."""

    title: str
    month: int
    capability: Mapping[str, float]
    access: pd.DataFrame
    """From sim.analysis.access_states: lab, provider, owner, state."""
    trust: pd.DataFrame | None = None
    """From sim.analysis.lab_trust_at: truster, trusted, weight."""


def network_figure(panels: Sequence[NetworkPanel], *, title: str) -> Figure:
    """Labs as nodes (area proportional to capability at the panel's month) on a circle;
    an arrow from lab A to lab B when A may call B's first-party API, its width A's trust in
    B; throttled edges dotted orange, revoked edges dashed vermillion."""
    fig, axes = _grid(len(panels), ncols=2, size=(5.4, 4.6))
    for ax, panel in zip(axes, panels, strict=True):
        labs = list(panel.capability)
        angles = np.pi / 2 - 2 * np.pi * np.arange(len(labs)) / len(labs)
        pos = {
            lab: (float(np.cos(a)), float(np.sin(a))) for lab, a in zip(labs, angles, strict=True)
        }
        top = max(panel.capability.values())
        area = {lab: 1800 * panel.capability[lab] / top for lab in labs}
        trust = (
            {
                (str(a), str(b)): float(w)
                for a, b, w in zip(
                    panel.trust["truster"],
                    panel.trust["trusted"],
                    panel.trust["weight"],
                    strict=True,
                )
            }
            if panel.trust is not None
            else {}
        )
        first_party = panel.access[panel.access["owner"].notna()]
        for row in first_party.itertuples():
            lab, owner, state = str(row.lab), str(row.owner), str(row.state)
            if lab not in pos or owner not in pos:
                continue
            colour, linestyle = STATE_STYLE.get(state, STATE_STYLE["allowed"])
            width = 0.6 + 3.0 * trust.get((lab, owner), 0.5)
            if state == "revoked":
                width = max(width, 2.0)
            ax.add_patch(
                FancyArrowPatch(
                    pos[lab],
                    pos[owner],
                    connectionstyle="arc3,rad=0.12",
                    arrowstyle="-|>",
                    mutation_scale=12,
                    shrinkA=np.sqrt(area[lab]) / 2 + 2,
                    shrinkB=np.sqrt(area[owner]) / 2 + 2,
                    linewidth=width,
                    alpha=0.9 if state != "allowed" else 0.55,
                    zorder=1 if state == "allowed" else 2,
                    color=colour,
                    linestyle=linestyle,
                )
            )
        for i, lab in enumerate(labs):
            x, y = pos[lab]
            ax.scatter(
                [x],
                [y],
                s=area[lab],
                color=PALETTE[i % len(PALETTE)],
                zorder=3,
                edgecolor="white",
                linewidth=1.5,
            )
            reach = np.sqrt(area[lab]) / 2 + 5
            ax.annotate(
                f"{lab}\n{panel.capability[lab]:.2f}",
                (x, y),
                xytext=(x * reach, y * reach),
                textcoords="offset points",
                ha="center" if abs(x) < 0.3 else ("left" if x > 0 else "right"),
                va="center" if abs(y) < 0.3 else ("bottom" if y > 0 else "top"),
                fontsize=8,
                zorder=4,
            )
        ax.set(xlim=(-1.7, 1.7), ylim=(-1.5, 1.5), aspect="equal", title=panel.title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(
            f"node area: capability at month {panel.month} (index, shown by the name)",
            fontsize=8,
        )
    handles = [
        Line2D(
            [],
            [],
            linewidth=2,
            color=STATE_STYLE["allowed"][0],
            linestyle=STATE_STYLE["allowed"][1],
            label="may call the owner's API",
        ),
        Line2D(
            [],
            [],
            linewidth=2,
            color=STATE_STYLE["throttled"][0],
            linestyle=STATE_STYLE["throttled"][1],
            label="throttled",
        ),
        Line2D(
            [],
            [],
            linewidth=2,
            color=STATE_STYLE["revoked"][0],
            linestyle=STATE_STYLE["revoked"][1],
            label="revoked",
        ),
    ]
    note = (
        "arrow A -> B: A's access to B's first-party API;\nline width: A's trust in B (0-1)"
        if any(p.trust is not None for p in panels)
        else "arrow A -> B: A's access to B's first-party API"
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, title=note)
    fig.suptitle(title)
    return fig


# --- sensitivity indices and scenario discovery --------------------------------------------------


def sensitivity_figure(indices: pd.DataFrame, method: str, *, title: str) -> Figure:
    """Bars per parameter, one panel per outcome: Sobol first-order (S1) and total (ST)
    indices, or Morris mu* and sigma, each with its 95% confidence whiskers."""
    bars = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma")}[method]
    names = {"S1": "first-order S1", "ST": "total ST", "mu_star": "mu*", "sigma": "sigma"}
    sub = indices[indices["method"] == method]
    outcomes = list(dict.fromkeys(sub["outcome"]))
    params = list(dict.fromkeys(sub["parameter"]))
    fig, axes = _grid(len(outcomes), ncols=2, size=(5.2, 0.45 * len(params) + 1.6))
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
                xerr=None if conf is None or (method == "morris" and index == "sigma") else conf,
                capsize=2,
                error_kw={"ecolor": "black"},
                label=names[index],
            )
        ax.set_yticks(ypos, params, fontsize=8)
        ax.invert_yaxis()
        if method == "sobol":
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
    sc = left.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["res_dim"],
        cmap=SEQUENTIAL,
        edgecolor="dimgrey",
        s=28,
        label="boxes on the trajectory",
    )
    left.scatter(
        [trajectory["coverage"].iloc[chosen]],
        [trajectory["density"].iloc[chosen]],
        s=160,
        facecolor="none",
        edgecolor=PALETTE[1],
        linewidth=2,
        label="chosen box",
    )
    top = int(trajectory["res_dim"].max()) if len(trajectory) else 0
    fig.colorbar(sc, ax=left, label="restricted parameters (count)", ticks=range(top + 1))
    left.set(
        title="Peeling trajectory",
        xlabel="coverage (share of all cases inside the box, 0-1)",
        ylabel="density (share of the box that are cases, 0-1)",
    )
    left.grid(alpha=0.3)
    left.legend(loc="lower left", frameon=False)
    dims = [d for d in limits if d in x.columns][:2]
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    dims += [c for c in numeric if c not in dims][: 2 - len(dims)]
    if len(dims) == 2:
        a, b = dims
        hit = np.asarray(y, dtype=bool)
        right.scatter(
            x.loc[~hit, a],
            x.loc[~hit, b],
            s=18,
            color=PALETTE[7],
            alpha=0.5,
            marker="o",
            label="not a case",
        )
        right.scatter(x.loc[hit, a], x.loc[hit, b], s=26, color=PALETTE[1], marker="X", label=case)
        lo_a, hi_a = limits.get(a, (float(x[a].min()), float(x[a].max())))
        lo_b, hi_b = limits.get(b, (float(x[b].min()), float(x[b].max())))
        right.add_patch(
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
        right.set(
            xlabel=param_label(f"param__{a}"),
            ylabel=param_label(f"param__{b}"),
            title="Cases and the box (its first two restrictions)",
        )
        right.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        right.grid(alpha=0.3)
    else:
        right.set_visible(False)
    fig.suptitle(title)
    return fig
