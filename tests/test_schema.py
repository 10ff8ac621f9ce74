"""The command line's design settings mirror the specs in sim/ they are turned into."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from experiments.schema import DiscoveryConfig, RangeConfig, SensitivityConfig
from sim.analysis.discovery import DiscoverySpec
from sim.analysis.sensitivity import Parameter, SensitivitySpec


def defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        elif f.default is not dataclasses.MISSING:
            out[f.name] = f.default
    return out


@pytest.mark.parametrize(
    ("twin", "spec", "cli_only", "elsewhere"),
    [
        # replicates come from sweep.replicates; n_jobs is how the command line runs them.
        (SensitivityConfig, SensitivitySpec, {"n_jobs"}, {"replicates", "confidence"}),
        (DiscoveryConfig, DiscoverySpec, {"n_jobs"}, {"replicates", "intervention"}),
    ],
)
def test_design_settings_have_the_specs_fields_and_defaults(
    twin: type, spec: type, cli_only: set[str], elsewhere: set[str]
) -> None:
    ours = {f.name for f in dataclasses.fields(twin)}
    theirs = {f.name for f in dataclasses.fields(spec)}
    assert ours - theirs == cli_only
    assert theirs - ours == elsewhere
    mine, given = defaults(twin), defaults(spec)
    for name in (ours & theirs) - {"parameters"}:
        expected = given[name]
        assert mine[name] == (list(expected) if isinstance(expected, tuple) else expected), name


def test_a_range_has_the_fields_of_a_parameter() -> None:
    assert [f.name for f in dataclasses.fields(RangeConfig)] == [
        f.name for f in dataclasses.fields(Parameter)
    ]
