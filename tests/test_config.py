"""Bad input gets one clear error naming the field, the value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run_cli, small

import sim
from sim import Config, ConfigError
from sim.config import parameter_table
from sim.model import population


def with_change(path: str, value: Any) -> dict[str, Any]:
    """The default config as plain data with one dotted field changed."""
    data = Config().to_dict()
    node = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def event(**fields: Any) -> dict[str, Any]:
    return {"kind": "revoke_access", "at": 5, "provider": "incumbent_api", "lab": "rival", **fields}


BAD = {
    "probability above 1": ("labs.rival.intensity", 1.5, ["labs.rival.intensity", "1.5", "[0, 1]"]),
    "negative probability": (
        "population.revision_rate",
        -0.1,
        ["population.revision_rate", "-0.1"],
    ),
    "zero developers": ("population.n_developers", 0, ["population.n_developers", "0", "[1, inf)"]),
    "negative months": ("steps", -3, ["steps", "-3"]),
    "Dirichlet weight not positive": (
        "population.needs.coding",
        0.0,
        ["population.needs", "(0, inf)"],
    ),
    "unknown policy": ("policy.name", "nice", ["policy.name", "'nice'", "graduated"]),
    "provider policy unknown": (
        "providers.cloud.policy",
        "nope",
        ["providers.cloud.policy", "'nope'", "tit_for_tat"],
    ),
    "provider hosting a missing lab": (
        "providers.cloud.hosts",
        ["platform", "ghost"],
        ["providers.cloud.hosts", "'ghost'"],
    ),
    "wrong type": ("labs.rival.compute", "lots", ["labs.rival.compute", "'lots'", "float"]),
    "unknown enum value": (
        "labs.rival.benchmarking",
        "spy",
        ["labs.rival", "'spy'", "Benchmarking", "rival_api"],
    ),
}
EVENTS = {
    "event after the horizon": (event(at=99), ["scenario.events[0].at", "99", "[1, 60]"]),
    "event naming a missing lab": (
        event(lab="ghost"),
        ["scenario.events[0].lab", "'ghost'", "incumbent"],
    ),
    "event naming a missing provider": (
        event(provider="nowhere"),
        ["scenario.events[0].provider", "'nowhere'", "cloud"],
    ),
    "event missing a required field": (
        {"kind": "launch", "at": 3},
        ["scenario.events[0].lab", "required"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_field_is_named_with_value_and_allowed_range(case: str) -> None:
    path, value, expected = BAD[case]
    with pytest.raises(ConfigError) as err:
        sim.run(with_change(path, value))
    for part in expected:
        assert part in str(err.value), (part, str(err.value))


@pytest.mark.parametrize("case", list(EVENTS))
def test_bad_event_is_named(case: str) -> None:
    ev, expected = EVENTS[case]
    data = Config().to_dict()
    data["scenario"]["events"] = [ev]
    with pytest.raises(ConfigError) as err:
        sim.run(data)
    for part in expected:
        assert part in str(err.value), (part, str(err.value))


def test_unknown_key_is_refused() -> None:
    data = Config().to_dict()
    data["labs"]["rival"]["charisma"] = 3
    with pytest.raises(ConfigError, match=r"\[.charisma.\] in labs.rival"):
        Config.from_dict(data)


def test_config_round_trips_through_plain_data() -> None:
    config = small(seed=3)
    assert Config.from_dict(yaml.safe_load(yaml.safe_dump(config.to_dict()))) == config


def test_parameter_table_documents_every_model_parameter() -> None:
    table = parameter_table()
    for name in (
        "population.revocation_shock",
        "research.spill_distill",
        "market.reinvest",
        "labs.<lab>.intensity",
        "providers.<provider>.monitoring",
    ):
        assert f"`{name}`" in table


def test_every_preset_and_policy_composes(composer: Callable[..., Config]) -> None:
    configs = Path(__file__).resolve().parent.parent / "configs"
    for preset in sorted(p.stem for p in (configs / "scenario").glob("*.yaml")):
        config = composer(f"scenario={preset}")
        assert config.scenario.name == preset and config.scenario.description
    for policy in sorted(p.stem for p in (configs / "policy").glob("*.yaml")):
        assert composer(f"policy={policy}").policy.name == policy


def test_preset_policy_yields_to_the_command_line(composer: Callable[..., Config]) -> None:
    assert composer("scenario=escalation").policy.name == "tit_for_tat"
    assert composer("scenario=escalation", "policy=permissive").policy.name == "permissive"
    per_provider = composer("providers.incumbent_api.policy=graduated")
    assert per_provider.providers["incumbent_api"].policy == "graduated"


def test_cli_domain_error_is_clear_without_traceback(tmp_path: Path) -> None:
    proc = run_cli("labs.rival.intensity=1.5", f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "labs.rival.intensity = 1.5" in proc.stderr and "[0, 1]" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "r" / "timeseries.parquet").exists()


def test_cli_type_error_is_clear_without_traceback(tmp_path: Path) -> None:
    proc = run_cli("seed=abc", cwd=tmp_path)
    assert proc.returncode != 0
    assert "seed" in proc.stderr and "abc" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_unknown_preset_lists_the_choices(tmp_path: Path) -> None:
    proc = run_cli("scenario=nonesuch", cwd=tmp_path)
    assert proc.returncode != 0
    assert "nonesuch" in proc.stderr and "claude_cutoff" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_a_population_too_large_for_the_machine_is_refused_up_front(tmp_path: Path) -> None:
    huge = with_change("population.n_developers", 10**9)
    with pytest.raises(
        ConfigError, match=r"n_developers = 1,000,000,000 over steps = 60 months needs about"
    ):
        sim.run(huge)
    proc = run_cli(
        "population.n_developers=1000000000", f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path
    )
    assert proc.returncode == 2 and "GiB are available" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_memory_estimate_counts_the_horizon(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 1000
    short = population.BASE_BYTES + n * population.BYTES_PER_DEVELOPER
    monkeypatch.setattr(population, "available_memory", lambda: short + 600 * 2**15)
    population.check_memory(n, 12)  # a year's records fit
    with pytest.raises(ConfigError, match=r"over steps = 1,200 months needs about"):
        population.check_memory(n, 1200)  # a century's do not


def _set(data: dict[str, object], path: str, value: float) -> None:
    *heads, last = path.replace("[", ".").replace("]", "").split(".")
    node: object = data
    for key in heads:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    target = node[last]  # type: ignore[index]
    if isinstance(target, dict):
        target[next(iter(target))] = value
    else:
        node[last] = value  # type: ignore[index]


def test_every_numeric_field_refuses_inf_and_nan() -> None:
    """One mechanism in the config layer, inherited by every field: a non-finite number is
    refused with the field's path, whatever its range (or none)."""
    from sim.config import iter_fields

    numeric = [
        path
        for path, _, value in iter_fields(sim.Config())
        if not isinstance(value, bool)
        and (
            isinstance(value, int | float)
            or (isinstance(value, dict) and value and isinstance(next(iter(value.values())), float))
        )
    ]
    assert len(numeric) > 80
    for path in numeric:
        for bad in (math.inf, math.nan):
            data = sim.Config().to_dict()
            _set(data, path, bad)
            with pytest.raises(ConfigError) as err:
                sim.Config.from_dict(data)
            assert path.split("[")[0].split(".")[0] in str(err.value), (path, str(err.value))


def test_seed_and_horizon_are_bounded_by_what_the_store_and_machine_hold() -> None:
    for change, field in ((dict(seed=10**23), "seed"), (dict(steps=10**6), "steps")):
        with pytest.raises(ConfigError, match=f"^{field} = "):
            sim.Config(**change)


@pytest.mark.parametrize("name", ["", "a/b", "<script>", "rival__coding", "self_host", "Rival"])
def test_names_that_would_break_the_result_columns_are_refused(name: str) -> None:
    data = sim.Config().to_dict()
    data["labs"][name] = data["labs"].pop("open")
    with pytest.raises(ConfigError, match=r"^labs name .*expected a lower-case identifier"):
        sim.Config.from_dict(data)


def test_a_lab_and_a_provider_cannot_share_a_name() -> None:
    data = sim.Config().to_dict()
    data["providers"]["rival"] = data["providers"].pop("cloud")
    with pytest.raises(ConfigError, match="share the name"):
        sim.Config.from_dict(data)


def test_a_provider_cannot_be_scripted_to_revoke_its_own_lab() -> None:
    ev = {"kind": "revoke_access", "at": 3, "provider": "incumbent_api", "lab": "incumbent"}
    data = sim.Config().to_dict()
    data["scenario"]["events"] = [ev]
    with pytest.raises(ConfigError, match=r"^scenario.events\[0\]: .*its own lab"):
        sim.Config.from_dict(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: None, "^config = None: expected a mapping"),
        (lambda d: {**d, "domains": "abc"}, "^domains = 'abc': expected a list"),
        (
            lambda d: {**d, "scenario": {**d["scenario"], "events": {"a": {"kind": "launch"}}}},
            "^scenario.events = .*: expected a list",
        ),
        (lambda d: {**d, "labs": "rival"}, "^labs = 'rival': expected a mapping"),
    ],
)
def test_a_container_of_the_wrong_shape_is_named(change: object, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        sim.Config.from_dict(change(sim.Config().to_dict()))  # type: ignore[operator]
