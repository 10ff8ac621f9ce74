"""The README's Python examples run verbatim, in order, in one namespace, from a folder that
holds the sweeps they read (made small, the way the README says to make them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO, run_cli

from sim import Config
from sim.analysis.discovery import DiscoverySpec, run_discovery
from sim.analysis.sensitivity import Parameter, SensitivitySpec, run_sensitivity
from sim.config import EventKind, PopulationConfig
from sim.experiment.run import plan, sweep

BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
SMALL = PopulationConfig(n_developers=200)


def readme_examples() -> list[str]:
    return BLOCK.findall((REPO / "README.md").read_text())


def make_sweeps(where: Path, archetype: Config) -> None:
    """The sweeps the examples read: the flagship through the command line (its report
    needs the manifest the command line writes), the others from Python, all tiny."""
    proc = run_cli(
        "experiment=flagship",
        "population.n_developers=200",
        "sweep.draws=2",
        "sweep.replicates=2",
        f"hydra.sweep.dir={where / 'sweeps' / 'flagship'}",
        cwd=where,
    )
    assert proc.returncode == 0, proc.stderr
    specs = plan(archetype, replicates=2, intervention=[EventKind.revoke_access])
    sweep(specs, where / "sweeps" / "archetype", n_jobs=2)
    tiny = archetype.replace(population=SMALL, steps=30)
    parameters = (
        Parameter("population.trust_weight", 0.5, 4.0),
        Parameter("labs.rival.intensity", 0.1, 1.0),
    )
    spec = SensitivitySpec(
        parameters=parameters,
        outcomes=("developer_trust",),
        morris_trajectories=3,
        sobol_samples=4,
    )
    run_sensitivity(tiny, spec, where / "sweeps" / "sensitivity", n_jobs=2)
    found = DiscoverySpec(parameters=parameters, samples=16, after=6, seed=1)
    run_discovery(tiny, found, where / "sweeps" / "discovery", n_jobs=2)


@pytest.mark.slow(seconds=120)
def test_the_readme_python_examples_run_verbatim(
    composer: Callable[..., Config], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = readme_examples()
    assert len(examples) >= 5, "the README's Python examples were not found"
    make_sweeps(tmp_path, composer("experiment=archetype", "population.n_developers=200"))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for code in examples:
        exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "my_run").is_dir() and (tmp_path / "sweeps" / "mine").is_dir()
    assert (tmp_path / "sweeps" / "flagship" / "report.html").is_file()
