"""Pieces shared by the sections of the HTML report: its style sheet, number formatting,
tables, the figure embedder, and the swept parameters of a sweep's manifest."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.viz.style import save_figure

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; text-align: left; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
.status { padding: 0.8rem 1rem; border-left: 6px solid #009E73; background: #eef8f4; }
.status.partial { border-left-color: #D55E00; background: #fbefe8; }
.caveat { padding: 0.5rem 1rem; border-left: 6px solid #E69F00; background: #fdf5e6; }
code { background: #f4f4f4; padding: 0 0.2rem; } .muted { color: #666; }
"""


def fmt(x: float, digits: int = 3) -> str:
    """A number with `digits` significant digits in fixed-point notation (no exponent)."""
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = int(max(0, min(10, digits - 1 - int(np.floor(np.log10(abs(x)))))))
    return f"{x:.{decimals}f}"


def tagged(x: float, role: str) -> str:
    """A formatted number tagged with its role, so tests can find and recompute it."""
    return f'<span class="num" data-role="{role}">{fmt(x)}</span>'


def html_table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> str:
    """`frame` as an HTML table; `numeric` columns are shown with `fmt`."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, record, strict=True):
            if col in numeric and isinstance(value, float | np.floating):
                cells.append(f'<td class="n">{fmt(float(value))}</td>')
            elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
                cells.append(f'<td class="n">{html.escape(str(value))}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass
class FigureEmbedder:
    """Saves each figure as PNG and SVG under the sweep's report folder and embeds the PNG."""

    folder: Path
    saved: list[Path] = field(default_factory=list)

    def embed(self, fig: Figure, name: str, caption: str) -> str:
        png, svg = save_figure(fig, self.folder / name)
        self.saved += [png, svg]
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return (
            f'<figure id="fig-{name}"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)} '
            f'<span class="muted">(also {html.escape(svg.name)} and {html.escape(png.name)} in '
            f"{html.escape(self.folder.name)}/)</span></figcaption></figure>"
        )


def swept_columns(results: pd.DataFrame, manifest: Mapping[str, Any]) -> list[str]:
    """Parameter columns that vary across runs, in the order the sweep declared them."""
    varying = [c for c in results.columns if c.startswith("param__") and results[c].nunique() > 1]
    declared = [str(o).partition("=")[0].lstrip("+~") for o in manifest.get("overrides") or []]
    rank = {f"param__{k}": i for i, k in enumerate(declared)}
    return sorted(varying, key=lambda c: (rank.get(c, len(rank)), c))


def declared_values(manifest: Mapping[str, Any], column: str) -> list[str]:
    """The values of a swept parameter in the order the sweep listed them (for axes); the
    last listing wins, as a command-line override wins over the experiment's."""
    key = column.removeprefix("param__")
    found: list[str] = []
    for o in manifest.get("overrides") or []:
        name, _, values = str(o).lstrip("+~").partition("=")
        if name == key and "(" not in values:
            found = [v.strip() for v in values.split(",")]
    return found


__all__ = [
    "CSS",
    "FigureEmbedder",
    "declared_values",
    "fmt",
    "html_table",
    "swept_columns",
    "tagged",
]
