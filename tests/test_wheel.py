"""The wheel works anywhere: built from this tree, installed into a fresh venv (no system site
packages, dependencies from the package index) and run from an empty directory outside the
repository, it finds its configs and its data and never the source tree.

The slow test needs the package index for the dependencies (about a minute to install);
everything it runs after that is offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from helpers import REPO

BUILD_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    "sweeps",
    "outputs",
    "multirun",
    ".*_cache",
    ".hypothesis",
)
"""Left out of the copy the wheel is built from: a stale build/ would leak into the wheel."""


def test_pyproject_lists_every_package() -> None:
    """The packages are listed in pyproject.toml (discovery cannot map configs/ to
    accessrace_configs, nor data/ to accessrace_data): a new subpackage of sim/,
    experiments/ or the project's Hydra plugins must be added there."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("sim", "experiments", "hydra_plugins")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"accessrace_configs", "accessrace_data"}
    assert setuptools["package-dir"] == {"accessrace_configs": "configs", "accessrace_data": "data"}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow(seconds=240)
def test_wheel_runs_from_anywhere(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HYDRA_FULL_ERROR")
    }
    src, dist, venv, work = (tmp_path / name for name in ("src", "dist", "venv", "work"))
    shutil.copytree(REPO, src, ignore=BUILD_IGNORE)
    work.mkdir()

    # build: setuptools in the venv if it is there, else pip's isolated build environment
    try:
        import setuptools  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", dist, src], src, env)
    (wheel,) = dist.glob("accessrace-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("accessrace_configs/") and n.endswith(".yaml")}
    assert shipped == {
        f"accessrace_configs/{p.relative_to(REPO / 'configs').as_posix()}"
        for p in (REPO / "configs").rglob("*.yaml")
    }
    assert {n for n in names if n.startswith("accessrace_data/")} == {
        f"accessrace_data/{p.relative_to(REPO / 'data').as_posix()}"
        for p in (REPO / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }, "every file of data/ ships (package-data in pyproject.toml)"

    # a fresh venv, no system site packages, the wheel and its dependencies from the index
    _run([sys.executable, "-m", "venv", venv], work, env)
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    bin_ = venv / "bin"
    _run([bin_ / "python", "-m", "pip", "install", "--quiet", wheel], work, env)
    env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"

    # the flagship experiment, small, from an empty directory outside the repository
    out = _run(
        [
            bin_ / "accessrace",
            "experiment=flagship",
            "population.n_developers=300",
            "sweep.replicates=2",
            "sweep.draws=2",
        ],
        work,
        env,
    )
    sweep = work / "sweeps" / "flagship"
    assert "8/8 runs" in out and "trust__anthropic_api" in out, out
    assert (sweep / "manifest.json").is_file() and (sweep / "report.html").is_file()
    (sweep / "report.html").unlink()
    assert "trust__anthropic_api" in _run([bin_ / "accessrace-effects", sweep], work, env)
    assert "report.html" in _run([bin_ / "accessrace-report", sweep], work, env)
    assert (sweep / "report.html").is_file()

    # every dashboard preset, from the installed package
    probe = (
        "import json, sim, sim.dashboard.live as live\n"
        "from sim.config.files import data_dir\n"
        "from sim.calibration.observed import monthly_records, targets\n"
        "presets = {p: sim.Config.from_dict(live.preset_data(p)).scenario.name "
        "for p in live.PRESETS}\n"
        "print(json.dumps({'sim': sim.__file__, 'configs': str(live.CONFIG_DIR), "
        "'presets': presets, 'data': str(data_dir()), 'targets': sorted(targets()), "
        "'cg3': float(monthly_records().loc['2023-03', 'frontier_eci'])}))\n"
    )
    seen = json.loads(_run([bin_ / "python", "-c", probe], work, env))
    site = venv.resolve()
    assert Path(seen["sim"]).resolve().is_relative_to(site), seen["sim"]
    assert Path(seen["configs"]).resolve().is_relative_to(site), seen["configs"]
    assert Path(seen["data"]).resolve().is_relative_to(site), seen["data"]
    assert "OC-1" in seen["targets"] and round(seen["cg3"], 1) == 125.7, seen
    assert seen["presets"], "no dashboard presets in the installed package"
    assert set(seen["presets"]) == {p.stem for p in (REPO / "configs" / "scenario").glob("*.yaml")}
