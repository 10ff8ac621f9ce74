"""Events marked on the dashboard's timelines: what each run's log holds, and how it is drawn.

A restriction (a revocation or a carve-out) is marked as a vertical line: the user's in red
with a label, the others of the user's run in dark grey dashes, the twin's in grey dots. News
that moves the lines without being anyone's choice on the page is marked too: a launch or a
release as a dash-dot line in the lab's colour, an outage as a triangle at the top in the
provider's colour. Each artist carries its kind (gid) and its words (label), from which the
caption is read.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text

from sim.dashboard.live import USER_REASON, TwinRun
from sim.model.model import AccessModel
from sim.model.world import Logged
from sim.viz.style import organisation_colours

MARKER = "#FF0000"
"""Colour of the user's interventions on every plot; no line of the Okabe-Ito palette is
pure red, so a test can find the marker by its pixels."""
RESTRICTIONS = {Logged.revocation: "revokes", Logged.carve_out: "carves out"}
"""Logged kinds marked as restrictions: a lab losing (some of) its access."""
NEWS = {
    Logged.launch: "launch",
    Logged.model_release: "launch",
    Logged.release: "launch",
    Logged.outage: "outage",
}
"""Logged kinds marked as news (kind -> the gid of its marker): new models move capability
and shares, an outage dents trust in its provider."""
WORDS = {Logged.launch: "launch", Logged.model_release: "new model", Logged.release: "open weights"}


class Mark(NamedTuple):
    """One marked event: in which run, after which month, of which kind, by whom, in words."""

    arm: str
    month: int
    kind: Logged
    actor: str
    what: str
    by_user: bool


def colours(model: AccessModel) -> dict[str, str]:
    """The organisation colour of every lab, provider and self-hosting in `model`."""
    owners = {p.name: p.owner for p in model.providers}
    return organisation_colours([lab.name for lab in model.labs], owners)


def _logged(model: AccessModel, arm: str) -> list[Mark]:
    out = []
    for e in model.event_log:
        kind, actor = e["kind"], str(e["actor"])
        if kind in RESTRICTIONS:
            what = f"{actor} {RESTRICTIONS[kind]} {e['target']}"
            out.append(Mark(arm, int(e["step"]), kind, actor, what, e["reason"] == USER_REASON))
        elif kind in NEWS:
            what = f"{actor} {WORDS.get(kind, 'outage')}"
            out.append(Mark(arm, int(e["step"]), kind, actor, what, False))
    return out


def run_marks(run: TwinRun) -> list[Mark]:
    """Every event to mark: the user's run's, then the twin's restrictions and any news the
    twin has that the user's run has not (the two share their world until they part)."""
    with run.lock:
        main, twin = _logged(run.main, "main"), _logged(run.twin, "twin")
    seen = {(m.month, m.kind, m.actor) for m in main}
    news = [m for m in twin if m.kind in NEWS and (m.month, m.kind, m.actor) not in seen]
    return main + [m for m in twin if m.kind in RESTRICTIONS] + news


class Markers:
    """The event markers of one timeline's axes, drawn once each as the run logs them."""

    def __init__(self, ax: Axes, hues: dict[str, str], horizon: int) -> None:
        self.ax, self.hues, self.horizon = ax, hues, horizon
        self.drawn: set[Mark] = set()
        self.labels: list[Text] = []

    def add(self, marks: list[Mark]) -> None:
        for mark in marks:
            if mark not in self.drawn:
                self.drawn.add(mark)
                self._draw(mark)

    def _draw(self, mark: Mark) -> Artist:
        ax, at, what = self.ax, mark.month, mark.what
        hue = self.hues.get(mark.actor, "#555555")
        if mark.kind in NEWS:
            if NEWS[mark.kind] == "outage":
                (dot,) = ax.plot(
                    [at],
                    [0.97],
                    "v",
                    color=hue,
                    markersize=11,
                    markeredgecolor="black",
                    transform=ax.get_xaxis_transform(),
                    gid="outage",
                    label=what,
                    clip_on=False,
                )
                return dot
            return ax.axvline(
                at, color=hue, linestyle="-.", linewidth=1.6, gid="launch", label=what
            )
        if mark.arm == "twin":
            return ax.axvline(
                at, color="grey", linestyle=":", linewidth=1.2, gid="twin_revocation", label=what
            )
        if not mark.by_user:
            return ax.axvline(
                at, color="#555555", linestyle="--", linewidth=1.0, gid="revocation", label=what
            )
        line = ax.axvline(at, color=MARKER, linewidth=3.0, gid="intervention", label=what)
        y = 0.9 - 0.08 * (len(self.labels) % 4)
        text = ax.text(
            at,
            y,
            f" you cut off {what.rsplit(' ', 1)[-1]} ",
            transform=ax.get_xaxis_transform(),
            color=MARKER,
            fontsize=11,
            va="top",
            clip_on=True,
            ha="right" if at > self.horizon / 2 else "left",  # near the right edge, turn back
        )
        self.labels.append(text)
        return line

    def caption(self) -> list[str]:
        """The markers in words, read from the axes' artists."""
        found: dict[str, list[tuple[int, str]]] = {}
        for line in self.ax.get_lines():
            if gid := line.get_gid():
                month = int(np.asarray(line.get_xdata())[0])
                found.setdefault(gid, []).append((month, str(line.get_label())))

        def months(gid: str) -> str:
            return ", ".join(str(m) for m in sorted({m for m, _ in found.get(gid, [])}))

        def listed(gid: str) -> str:
            return "; ".join(f"month {m}: {w}" for m, w in sorted(set(found.get(gid, []))))

        parts = [
            f"red line: your revocation after month {m}" for m, _ in found.get("intervention", [])
        ]
        if "revocation" in found:
            scripted = months("revocation")
            parts.append(
                f"grey dashes: scripted and policy revocations in your run (month {scripted})"
            )
        if "twin_revocation" in found:
            parts.append(f"grey dots: revocations in the twin (month {months('twin_revocation')})")
        if "launch" in found:
            parts.append(f"dash-dot, lab's colour: launches and releases ({listed('launch')})")
        if "outage" in found:
            parts.append(f"triangle, provider's colour: outages ({listed('outage')})")
        return parts
