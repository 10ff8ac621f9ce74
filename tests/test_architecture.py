"""The rooms of sim/ keep their layering (docs/ARCHITECTURE.md): a lower layer never imports
an upper one, except for TYPE_CHECKING-only type hints."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
MAY_IMPORT = {
    "config": set(),
    "model": {"config"},
    "experiment": {"config", "model"},
    "analysis": {"config", "model", "experiment"},
    "calibration": {"config", "model", "experiment", "analysis"},
    "viz": {"config", "model", "experiment", "analysis", "calibration"},
    "report": {"config", "model", "experiment", "analysis", "calibration", "viz"},
    "dashboard": {"config", "model", "experiment", "analysis", "calibration", "viz"},
    "theory": {"model"},
}


def runtime_imports(path: Path) -> set[str]:
    """Rooms of sim/ imported at run time (imports under `if TYPE_CHECKING:` excluded)."""
    tree = ast.parse(path.read_text())
    hinted = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    rooms = set()
    for node in ast.walk(tree):
        if id(node) in hinted:
            continue
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "sim" and len(parts) > 1:
                rooms.add(parts[1])
    return rooms


def test_lower_layers_never_import_upper_ones() -> None:
    wrong = []
    for room, allowed in MAY_IMPORT.items():
        for path in (SIM / room).rglob("*.py"):
            extra = runtime_imports(path) - allowed - {room}
            if extra:
                wrong.append(f"{path.relative_to(SIM.parent)} imports {sorted(extra)}")
    assert not wrong, wrong


def test_every_room_is_known_and_says_what_it_may_import() -> None:
    rooms = {p.name for p in SIM.iterdir() if (p / "__init__.py").exists()}
    assert rooms == set(MAY_IMPORT)
    for room in rooms:
        assert ast.get_docstring(ast.parse((SIM / room / "__init__.py").read_text()))


HEAVY = ("mesa", "scipy.stats", "matplotlib")


@pytest.mark.parametrize(
    ("module", "heavy"),
    [
        ("experiments.main", HEAVY),
        ("sim.viz.style", ("mesa", "scipy.stats")),
        ("sim.calibration.worlds", ("SALib", "scipy.stats")),
    ],
)
def test_start_up_imports_the_model_and_statistics_only_when_needed(
    module: str, heavy: tuple[str, ...]
) -> None:
    """The command line's start-up (a sweep's launching process) and a worker drawing a
    report's figures import neither the model (Mesa) nor SciPy's statistics, nor matplotlib
    for the command line: each costs up to a second, paid when a run, an effect table or
    a figure needs it. Planning a posterior's worlds (the flagship's start) imports neither
    SALib nor SciPy's statistics (~1.5 s), which only sensitivity designs use."""
    code = f"import sys, {module}; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(SIM.parent)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_public_names_import_on_first_use() -> None:
    import sim

    assert sim.simulate.__module__ == "sim.experiment.run"
    assert sim.AccessModel.__name__ == "AccessModel" and sim.load.__name__ == "load"
    assert sim.__version__ and issubclass(sim.RunDirectoryError, Exception)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = sim.nothing
