"""The report's templates: autoescaped, shipped with the package, and hostile names stay text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import cutoff

import sim
from sim.analysis.kinds import ReportKind, SensitivityMethod
from sim.config import PopulationConfig, ScenarioConfig
from sim.experiment.run import plan, sweep
from sim.experiment.store import ensure_manifest
from sim.report.build import build_report
from sim.report.html import environment, html_table, render

EVIL = "<script>alert('x')</script> & \"quoted\""


def test_values_are_escaped_and_rendered_markup_is_not_escaped_twice() -> None:
    inner = render("message.html.j2", text=EVIL)
    assert "<script>" not in inner and "&lt;script&gt;" in inner
    table = html_table(pd.DataFrame({"name": [EVIL], "x": [0.123456]}), ["x"])
    assert "<script>" not in table and '<td class="n">0.123</td>' in table
    outer = render("figures.html.j2", figures=[inner, table])
    assert outer.count("&lt;script&gt;") == 2 and "&amp;lt;" not in outer


def test_every_template_ships_with_the_package() -> None:
    names = set(environment().list_templates())
    here = Path(sim.__file__).parent / "report" / "templates"
    assert names == {p.name for p in here.iterdir()} and "page.html.j2" in names
    assert environment().autoescape is True


def test_hostile_names_in_a_sweep_stay_text(tmp_path: Path) -> None:
    events = cutoff(at=2).events
    scenario = ScenarioConfig(name=f"<b>{EVIL}</b>", description=EVIL, events=events)
    config = sim.Config(population=PopulationConfig(n_developers=100), steps=4, scenario=scenario)
    specs = plan(config, replicates=1)
    manifest = {"experiment": EVIL, "overrides": [f"+note={EVIL}"], "planned_runs": len(specs)}
    ensure_manifest(tmp_path, "evil", manifest)
    sweep(specs, tmp_path)
    text = build_report(tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert text.count("&lt;script&gt;") >= 3, "scenario name, description and the override"


@pytest.mark.parametrize(
    ("manifest", "kind"),
    [
        ({}, ReportKind.sweep),
        ({"intervention": ["revoke_access"]}, ReportKind.paired),
        ({"kind": "sensitivity", "intervention": []}, ReportKind.sensitivity),
        ({"kind": "discovery"}, ReportKind.discovery),
    ],
)
def test_the_kind_of_a_sweep_is_read_from_its_manifest(
    manifest: dict[str, object], kind: ReportKind
) -> None:
    assert ReportKind.of(manifest) is kind and kind == kind.value


def test_an_unknown_kind_is_an_error_that_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="expected one of paired, sweep, sensitivity"):
        ReportKind.of({"kind": "nonsense"})


def test_sensitivity_methods_serialise_as_their_names() -> None:
    assert [str(m) for m in SensitivityMethod] == ["morris", "sobol"]
    assert SensitivityMethod.sobol.key == "ST" and SensitivityMethod.morris.key == "mu_star"
    assert SensitivityMethod("morris").block(3) == 4 and SensitivityMethod.sobol.block(3) == 5
