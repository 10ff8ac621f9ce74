"""The dashboard's figures: timelines of the run and its twin, and the access network.

Each view keeps one matplotlib figure and draws the current month into it, so a month only
moves lines and adds markers. Colours come from `sim.viz.style.organisation_colours`: a lab
and the API it owns share a hue, as in every other figure of the project.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from sim.dashboard.live import USER_REASON, TwinRun
from sim.model.model import AccessModel
from sim.model.provider import AccessState
from sim.model.world import Logged
from sim.viz.style import PALETTE, organisation_colours

MARKER = "#FF0000"
"""Colour of the user's interventions on every plot; no line of the Okabe-Ito palette is
pure red, so a test can find the marker by its pixels."""
RESTRICTIONS = (Logged.revocation, Logged.carve_out)
"""Logged kinds marked on the timelines: a lab losing (some of) its access."""


def colours(model: AccessModel) -> dict[str, str]:
    """The organisation colour of every lab, provider and self-hosting in `model`."""
    owners = {p.name: p.owner for p in model.providers}
    return organisation_colours([lab.name for lab in model.labs], owners)


def _series(model: AccessModel, metric: str) -> dict[str, list[float]]:
    """Per-entity history of an entity metric (deeper `entity__sub` keys left out)."""
    rows: list[dict[str, float]] = model.datacollector.model_vars[metric]
    return {key: [row[key] for row in rows] for key in rows[0] if "__" not in key}


def _restrictions(model: AccessModel) -> list[tuple[int, str, bool]]:
    """(month, what, by the user) of every revocation and carve-out in `model`'s log."""
    verb = {Logged.revocation: "revokes", Logged.carve_out: "carves out"}
    return [
        (
            int(e["step"]),
            f"{e['actor']} {verb[e['kind']]} {e['target']}",
            e["reason"] == USER_REASON,
        )
        for e in model.event_log
        if e["kind"] in RESTRICTIONS
    ]


class Timeline:
    """A timeline kept from month to month: one colour per organisation, solid for the
    user's run and dashed for the twin. Every revocation is marked: the user's as a
    labelled red line, the others in the run as grey dashes, the twin's as grey dots."""

    def __init__(self, run: TwinRun, metric: str, title: str, ylabel: str) -> None:
        self.run, self.metric = run, metric
        self.fig = Figure(figsize=(6.4, 3.4))
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.14)
        self.ax = ax = self.fig.subplots()
        self.lines: dict[str, tuple[Line2D, Line2D]] = {}
        hues = colours(run.main)
        for i, name in enumerate(_series(run.main, metric)):
            colour = hues.get(name, PALETTE[i % len(PALETTE)])
            (main,) = ax.plot([], [], color=colour, label=name, gid="main")
            (twin,) = ax.plot([], [], color=colour, linestyle="--", alpha=0.8, gid="twin")
            self.lines[name] = (main, twin)
        ax.set(title=f"{title}; dashed: twin", xlabel="month", ylabel=ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        self.marked: set[tuple[str, int, str]] = set()
        self.labels: list[tuple[int, Text]] = []

    def update(self) -> Figure:
        with self.run.lock:
            main, twin = _series(self.run.main, self.metric), _series(self.run.twin, self.metric)
            marks = [("main", *r) for r in _restrictions(self.run.main)]
            marks += [("twin", *r) for r in _restrictions(self.run.twin)]
            month = self.run.month
        for name, (main_line, twin_line) in self.lines.items():
            main_line.set_data(range(len(main[name])), main[name])
            twin_line.set_data(range(len(twin[name])), twin[name])
        for arm, at, what, by_user in marks:
            if (arm, at, what) not in self.marked:
                self._mark(arm, at, what, by_user)
        right = max(month, 1)
        self.ax.set_xlim(0, right)
        for at, label in self.labels:  # a label near the right edge turns back into the axes
            label.set_horizontalalignment("right" if at > right / 2 else "left")
        self.ax.relim()
        self.ax.autoscale_view(scalex=False)
        return self.fig

    def legend(self) -> dict[str, str]:
        """Colour of each entity's lines; the page shows the legend as text beside the
        image, since text is what costs most when a figure is drawn every month."""
        return {name: str(main.get_color()) for name, (main, _) in self.lines.items()}

    def caption(self) -> str:
        """What the figure shows, read from its artists, so the page can say it in words."""
        lines = self.ax.get_lines()

        def months(gid: str) -> list[int]:
            marks = [line for line in lines if line.get_gid() == gid]
            return sorted({int(np.asarray(line.get_xdata())[0]) for line in marks})

        def listed(months: list[int]) -> str:
            return ", ".join(map(str, months))

        twin = any(line.get_gid() == "twin" for line in lines)
        parts = ["solid: your run", f"dashed: {self.run.twin_description()}"] if twin else []
        parts += [f"red line: your revocation after month {m}" for m in months("intervention")]
        if scripted := months("revocation"):
            others = listed(scripted)
            parts.append(
                f"grey dashes: scripted and policy revocations in your run (month {others})"
            )
        if in_twin := months("twin_revocation"):
            parts.append(f"grey dots: revocations in the twin (month {listed(in_twin)})")
        return " · ".join(parts)

    def _mark(self, arm: str, month: int, what: str, by_user: bool) -> None:
        self.marked.add((arm, month, what))
        if arm == "twin":
            self.ax.axvline(
                month, color="grey", linestyle=":", linewidth=1.0, gid="twin_revocation"
            )
        elif not by_user:
            self.ax.axvline(month, color="#555555", linestyle="--", linewidth=0.8, gid="revocation")
        else:
            self.ax.axvline(month, color=MARKER, linewidth=3.0, gid="intervention")
            y, where = 0.97 - 0.06 * (len(self.labels) % 4), self.ax.get_xaxis_transform()
            text = self.ax.text(
                month,
                y,
                f" you: {what} ",
                transform=where,
                color=MARKER,
                fontsize=7,
                va="top",
                clip_on=True,
            )
            self.labels.append((month, text))


EDGE_STYLE = {
    AccessState.ALLOWED: ("#BBBBBB", "solid", 0.8),
    AccessState.THROTTLED: ("#E69F00", "solid", 1.8),
    AccessState.EVALUATION_ONLY: ("#CC79A7", "dotted", 1.8),
    AccessState.REVOKED: (MARKER, "dashed", 2.0),
}
"""Colour, line style and width of an access edge in each state."""


class Network:
    """Labs on a ring (area = capability), each first-party API beside its owner and the
    marketplaces inside; an edge is a lab's access to a provider, styled by its state.
    Positions are fixed, so a month only resizes nodes and restyles edges."""

    def __init__(self, run: TwinRun) -> None:
        self.run = run
        self.fig = Figure(figsize=(5.6, 4.2))
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02)
        self.ax = ax = self.fig.subplots()
        labs = [lab.name for lab in run.main.labs]
        owners = {p.name: p.owner for p in run.main.providers}
        hues = colours(run.main)
        ring = nx.circular_layout(labs)
        pos = {**ring, **nx.circular_layout([p for p, o in owners.items() if not o], scale=0.25)}
        pos.update({p: 1.55 * ring[o] for p, o in owners.items() if o})
        self.pos = {name: (float(x), float(y)) for name, (x, y) in pos.items()}
        self.revoked: list[str] = []
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
            ax.text(self.pos[p][0], self.pos[p][1] - 0.1, p, fontsize=7, ha="center", va="top")
        self.labels = {
            lab: ax.text(*self.pos[lab], lab, fontsize=7, ha="center", va="center", zorder=3)
            for lab in labs
        }
        ax.legend(handles=list(self.edges.values()), loc="lower right", fontsize=7)
        ax.set(xlim=(-1.9, 1.9), ylim=(-1.9, 1.75))
        ax.axis("off")

    def update(self) -> Figure:
        with self.run.lock:
            model = self.run.main
            caps = {lab.name: float(lab.capability.mean()) for lab in model.labs}
            states = list(model.access_graph.edges(data="state"))
            month = self.run.month
        self.nodes.set_sizes([500 * c for c in caps.values()])
        for name, text in self.labels.items():
            text.set_text(f"{name}\n{caps[name]:.2f}")
        for state, edges in self.edges.items():
            edges.set_segments([[self.pos[u], self.pos[v]] for u, v, s in states if s is state])
        self.ax.set_title(f"Who can call whose API, month {month} (area = capability)")
        self.revoked = [f"{v} cut off {u}" for u, v, s in states if s is AccessState.REVOKED]
        return self.fig

    def legend(self) -> dict[str, str]:
        return {}

    def caption(self) -> str:
        cut = "; ".join(self.revoked) or "none"
        return (
            "Node area: capability; a lab and the API it owns share a colour. "
            f"Red dashed edges, revoked access: {cut}."
        )


VIEWS: dict[str, Callable[[TwinRun], Timeline | Network]] = {
    "network": Network,
    "capability": lambda run: Timeline(
        run, "capability", "Capability per lab", "capability (index, mean over domains)"
    ),
    "trust": lambda run: Timeline(run, "trust", "Developer trust per provider", "mean trust (0-1)"),
    "share": lambda run: Timeline(run, "share", "Market shares", "share of developers (0-1)"),
}
"""The page's figures: each keeps its figure and draws the current month into it."""
