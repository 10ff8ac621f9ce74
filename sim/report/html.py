"""Pieces shared by the sections of the HTML report: the template environment and
:func:`render`, number formatting, tables, the figure embedder, and the swept parameters of
a sweep's manifest.

Markup lives in the Jinja2 templates of ``sim/report/templates`` (package data), rendered
with autoescaping on; Python computes only the values that fill them."""

from __future__ import annotations

import base64
import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from joblib import effective_n_jobs
from markupsafe import Markup
from matplotlib.figure import Figure

from sim.analysis.kinds import ReportKind, SensitivityMethod
from sim.viz.style import draw_in_worker, figure_bytes, write_figure


def fmt(x: float, digits: int = 3) -> str:
    """A number with `digits` significant digits in fixed-point notation (no exponent)."""
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = int(max(0, min(10, digits - 1 - int(np.floor(np.log10(abs(x)))))))
    return f"{x:.{decimals}f}"


@cache
def environment() -> Environment:
    """The report's templates, autoescaped; ``fmt`` is a filter, the enums are globals."""
    env = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.globals.update(ReportKind=ReportKind, SensitivityMethod=SensitivityMethod)
    return env


def render(template: str, **values: Any) -> Markup:
    """`template` filled with `values`, as markup to nest in another template.

    This is the one place the report marks text as safe: the text is the output of an
    autoescaped template, so every value went through escaping on its way in (or was itself
    such output). Tables, figures and sections pass between templates this way."""
    return Markup(environment().get_template(template).render(**values))


class Cell(NamedTuple):
    text: str
    numeric: bool
    """Right-aligned as a number."""


def html_table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> Markup:
    """`frame` as an HTML table; `numeric` columns are shown with `fmt`."""
    rows = [
        [_cell(value, col in numeric) for col, value in zip(frame.columns, record, strict=True)]
        for record in frame.itertuples(index=False)
    ]
    return render("table.html.j2", columns=[str(c) for c in frame.columns], rows=rows)


def _cell(value: object, formatted: bool) -> Cell:
    if formatted and isinstance(value, float | np.floating):
        return Cell(fmt(float(value)), True)
    number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    return Cell(str(value), number)


class Download(NamedTuple):
    """A CSV the page carries as a data: URI (it opens offline, fetching nothing) and also
    writes beside itself, in the report's folder."""

    name: str
    uri: str
    folder: str


def _load(module: str) -> None:
    """Import `module` (in a worker process, ahead of the work that needs it)."""
    importlib.import_module(module)


PENDING = re.compile(r"accessrace-pending-figure-(\d+)-")
"""Where a figure not yet drawn stands in the page (letters, digits and dashes: autoescaping
leaves it as it is)."""


@dataclass
class FigureEmbedder:
    """Saves each figure as PNG and SVG under the sweep's report folder and embeds the PNG;
    the data behind a figure and every table go there as CSV too, and into the page as
    downloads.

    With `n_jobs` other than 1, a figure starts drawing on that many worker processes when
    embedded (sim.viz.style.draw_in_worker: the same bytes as drawing it here), a
    placeholder stands in the page, and :meth:`finish` puts the drawn figures in and stops
    the workers. The pool is the embedder's own, not loky's process-wide reusable one that
    joblib's Parallel also takes: a pool made outside joblib lacks what Parallel expects of
    it, and the next Parallel in the process would fail."""

    folder: Path
    saved: list[Path] = field(default_factory=list)
    n_jobs: int = 1
    pending: list[tuple[Path, Future[list[bytes]]]] = field(default_factory=list)
    _pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            from joblib.externals.loky import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=effective_n_jobs(self.n_jobs))
        return self._pool

    def warm_up(self) -> None:
        """Start the drawing workers now, each importing what drawing needs, so that they
        are ready when the first figure is (a worker's start and imports take ~2 s, which
        the caller's loading of the runs can cover)."""
        if self.n_jobs != 1:
            pool = self._executor()
            for _ in range(effective_n_jobs(self.n_jobs)):
                pool.submit(_load, "sim.viz.style")

    def start(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """`fn(*args, **kwargs)` started on the drawing workers, to be read from the future
        when the page needs it; with `n_jobs` = 1, computed here and now. For a slow part
        of the page that the rest does not wait on (PRIM, whose library alone takes ~6 s
        to import)."""
        if self.n_jobs != 1:
            return self._executor().submit(fn, *args, **kwargs)
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except Exception as err:  # raised where the result is read, as from a worker
            done.set_exception(err)
        return done

    def embed(
        self, fig: Figure, name: str, caption: str, data: pd.DataFrame | None = None
    ) -> Markup:
        stem = self.folder / name
        png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
        self.saved += [png, svg]
        if self.n_jobs == 1:
            encoded = self._written(stem, figure_bytes(fig))
        else:
            encoded = f"accessrace-pending-figure-{len(self.pending)}-"
            self.pending.append((stem, draw_in_worker(fig, self._executor())))
        return render(
            "figure.html.j2",
            name=name,
            caption=caption,
            png_base64=encoded,
            png=png.name,
            svg=svg.name,
            folder=self.folder.name,
            download=None if data is None else self.download(data, f"{name}_data"),
        )

    def finish(self, page: str) -> str:
        """`page` with every figure still pending drawn, saved and embedded in its place."""
        try:
            encoded = [self._written(stem, drawing.result()) for stem, drawing in self.pending]
        finally:
            self.close()
        return PENDING.sub(lambda m: encoded[int(m.group(1))], page) if encoded else page

    def close(self) -> None:
        """Stop the drawing workers, if any were started."""
        for _, drawing in self.pending:
            drawing.cancel()  # not started: a failed report draws no more
        self.pending = []
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @staticmethod
    def _written(stem: Path, drawn: list[bytes]) -> str:
        """The figure's formats written beside the page; its PNG in base64, for the page."""
        write_figure(drawn, stem)
        return base64.b64encode(drawn[0]).decode("ascii")

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        numeric: Sequence[str] = (),
        extra: pd.DataFrame | None = None,
    ) -> Markup:
        """`frame` as an HTML table with a link to download it as `<name>.csv`: the same
        columns at full precision, with the columns of `extra` (e.g. raw ids) appended."""
        full = frame if extra is None else pd.concat([frame, extra], axis=1)
        return render(
            "download_table.html.j2",
            table=html_table(frame, numeric),
            download=self.download(full, name),
        )

    def download(self, frame: pd.DataFrame, name: str) -> Download:
        """`frame` written to `<name>.csv` in the folder and carried in the page."""
        path = self.folder / f"{name}.csv"
        if path in self.saved:
            raise ValueError(f"two downloads named {path.name} in one report")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = frame.to_csv(index=False)
        path.write_text(text, encoding="utf-8")
        self.saved.append(path)
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return Download(
            path.name, f"data:text/csv;charset=utf-8;base64,{encoded}", self.folder.name
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
    "Download",
    "FigureEmbedder",
    "declared_values",
    "environment",
    "fmt",
    "html_table",
    "render",
    "swept_columns",
]
