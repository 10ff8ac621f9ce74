"""accessrace: an agent-based simulation of frontier-AI lab competition and API access policy.

`sim.run(config)` runs one simulation and returns a :class:`Result`; the Hydra
command line lives in ``experiments/`` and never inside this package.
"""

from importlib.metadata import PackageNotFoundError, version

from sim.config import Config, ConfigError
from sim.model import AccessModel
from sim.run import Result, RunDirectoryError, load, run, simulate

try:
    __version__ = version("accessrace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "AccessModel",
    "Config",
    "ConfigError",
    "Result",
    "RunDirectoryError",
    "__version__",
    "load",
    "run",
    "simulate",
]
