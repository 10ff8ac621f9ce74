"""Shared figure styling (Okabe-Ito palette, colour maps, labels of metrics and parameters,
saving as PNG and SVG) and the figures of one run, drawn from its result tables.

Figures are built with matplotlib's object API (no pyplot state), so plotting is safe in
worker processes and never opens a window.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

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


def panel_grid(
    n: int, ncols: int = 3, size: tuple[float, float] = (4.6, 3.4)
) -> tuple[Figure, list[Axes]]:
    """A figure with `n` panels, `ncols` to a row, each of `size` inches."""
    cols = max(1, min(ncols, n))
    rows = -(-n // cols)
    fig = Figure(figsize=(size[0] * cols + 1.2, size[1] * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def group_colours(order: Sequence[str]) -> dict[str, str]:
    """A palette colour for each group, in order."""
    return {str(g): PALETTE[i % len(PALETTE)] for i, g in enumerate(order)}
