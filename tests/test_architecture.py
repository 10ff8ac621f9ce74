"""The rooms of sim/ keep their layering (docs/ARCHITECTURE.md): a lower layer never imports
an upper one, except for TYPE_CHECKING-only type hints."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
MAY_IMPORT = {
    "config": set(),
    "model": {"config"},
    "experiment": {"config", "model"},
    "analysis": {"config", "model", "experiment"},
    "calibration": {"config", "model", "experiment", "analysis"},
    "viz": {"config", "model", "experiment", "analysis", "calibration"},
    "report": {"config", "model", "experiment", "analysis", "viz", "calibration"},
    "dashboard": {"config", "model", "experiment", "analysis", "viz", "calibration"},
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
