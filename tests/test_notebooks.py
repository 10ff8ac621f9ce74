"""The notebooks are stored without outputs and match their source (notebooks/make_notebooks.py).

pytest executes them too (nbmake, `testpaths` in pyproject.toml).
"""

from __future__ import annotations

import sys

import nbformat
from helpers import REPO

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
