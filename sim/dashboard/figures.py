"""The dashboard's figures: timelines of the run and its twin, their difference, the network.

Each view keeps one matplotlib figure and draws the current month into it, so a month only
moves lines and adds markers; its image is encoded in two layers (sim/dashboard/layers.py),
the frame again only when the axis limits or the markers change. The month axis spans the
whole horizon and the value axis snaps to round ticks, so the frame changes seldom (and the
class sees how much of the run is left). Colours come from `sim.viz.style`: a lab and the
API it owns share a hue, as in every other figure of the project.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.dashboard.access_map import Network
from sim.dashboard.layers import Layers
from sim.dashboard.live import TwinRun
from sim.dashboard.marks import Markers, colours, run_marks
from sim.model.model import AccessModel
from sim.viz.style import PALETTE

FIGSIZE = (3.6, 2.4)
"""A timeline's size in inches: 259 pt wide, a little less than the 270 CSS pixels its card
gives it on a 1280x720 page, so its type shows a little larger than its size in points
(the browser test measures)."""
TICK_PT = 18.0
"""Tick labels' size: at least 18 px on a 1280x720 projector (the browser test measures)."""


def _series(model: AccessModel, metric: str) -> dict[str, list[float]]:
    """Per-entity history of an entity metric (deeper `entity__sub` keys left out)."""
    rows: list[dict[str, float]] = model.datacollector.model_vars[metric]
    return {key: [row[key] for row in rows] for key in rows[0] if "__" not in key}


class Chart:
    """A timeline's axes: months 0 to the horizon, large ticks, every event of both runs
    marked, encoded in two layers. Subclasses draw their lines in `draw`."""

    zero = False
    """Whether the value axis always shows zero."""

    def __init__(self, run: TwinRun, metric: str, title: str) -> None:
        self.run, self.metric, self.title = run, metric, title
        self.fig = Figure(figsize=FIGSIZE)
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.23, right=0.95, top=0.95, bottom=0.26)
        self.ax = ax = self.fig.subplots()
        self.layers = Layers(self.fig)
        self.hues = colours(run.main)
        horizon = int(run.main.config.steps)
        ax.set_xlim(0, horizon)
        ax.set_xlabel("month", fontsize=TICK_PT)
        ax.tick_params(labelsize=TICK_PT)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        self.markers = Markers(ax, self.hues, horizon)
        self.lines: dict[str, tuple[Line2D, ...]] = {}

    def colour(self, i: int, name: str) -> str:
        return self.hues.get(name, PALETTE[i % len(PALETTE)])

    def draw(self, main: dict[str, list[float]], twin: dict[str, list[float]]) -> None:
        raise NotImplementedError

    def update(self) -> Figure:
        with self.run.lock:
            main, twin = _series(self.run.main, self.metric), _series(self.run.twin, self.metric)
            marks = run_marks(self.run)
        self.draw(main, twin)
        self.markers.add(marks)
        ys = [np.asarray(line.get_ydata(), float) for pair in self.lines.values() for line in pair]
        values = np.concatenate([*ys, [0.0]] if self.zero else ys)
        locator = self.ax.yaxis.get_major_locator()
        low, high = locator.nonsingular(float(np.nanmin(values)), float(np.nanmax(values)))
        margin = 0.04 * (high - low)  # no line (nor the zero line) on the frame's edge
        ticks = locator.tick_values(low - margin, high + margin)
        self.ax.set_ylim(ticks[0], ticks[-1])
        return self.fig

    def moving(self) -> list[Artist]:
        """What a month changes: the lines (markers stay once drawn)."""
        return [line for pair in self.lines.values() for line in pair]

    def image(self) -> bytes:
        """The figure as drawn by the last `update`, as SVG; the frame is encoded again only
        when the limits or the markers changed."""
        key = (self.ax.get_xlim(), self.ax.get_ylim(), len(self.markers.drawn))
        return self.layers.svg(key, self.moving())

    def legend(self) -> dict[str, str]:
        """Colour of each entity's lines; the page shows the legend as text beside the
        image, since text is what costs most when a figure is drawn every month."""
        return {name: str(lines[0].get_color()) for name, lines in self.lines.items()}

    def caption(self) -> str:
        return " · ".join([*self.describe(), *self.markers.caption()])

    def describe(self) -> list[str]:
        return []


class Timeline(Chart):
    """The user's run (solid) and its twin (dashed), one colour per organisation."""

    def __init__(self, run: TwinRun, metric: str, title: str) -> None:
        super().__init__(run, metric, title)
        for i, name in enumerate(_series(run.main, metric)):
            colour = self.colour(i, name)
            (main,) = self.ax.plot([], [], color=colour, linewidth=2.0, gid="main")
            (twin,) = self.ax.plot([], [], color=colour, linestyle="--", alpha=0.8, gid="twin")
            self.lines[name] = (main, twin)

    def draw(self, main: dict[str, list[float]], twin: dict[str, list[float]]) -> None:
        for name, (main_line, twin_line) in self.lines.items():
            main_line.set_data(range(len(main[name])), main[name])
            twin_line.set_data(range(len(twin[name])), twin[name])

    def describe(self) -> list[str]:
        return ["solid: your run", f"dashed: {self.run.twin_description()}"]


class Difference(Chart):
    """The user's run minus its twin, month by month, one line per entity: zero until the
    runs part, and after that the effect of what parted them."""

    zero = True

    def __init__(self, run: TwinRun, metric: str, title: str) -> None:
        super().__init__(run, metric, f"{title}, you \u2212 twin")
        self.ax.axhline(0.0, color="black", linewidth=1.2, gid="zero")
        for i, name in enumerate(_series(run.main, metric)):
            (line,) = self.ax.plot([], [], color=self.colour(i, name), linewidth=2.0, gid="gap")
            self.lines[name] = (line,)

    def draw(self, main: dict[str, list[float]], twin: dict[str, list[float]]) -> None:
        for name, (line,) in self.lines.items():
            gap = np.asarray(main[name]) - np.asarray(twin[name])
            line.set_data(range(len(gap)), gap)

    def describe(self) -> list[str]:
        return [f"your run minus the {self.run.twin_description()}", "black line: no difference"]


TIMELINES = {
    "capability": ("capability", "Capability (index)"),
    "trust": ("trust", "Trust in APIs (0-1)"),
    "share": ("share", "Market share (0-1)"),
}
"""The timelines: metric, and title with the value's unit (the page shows it above)."""
View = Timeline | Difference | Network
VIEWS: dict[str, Callable[[TwinRun], View]] = {"network": Network}
"""The page's figures: each keeps its figure and draws the current month into it."""
DIFFERENCES: dict[str, Callable[[TwinRun], View]] = {}
"""Each timeline's difference-from-twin view, which its card can show instead."""
for _name, (_metric, _title) in TIMELINES.items():
    VIEWS[_name] = partial(Timeline, metric=_metric, title=_title)
    DIFFERENCES[_name] = partial(Difference, metric=_metric, title=_title)
