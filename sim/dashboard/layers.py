"""A dashboard figure encoded as SVG in two layers, so a month redraws only what moved.

Measured at 10,000 developers (benchmarks/bench_dashboard.py), most of a timeline's encoding
time went to what a month seldom changes: the axes, their ticks and tick labels, the titles
(matplotlib draws each tick and each piece of text on its own, about a millisecond apiece).
So a figure is drawn as a frame, everything but its moving artists, encoded again only when
its key (the axis limits, say) changes, and a layer of the moving artists, encoded every
month on a transparent background and laid over the frame in the same SVG document.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.figure import Figure

IMAGE = {"format": "svg", "metadata": {"Date": None}}
"""How a figure becomes an image: SVG, which stays sharp at any size on a projector and
encodes faster than a 72 dpi PNG; no date stamp, so equal figures give equal bytes."""
PREFIX = "live-"
"""Put before every id of the moving layer, so no id of it collides with one of the frame's
(matplotlib numbers its groups from 1 in each document)."""


TEXT_AS_TEXT = "none"
"""svg.fonttype for the page: its SVGs carry their text as text for the browser to set, not
as outlines drawn from the font file (measured, it cuts the encoding time by about 40%).
Set for each encoding only, so the rest of the server process keeps matplotlib's default."""


def encode(fig: Figure) -> str:
    """`fig` as the page shows it: SVG, text as text."""
    out = io.BytesIO()
    with rc_context({"svg.fonttype": TEXT_AS_TEXT}):
        fig.savefig(out, **IMAGE)  # type: ignore[arg-type]
    return out.getvalue().decode()


def _hidden(fig: Figure, hide: Iterable[Artist]) -> str:
    """`fig` encoded with the artists `hide` hidden (and shown again afterwards)."""
    hidden = [a for a in hide if a.get_visible()]
    for artist in hidden:
        artist.set_visible(False)
    try:
        return encode(fig)
    finally:
        for artist in hidden:
            artist.set_visible(True)


def _body(svg: str) -> str:
    """What an SVG document draws: everything from its figure group to its end, its ids
    prefixed (and every reference to them)."""
    start, end = svg.index('<g id="figure_'), svg.rindex("</svg>")
    body = svg[start:end]
    for old in ('id="', "url(#", 'href="#'):
        body = body.replace(old, old + PREFIX)
    return body


class Layers:
    """The SVG of `fig`: a frame cached under a key, with the moving artists laid over it."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.key: Hashable = None
        self.frame = ""
        self.frames = 0
        """How many times the frame has been encoded."""

    def svg(self, key: Hashable, moving: list[Artist]) -> bytes:
        """`fig` as SVG: the frame (all but `moving`) encoded again only when `key` differs
        from the last call's, then the `moving` artists alone over it."""
        fig, keep = self.fig, set(moving)
        if key != self.key or not self.frame:
            self.frame, self.key = _hidden(fig, moving), key
            self.frames += 1
        still: list[Artist] = [fig.patch, *fig.texts, *fig.legends]
        for ax in fig.axes:
            still += [a for a in ax.get_children() if a not in keep]
        live = _body(_hidden(fig, still))
        frame = self.frame
        end = frame.rindex("</svg>")
        return (frame[:end] + live + frame[end:]).encode()
