"""Where the configuration files are: the one answer for the command line and the dashboard.

The repository's top-level ``configs/`` directory is the only copy anyone reads or edits.
The build maps it into an importable package, ``accessrace_configs`` (``pyproject.toml``:
``[tool.setuptools] package-dir``), so a wheel carries it as package data and an editable
install points back at ``configs/`` itself. Resolving it through :mod:`importlib.resources`
rather than relative to this file is what lets an installed package run from any directory:
the source tree need not exist.

The observed data (``data/``: the ECI table, the calibration targets, the dated events) ship
the same way, as ``accessrace_data``; :func:`data_dir` finds them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CONFIG_PACKAGE = "accessrace_configs"
DATA_PACKAGE = "accessrace_data"
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "data"
"""``data/`` next to ``sim/`` in a source checkout."""


def package_dir(package: str) -> Path:
    """The directory of an installed resource package, as a real path on disk.

    Raises RuntimeError, saying how to fix it, when the package is not installed or is
    not a plain directory (e.g. imported from a zip file).
    """
    try:
        root = resources.files(package)
    except ModuleNotFoundError as err:
        raise RuntimeError(
            f"{package} is not installed: install the project (`pip install -e .` in the "
            "repository, or `pip install accessrace-*.whl`)"
        ) from err
    path = Path(str(root))
    if not path.is_dir():
        raise RuntimeError(f"{package} is not a directory on disk ({root!r})")
    return path


def config_dir() -> Path:
    """The Hydra config directory (``config.yaml`` and the groups ``scenario/``, ``policy/``,
    ...): ``configs/`` of the checkout in an editable install, the wheel's copy otherwise."""
    return package_dir(CONFIG_PACKAGE)


def data_dir() -> Path:
    """The observed data (``eci_epoch_to_2025-06.csv``, ``targets.yaml``, ``events.yaml``):
    the installed ``accessrace_data`` package, else the checkout's ``data/`` next to ``sim/``.

    The fallback is for editable installs made before ``accessrace_data`` existed: such an
    install maps packages when it is made, so it cannot import the new one until it is
    reinstalled, yet the checkout it points at has the files.
    """
    try:
        return package_dir(DATA_PACKAGE)
    except RuntimeError:
        if (CHECKOUT_DATA / "targets.yaml").is_file():
            return CHECKOUT_DATA
        raise
