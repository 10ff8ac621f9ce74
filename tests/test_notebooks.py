"""The notebooks are stored without outputs and match their source (notebooks/make_notebooks.py);
run in a fresh kernel they raise no error and draw their figures.

They run here rather than under nbmake (which would run them a second time) because the
test reads their outputs: a figure that prints `<Figure size ...>` instead of drawing is
the failure to catch."""

from __future__ import annotations

import sys

import nbformat
import pytest
from helpers import REPO
from nbclient import NotebookClient

sys.path.insert(0, str(REPO / "notebooks"))

from make_notebooks import CLASSROOM, QUICKSTART, build


def test_notebooks_match_their_source_and_carry_no_outputs() -> None:
    for name, cells in (("quickstart", QUICKSTART), ("classroom", CLASSROOM)):
        stored = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
        expected = build(cells)
        assert [c.source for c in stored.cells] == [c.source for c in expected.cells], name
        for cell in stored.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.slow(seconds=60)
@pytest.mark.parametrize(
    ("name", "figures"),
    [
        ("quickstart", ["Effect of the cutoff"]),
        ("classroom", ["The run and its twin", "Who heard the news"]),
    ],
)
def test_notebooks_run_in_a_fresh_kernel_and_draw_their_figures(
    name: str, figures: list[str]
) -> None:
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    drawn = [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.outputs)
    ]
    printed = [  # a figure's text stands in for its picture only where there is no picture
        str(o["data"].get("text/plain", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
        if "data" in o and "image/png" not in o["data"]
    ]
    assert not any(t.startswith("<Figure size") for t in printed), "a figure printed, not drawn"
    assert len(drawn) == len(figures), name
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for title in figures[1:]:  # the classroom's plots follow their headings
        assert any(title in h for h in headings)
    if name == "quickstart":
        assert "Effect of the cutoff" in drawn[0].source
