"""The dashboard's access network: who may call whose API in the user's run, month by month.

Positions are fixed, so a month only resizes the labs and restyles the edges; those are the
figure's moving layer (sim/dashboard/layers.py), and the rest (the APIs, their names, the
ownership bars) is encoded once.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.dashboard.layers import Layers
from sim.dashboard.live import TwinRun
from sim.dashboard.marks import MARKER, colours
from sim.model.provider import AccessState

EDGE_STYLE = {
    AccessState.ALLOWED: ("#BBBBBB", "solid", 0.8),
    AccessState.THROTTLED: ("#E69F00", "solid", 1.8),
    AccessState.EVALUATION_ONLY: ("#CC79A7", "dotted", 1.8),
    AccessState.REVOKED: (MARKER, "dashed", 2.0),
}
"""Colour, line style and width of an access edge in each state."""


class Network:
    """Labs on a ring (area = capability), each first-party API beside its owner and the
    marketplaces inside; an edge is a lab's access to a provider, styled by its state."""

    title = "Who can call whose API (area = capability)"

    def __init__(self, run: TwinRun) -> None:
        self.run = run
        self.fig = Figure(figsize=(3.75, 2.9))
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02)
        self.ax = ax = self.fig.subplots()
        self.layers = Layers(self.fig)
        labs = [lab.name for lab in run.main.labs]
        owners = {p.name: p.owner for p in run.main.providers}
        hues = colours(run.main)
        ring = nx.circular_layout(labs)
        pos = {**ring, **nx.circular_layout([p for p, o in owners.items() if not o], scale=0.25)}
        pos.update({p: 1.55 * ring[o] for p, o in owners.items() if o})
        self.pos = {name: (float(x), float(y)) for name, (x, y) in pos.items()}
        self.revoked: list[str] = []
        self.month = 0
        self.edges = {
            s: LineCollection([], colors=c, linestyles=ls, linewidths=w, label=s.value)
            for s, (c, ls, w) in EDGE_STYLE.items()
        }
        for edges in self.edges.values():
            ax.add_collection(edges)
        owned = [[self.pos[o], self.pos[p]] for p, o in owners.items() if o]
        ax.add_collection(LineCollection(owned, colors="black", linewidths=3.0))
        api = np.array([self.pos[p] for p in owners])
        ax.scatter(api[:, 0], api[:, 1], s=300, marker="s", c=[hues[p] for p in owners], alpha=0.35)
        xy = np.array([self.pos[lab] for lab in labs])
        self.nodes = ax.scatter(xy[:, 0], xy[:, 1], c=[hues[lab] for lab in labs], zorder=2)
        for p in owners:
            ax.text(self.pos[p][0], self.pos[p][1] - 0.1, p, fontsize=9, ha="center", va="top")
        self.labels = {
            lab: ax.text(*self.pos[lab], lab, fontsize=10, ha="center", va="center", zorder=3)
            for lab in labs
        }
        ax.set(xlim=(-1.9, 1.9), ylim=(-1.9, 1.75))
        ax.axis("off")

    def update(self) -> Figure:
        with self.run.lock:
            model = self.run.main
            caps = {lab.name: float(lab.capability.mean()) for lab in model.labs}
            states = list(model.access_graph.edges(data="state"))
            self.month = self.run.month
        self.nodes.set_sizes([500 * c for c in caps.values()])
        for name, text in self.labels.items():
            text.set_text(f"{name}\n{caps[name]:.2f}")
        for state, edges in self.edges.items():
            edges.set_segments([[self.pos[u], self.pos[v]] for u, v, s in states if s is state])
        self.revoked = [f"{v} cut off {u}" for u, v, s in states if s is AccessState.REVOKED]
        return self.fig

    def moving(self) -> list[Artist]:
        """What a month changes: the labs' sizes and labels, and the edges."""
        return [self.nodes, *self.labels.values(), *self.edges.values()]

    def image(self) -> bytes:
        """The figure as drawn by the last `update`, as SVG (the frame never changes)."""
        return self.layers.svg("network", self.moving())

    def legend(self) -> dict[str, str]:
        """Colour of each access state's edges, shown as text beside the image."""
        return {state.value.replace("_", " "): style[0] for state, style in EDGE_STYLE.items()}

    def caption(self) -> str:
        cut = "; ".join(self.revoked) or "none"
        return (
            f"Month {self.month}. Node area: capability; a lab and the API it owns share a "
            f"colour. Red dashed edges, revoked access: {cut}."
        )
