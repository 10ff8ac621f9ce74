"""The lab network figure: labs sized by their capability, and each lab's access to the
others' first-party APIs as rebuilt from the event log."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from sim.viz.style import PALETTE, organisation_colours, panel_grid

LineStyle = Literal["-", "--", ":", "-."]
STATE_STYLE: dict[str, tuple[str, LineStyle]] = {
    "allowed": (PALETTE[0], "-"),
    "throttled": (PALETTE[4], ":"),
    "evaluation_only": (PALETTE[3], "-."),
    "revoked": (PALETTE[1], "--"),
}
"""How an access edge is drawn: revoked edges vermillion (Okabe-Ito's red) and dashed."""


@dataclass(frozen=True)
class NetworkPanel:
    """What one network panel shows: labs' capability at a month, the access state of each
    lab -> first-party API edge, and (if known) each lab's trust in each other lab."""

    title: str
    month: int
    capability: Mapping[str, float]
    access: pd.DataFrame
    """From sim.history.access_states: lab, provider, owner, state."""
    trust: pd.DataFrame | None = None
    """From sim.history.lab_trust_at: truster, trusted, weight."""


Position = tuple[float, float]


def _ring(labs: Sequence[str]) -> dict[str, Position]:
    """Labs evenly on the unit circle, the first at the top, clockwise."""
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(labs)) / len(labs)
    return {lab: (float(np.cos(a)), float(np.sin(a))) for lab, a in zip(labs, angles, strict=True)}


def _trust(panel: NetworkPanel) -> dict[tuple[str, str], float]:
    """(truster, trusted) -> weight, empty when the panel has no trust."""
    if panel.trust is None:
        return {}
    t = panel.trust
    return {
        (str(a), str(b)): float(w)
        for a, b, w in zip(t["truster"], t["trusted"], t["weight"], strict=True)
    }


def _draw_access(
    ax: Axes, panel: NetworkPanel, pos: Mapping[str, Position], area: Mapping[str, float]
) -> None:
    """An arrow per lab -> first-party API edge: styled by its state, as wide as the lab's
    trust in the owner (at least 2 when revoked)."""
    trust = _trust(panel)
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


def _draw_labs(
    ax: Axes,
    panel: NetworkPanel,
    pos: Mapping[str, Position],
    area: Mapping[str, float],
    names: Mapping[str, str],
) -> None:
    """Each lab as a disc in its organisation colour, named (and its capability) outside."""
    labs = list(panel.capability)
    colours = organisation_colours(labs, {})  # the labs' colours in every figure
    for lab in labs:
        x, y = pos[lab]
        ax.scatter(
            [x], [y], s=area[lab], color=colours[lab], zorder=3, edgecolor="white", linewidth=1.5
        )
        reach = np.sqrt(area[lab]) / 2 + 5
        ax.annotate(
            f"{textwrap.fill(names.get(lab, lab), 16)}\n{panel.capability[lab]:.2f}",
            (x, y),
            xytext=(x * reach, y * reach),
            textcoords="offset points",
            ha="center" if abs(x) < 0.3 else ("left" if x > 0 else "right"),
            va="center" if abs(y) < 0.3 else ("bottom" if y > 0 else "top"),
            fontsize=9,
            zorder=4,
        )


def _draw_panel(ax: Axes, panel: NetworkPanel, names: Mapping[str, str]) -> None:
    """One panel: the access arrows under the labs, on a frameless square."""
    labs = list(panel.capability)
    pos = _ring(labs)
    top = max(panel.capability.values())
    area = {lab: 1800 * panel.capability[lab] / top for lab in labs}
    _draw_access(ax, panel, pos, area)
    _draw_labs(ax, panel, pos, area, names)
    ax.set(xlim=(-1.7, 1.7), ylim=(-1.5, 1.85), aspect="equal", title=panel.title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(
        f"node area: capability at month {panel.month} (index, shown by the name)",
        fontsize=8,
    )


def _legend(fig: Figure, trust: bool) -> None:
    """The access states' line styles, and what an arrow and its width mean."""
    labels = {
        "allowed": "may call the owner's API",
        **{state: state.replace("_", " ") for state in ("throttled", "evaluation_only", "revoked")},
    }
    handles = [
        Line2D(
            [], [], linewidth=2, color=STATE_STYLE[s][0], linestyle=STATE_STYLE[s][1], label=text
        )
        for s, text in labels.items()
    ]
    note = (
        "arrow A -> B: A's access to B's first-party API;\nline width: A's trust in B (0-1)"
        if trust
        else "arrow A -> B: A's access to B's first-party API"
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, title=note)


def network_figure(
    panels: Sequence[NetworkPanel], *, title: str, labels: Mapping[str, str] | None = None
) -> Figure:
    """Labs as nodes (area proportional to capability at the panel's month) on a circle,
    named by `labels` (id -> readable name) where given; an arrow from lab A to lab B when
    A may call B's first-party API, its width A's trust in B; throttled edges dotted
    orange, revoked edges dashed vermillion."""
    names = dict(labels or {})
    fig, axes = panel_grid(len(panels), ncols=2, size=(5.4, 4.6))
    for ax, panel in zip(axes, panels, strict=True):
        _draw_panel(ax, panel, names)
    _legend(fig, any(p.trust is not None for p in panels))
    fig.suptitle(title)
    return fig
