"""The figures of one run, drawn from its result tables: capability per lab, developer trust
per provider and market shares, revocations marked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.viz.style import PALETTE, save_png


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
    return save_png(fig, path)


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
    return [*paths, save_png(fig, path)]
