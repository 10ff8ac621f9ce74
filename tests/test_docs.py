"""The documentation stays true to the code."""

from __future__ import annotations

import sys

from helpers import REPO

sys.path.insert(0, str(REPO / "docs"))

from regenerate_parameters import ODD, parameter_table, table_in


def test_odd_parameter_table_matches_the_config() -> None:
    assert table_in(ODD.read_text()) == parameter_table(), (
        "run: .venv/bin/python docs/regenerate_parameters.py"
    )


def test_readme_commands_exist() -> None:
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert "make run" in readme and "make test" in readme
    assert "\nrun:" in makefile and "\ntest:" in makefile
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    steps = [line for line in ci if line and not line.startswith(("#", "set ", "cd "))]
    assert steps == ["make test"], "CI runs the README's test command and nothing else"
    assert "\ntest: browser" in makefile, "make test sets up the dashboard test's browser"
    for preset in (REPO / "configs" / "scenario").glob("*.yaml"):
        assert f"`{preset.stem}`" in readme, preset.stem
    for policy in (REPO / "configs" / "policy").glob("*.yaml"):
        assert f"`{policy.stem}`" in readme, policy.stem
