"""The dashboard's model side: presets, the run and its counterfactual twin, and the figures.

Kept apart from the page (sim/dashboard/app.py) so that tests and benchmarks drive the same code the
page does without a browser. Two models with the same config and seed advance in lock-step;
only the first receives the user's interventions. The model draws common random numbers per
phase, so the runs match until the intervention and every later difference is its effect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.config import Config, ConfigError
from sim.config.files import config_dir
from sim.model.model import AccessModel
from sim.model.policies import Action, Decision
from sim.model.provider import AccessState
from sim.viz.style import PALETTE

CONFIG_DIR = config_dir()
PRESETS = tuple(sorted(path.stem for path in (CONFIG_DIR / "scenario").glob("*.yaml")))
USER_REASON = "dashboard: revoked by the user"
MARKER = "#FF0000"
"""Colour of the user's interventions on every plot; no line of the Okabe-Ito palette is
pure red, so a test can find the marker by its pixels."""
# --- presets and settings ------------------------------------------------------------------


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`extra` merged into `base` as Hydra merges config files: mappings key by key,
    anything else (lists included) replaced."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        both = isinstance(value, Mapping) and isinstance(old, Mapping)
        out[key] = _merge(old, value) if both else value  # type: ignore[arg-type]
    return out


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    assert isinstance(data, dict), f"{path}: expected a mapping"
    return data


def preset_data(name: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """A preset as plain config data, composed as the command line composes it but without
    Hydra (sim/ never imports it): defaults, the policy file it selects, its own keys."""
    raw = _read(config_dir / "scenario" / f"{name}.yaml")
    data = Config().to_dict()
    for entry in raw.pop("defaults", []):
        for group, choice in entry.items() if isinstance(entry, dict) else ():
            group = group.removeprefix("override").strip(" /")
            if group == "policy":
                policy = _read(config_dir / "policy" / f"{choice}.yaml")
                data = _merge(data, {"policy": policy})
            elif group == "cast":  # another cast replaces the archetypes' labs and providers
                data = {**data, **_read(config_dir / "cast" / f"{choice}.yaml")}
    return _merge(data, raw)


def _slider(label: str, value: float, low: float, high: float, step: float) -> dict[str, Any]:
    kind = "SliderInt" if isinstance(step, int) else "SliderFloat"
    return {"type": kind, "label": label, "value": value, "min": low, "max": high, "step": step}


MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "preset": {"type": "Select", "label": "Scenario preset", "value": "claude_cutoff"},
    "n_developers": _slider("Developers", 2000, 10, 10_000, 10),
    "social_degree": _slider("Social ties per developer (even)", 6, 2, 20, 1),
    "monitoring": _slider("Provider monitoring (x preset)", 1.0, 0.0, 4.0, 0.1),
    "rival_intensity": _slider("Rival's benchmarking intensity", 0.8, 0.0, 1.0, 0.05),
    "revocation_shock": _slider("Trust lost on hearing of a revocation", 0.25, 0.0, 1.0, 0.05),
    "horizon": _slider("Horizon (months)", 60, 6, 120, 1),
    "seed": _slider("Seed", 0, 0, 99, 1),
}
"""The page's settings, as SolaraViz's inputs; they take effect when the user presses Reset."""
MODEL_PARAMS["preset"]["values"] = list(PRESETS)
DEFAULTS = {name: param["value"] for name, param in MODEL_PARAMS.items()}


def dashboard_config(settings: Mapping[str, Any]) -> Config:
    """The config for the dashboard's settings (see DEFAULTS); raises ConfigError."""
    s = {**DEFAULTS, **settings}
    data = preset_data(str(s["preset"]))
    data["seed"], data["steps"] = int(s["seed"]), int(s["horizon"])
    pop = data["population"]
    pop["n_developers"], pop["social_degree"] = int(s["n_developers"]), int(s["social_degree"])
    pop["revocation_shock"] = float(s["revocation_shock"])
    for provider in data["providers"].values():
        provider["monitoring"] = float(provider["monitoring"]) * float(s["monitoring"])
    if "rival" in data["labs"]:
        data["labs"]["rival"]["intensity"] = float(s["rival_intensity"])
    return Config.from_dict(data)


# --- the pair of models ----------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """A revocation the user made: after `month` was recorded, `provider` cut `lab` off."""

    month: int
    provider: str
    lab: str


class TwinRun:
    """The model the user acts on and its counterfactual twin: same config and seed,
    stepped together, the twin never touched. A lock keeps the play thread, the buttons
    and the figures from seeing a half-finished month."""

    def __init__(self, config: Config) -> None:
        self.main = AccessModel(config)
        self.twin = AccessModel(config)
        self.interventions: list[Intervention] = []
        self.lock = threading.RLock()

    @property
    def month(self) -> int:
        return int(self.main.steps)

    def step(self) -> None:
        with self.lock:
            self.main.step()
            self.twin.step()

    def revoke(self, provider: str, lab: str) -> str:
        """Revoke `lab`'s access to `provider` in the main run now; says what happened."""
        with self.lock:
            prov, client = self.main.provider(provider), self.main.lab(lab)
            if lab == prov.owner:
                return f"{provider} is {lab}'s own API: there is nothing to revoke."
            if prov.state_of(lab) is AccessState.REVOKED:
                return f"{lab} has already lost access to {provider}."
            prov.apply(client, Decision(Action.REVOKE, USER_REASON), by_policy=False)
            if prov.state_of(lab) is not AccessState.REVOKED:
                return "The safe-harbour regulation protects evaluation: only a warning was logged."
            self.interventions.append(Intervention(self.month, provider, lab))
            return f"After month {self.month}, {provider} revoked {lab}'s access."


class DashboardModel(mesa.Model):  # type: ignore[misc]
    """What SolaraViz drives: the pair of runs built from the page's settings. An invalid
    setting leaves no runs and an `error` to show, so the page never shows a traceback."""

    def __init__(
        self,
        preset: str = DEFAULTS["preset"],
        n_developers: int = DEFAULTS["n_developers"],
        social_degree: int = DEFAULTS["social_degree"],
        monitoring: float = DEFAULTS["monitoring"],
        rival_intensity: float = DEFAULTS["rival_intensity"],
        revocation_shock: float = DEFAULTS["revocation_shock"],
        horizon: int = DEFAULTS["horizon"],
        seed: int = DEFAULTS["seed"],
    ) -> None:
        super().__init__(rng=seed)
        self.settings = {k: v for k, v in locals().items() if k in DEFAULTS}
        self.run: TwinRun | None = None
        self.error = ""
        try:
            self.run = TwinRun(dashboard_config(self.settings))
        except ConfigError as err:
            self.error = str(err)
            self.running = False

    def step(self) -> None:
        if self.run is not None:
            self.run.step()
            self.running = self.run.month < self.run.main.config.steps


# --- figures -----------------------------------------------------------------------------------


def _series(model: AccessModel, metric: str) -> dict[str, list[float]]:
    """Per-entity history of an entity metric (deeper `entity__sub` keys left out)."""
    rows: list[dict[str, float]] = model.datacollector.model_vars[metric]
    return {key: [row[key] for row in rows] for key in rows[0] if "__" not in key}


class Timeline:
    """A timeline kept from month to month: one colour per entity, solid with the user's
    interventions and dashed for the twin. A month only moves the lines and adds markers,
    which costs far less than drawing a new figure."""

    def __init__(self, run: TwinRun, metric: str, title: str, ylabel: str) -> None:
        self.run, self.metric = run, metric
        self.fig = Figure(figsize=(6.4, 3.4))
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.14)
        self.ax = ax = self.fig.subplots()
        self.lines: dict[str, tuple[Line2D, Line2D]] = {}
        for colour, name in zip(PALETTE, _series(run.main, metric), strict=False):
            (main,) = ax.plot([], [], color=colour, label=name, gid="main")
            (twin,) = ax.plot([], [], color=colour, linestyle="--", alpha=0.8, gid="twin")
            self.lines[name] = (main, twin)
        ax.set(title=f"{title}; dashed: twin", xlabel="month", ylabel=ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        self.marked: set[tuple[int, str]] = set()

    def update(self) -> Figure:
        with self.run.lock:
            main, twin = _series(self.run.main, self.metric), _series(self.run.twin, self.metric)
            revocations = [
                (e["step"], f"{e['actor']} revokes {e['target']}", e["reason"] == USER_REASON)
                for e in self.run.main.event_log
                if e["kind"] == "revocation"
            ]
        for name, (main_line, twin_line) in self.lines.items():
            main_line.set_data(range(len(main[name])), main[name])
            twin_line.set_data(range(len(twin[name])), twin[name])
        for month, what, by_user in revocations:
            if (month, what) not in self.marked:
                self._mark(month, what, by_user)
        self.ax.set_xlim(0, max(self.run.month, 1))
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
        marks = [line for line in lines if line.get_gid() == "intervention"]
        months = sorted({int(np.asarray(line.get_xdata())[0]) for line in marks})
        twin = any(line.get_gid() == "twin" for line in lines)
        parts = ["solid: your run", "dashed: twin without your revocations"] if twin else []
        parts += [f"red line: your revocation after month {m}" for m in months]
        return " · ".join(parts)

    def _mark(self, month: int, what: str, by_user: bool) -> None:
        """The user's revocations as labelled red lines; the others as grey dashes."""
        self.marked.add((month, what))
        if not by_user:
            self.ax.axvline(month, color="grey", linestyle="--", linewidth=0.8, gid="revocation")
            return
        self.ax.axvline(month, color=MARKER, linewidth=1.6, gid="intervention")
        y, where = 0.97 - 0.06 * (len(self.ax.texts) % 4), self.ax.get_xaxis_transform()
        self.ax.text(month, y, f" you: {what}", transform=where, color=MARKER, fontsize=7, va="top")


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
        ax.scatter(api[:, 0], api[:, 1], s=300, marker="s", c="#E8E8E8")
        xy = np.array([self.pos[lab] for lab in labs])
        self.nodes = ax.scatter(xy[:, 0], xy[:, 1], c=PALETTE[: len(labs)], zorder=2)
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
        self.nodes.set_sizes([500 * c for c in caps.values()])
        for name, text in self.labels.items():
            text.set_text(f"{name}\n{caps[name]:.2f}")
        for state, edges in self.edges.items():
            edges.set_segments([[self.pos[u], self.pos[v]] for u, v, s in states if s is state])
        self.ax.set_title(f"Who can call whose API, month {self.run.month} (area = capability)")
        self.revoked = [f"{v} cut off {u}" for u, v, s in states if s is AccessState.REVOKED]
        return self.fig

    def legend(self) -> dict[str, str]:
        return {}

    def caption(self) -> str:
        cut = "; ".join(self.revoked) or "none"
        return f"Node area: capability. Red dashed edges, revoked access: {cut}."


VIEWS: dict[str, Callable[[TwinRun], Timeline | Network]] = {
    "network": Network,
    "capability": lambda run: Timeline(
        run, "capability", "Capability per lab", "capability (index, mean over domains)"
    ),
    "trust": lambda run: Timeline(run, "trust", "Developer trust per provider", "mean trust (0-1)"),
    "share": lambda run: Timeline(run, "share", "Market shares", "share of developers (0-1)"),
}
"""The page's figures: each keeps its figure and draws the current month into it."""
