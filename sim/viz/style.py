"""Shared figure style: the Okabe-Ito palette, colour maps, markers, panel grids and saving
as PNG and SVG.

Figures are built with matplotlib's object API (no pyplot state), so plotting is safe in
worker processes and never opens a window.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from sim.experiment.atomic import atomic_path

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
"""Okabe-Ito colours: distinguishable with the common forms of colour blindness."""

FIGURE_FORMATS = ("png", "svg")
SVG_SALT = "accessrace"
"""Salt of the ids in a figure's SVG (matplotlib draws a random one otherwise)."""
SEQUENTIAL = LinearSegmentedColormap.from_list(
    "okabe_ito_blue", ["#F7F7F7", PALETTE[5], PALETTE[0], "#002B45"]
)
"""Light grey to Okabe-Ito sky blue and blue: a sequential map readable by colour-blind eyes."""
DIVERGING = LinearSegmentedColormap.from_list(
    "okabe_ito_diverging", [PALETTE[1], "#F7F7F7", PALETTE[0]]
)
"""Okabe-Ito vermillion (negative) through light grey to blue (positive)."""
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", (0, (1, 1)), (0, (5, 1, 1, 1, 1, 1))]
"""Line styles in order, so overlaid groups differ in shape as well as colour."""


def figure_bytes(fig: Figure, dpi: int = 120) -> list[bytes]:
    """`fig` drawn in each of FIGURE_FORMATS (PNG first), as bytes.

    The layout (constrained) is computed once, for the first format, and kept for the rest:
    re-solving it for every format cost about a sixth of a report's build time and moves
    nothing visibly (it only sees text extents at another resolution). The SVG's ids are
    salted with a fixed string, so the same figure gives the same file every time."""
    engine = fig.get_layout_engine()
    drawn = []
    try:
        with rc_context({"svg.hashsalt": SVG_SALT}):
            for fmt in FIGURE_FORMATS:
                buffer = io.BytesIO()
                fig.savefig(
                    buffer, dpi=dpi, format=fmt, metadata={"Date": None} if fmt == "svg" else None
                )
                drawn.append(buffer.getvalue())
                fig.set_layout_engine("none")
    finally:
        fig.set_layout_engine(engine)
    return drawn


def write_figure(drawn: Sequence[bytes], stem: Path) -> list[Path]:
    """Write the formats of :func:`figure_bytes` as `<stem>.png` and `<stem>.svg`, each
    whole or not at all; returns both paths (PNG first)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, data in zip(FIGURE_FORMATS, drawn, strict=True):
        path = stem.with_suffix(f".{fmt}")
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        paths.append(path)
    return paths


def save_figure(fig: Figure, stem: Path, dpi: int = 120) -> list[Path]:
    """Write `fig` as `<stem>.png` and `<stem>.svg`; returns both paths (PNG first)."""
    return write_figure(figure_bytes(fig, dpi), stem)


def draw_in_worker(fig: Figure, executor: Executor, dpi: int = 120) -> Future[list[bytes]]:
    """Start drawing `fig` (:func:`figure_bytes`) on `executor`'s worker processes and return
    at once: drawing (text layout, ticks, rasterising) is most of a report's time, each
    figure is independent, and the pool starts while the caller computes the next figure.
    The worker draws the figure pickled here, under this process's rcParams, so the bytes
    are those drawn here."""
    # every setting but the backend: a worker draws with its own (non-interactive) one
    rc: dict[Any, Any] = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    drawn: Future[list[bytes]] = executor.submit(_figure_bytes_of, pickle.dumps(fig), rc, dpi)
    return drawn


def _figure_bytes_of(pickled: bytes, rc: dict[Any, Any], dpi: int) -> list[bytes]:
    with rc_context(rc):
        return figure_bytes(pickle.loads(pickled), dpi)


def save_png(fig: Figure, path: Path, dpi: int = 120) -> Path:
    """Write `fig` as the PNG `path`, whole or not at all: a full disk mid-write leaves no
    truncated image that looks like a finished figure."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return path


def panel_grid(
    n: int, ncols: int = 3, size: tuple[float, float] = (3.8, 2.8)
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


SELF_HOST = "self_host"
"""The share metric's entry for developers who run open weights themselves."""
NO_ORGANISATION = "#999999"
"""Grey: self-hosting, which belongs to no organisation."""


def organisation_colours(labs: Sequence[str], owners: Mapping[str, str | None]) -> dict[str, str]:
    """One colour per organisation, the same in every figure, report and the dashboard.

    Labs take the palette in order; a provider a lab owns takes its owner's colour (the lab
    and its API are one organisation); providers no lab owns (clouds, marketplaces) take the
    colours after the labs'; self-hosting is grey. `owners` maps provider -> owning lab."""
    colours = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labs)}
    independent = [p for p, owner in owners.items() if owner not in colours]
    for i, provider in enumerate(independent, start=len(labs)):
        colours[provider] = PALETTE[i % len(PALETTE)]
    for provider, owner in owners.items():
        if owner in colours:
            colours[provider] = colours[owner]
    colours[SELF_HOST] = NO_ORGANISATION
    return colours
