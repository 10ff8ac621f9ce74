"""Figures of sweeps: drawn from result tables, labelled, in the palette, saved as PNG and SVG;
and the lab network rebuilt from the event log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import cutoff
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

import sim
from sim.analysis.estimates import effects, group_ci, group_estimates
from sim.analysis.history import access_states, lab_trust_at
from sim.analysis.names import param_label, value_label
from sim.config import EventKind, PolicyConfig, PopulationConfig
from sim.experiment.run import plan, sweep
from sim.experiment.store import load, load_config
from sim.viz.designs import prim_figure, sensitivity_figure
from sim.viz.network import NetworkPanel, network_figure
from sim.viz.style import NO_ORGANISATION, PALETTE, organisation_colours, save_figure
from sim.viz.sweeps import effects_figure, frontier_figure, heatmap_figure, timeseries_figure

SMALL = sim.Config(population=PopulationConfig(n_developers=300), steps=30)


@pytest.fixture(scope="module")
def contested() -> sim.Result:
    """A run with many throttles and revocations: graduated sanctions, strict monitoring."""
    config = SMALL.replace(policy=PolicyConfig(name="graduated", revoke_duration=6))
    providers = {
        n: p.__class__(**{**p.__dict__, "monitoring": 4.0}) for n, p in config.providers.items()
    }
    return sim.run(config.replace(providers=providers, seed=2))


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pairs")
    specs = plan(SMALL.replace(scenario=cutoff(at=12)), 3, [EventKind.revoke_access])
    sweep(specs, path, n_jobs=2)
    return path


def test_access_and_lab_trust_are_rebuilt_exactly_from_the_events(contested: sim.Result) -> None:
    ts, ev, cfg = contested.timeseries, contested.events, contested.config
    kinds = set(ev["kind"])
    assert {"throttle", "revocation", "reinstatement"} <= kinds, "the run must exercise them"
    for month in range(cfg.steps + 1):
        access = access_states(ev, cfg, month)
        assert (access["state"] == "revoked").sum() == ts.loc[month, "revocations_active"]
        trust = lab_trust_at(ev, cfg, month)
        assert trust["weight"].mean() == pytest.approx(ts.loc[month, "lab_trust"], abs=1e-12)
    access = access_states(ev, cfg, cfg.steps)
    assert len(access) == sum(len(cfg.labs) - (p.owner is not None) for p in cfg.providers.values())
    assert set(access["state"]) <= {"allowed", "throttled", "revoked"}


def _check(fig: Figure, tmp_path: Path, name: str, *, ylabel: bool = True) -> None:
    """Title, axis labels, a legend (or colour bar), Okabe-Ito colours, PNG and SVG."""
    titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
    assert any(t.strip() for t in titles), name
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    for ax in panels:
        assert ax.get_xlabel() or fig.supxlabel, name
        if ylabel:
            assert ax.get_ylabel() or getattr(fig, "_supylabel", None), name
    has_colourbar = any(ax.get_label() == "<colorbar>" for ax in fig.axes)
    assert fig.legends or any(ax.get_legend() for ax in fig.axes) or has_colourbar, name
    palette = {c.lower() for c in PALETTE}
    for ax in panels:
        for line in ax.get_lines():
            marker_only = line.get_linestyle() in ("None", "")
            colour = to_hex(line.get_markeredgecolor() if marker_only else line.get_color())
            assert colour in palette | {"#000000", "#696969", "#808080"}, (name, colour)
    png, svg = save_figure(fig, tmp_path / name)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()[:400]


def test_time_series_and_effect_figures(paired: Path, tmp_path: Path) -> None:
    results = load(paired)
    metrics = ["trust__incumbent_api", "frontier_capability"]
    bands = {m: group_ci(results, m, "arm") for m in metrics}
    band = bands["trust__incumbent_api"]
    treated = results[results["arm"] == "treated"].groupby("step")["trust__incumbent_api"]
    at20 = band[(band["arm"] == "treated") & (band["step"] == 20)].iloc[0]
    assert at20["mean"] == pytest.approx(treated.mean()[20]) and at20["n"] == 3
    assert at20["ci_low"] < at20["mean"] < at20["ci_high"]
    fig = timeseries_figure(bands, "arm", title="arms", mark=(12, "cutoff"))
    assert {t.get_text() for t in fig.legends[0].get_texts()} >= {
        "treated (n = 3)",
        "control (n = 3)",
        "cutoff",
        "95% CI of the mean",
    }
    _check(fig, tmp_path, "timeseries")
    eff = {m: effects(results, m) for m in metrics}
    fig = effects_figure(eff, 12, title="effects", intervention="cutoff")
    assert fig.axes[0].get_ylabel() == "treated − control (0-1)"
    _check(fig, tmp_path, "effects")


def test_heatmap_cells_show_the_cell_means(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = [
        {"param__policy": p, "param__monitoring": m, "param__benchmarking": b, "y": rng.normal()}
        for p in ("permissive", "graduated")
        for m in ("x0", "x1", "x4")
        for b in ("rival_api_0pct", "rival_api_80pct")
        for _ in range(3)
    ]
    frame = pd.DataFrame(rows)
    orders = {"param__monitoring": ["x0", "x1", "x4"]}
    fig = heatmap_figure(
        frame,
        "param__monitoring",
        "param__benchmarking",
        "y",
        title="y",
        facet="param__policy",
        orders=orders,
    )
    assert [ax.get_title() for ax in fig.axes[:2]] == ["graduated", "permissive"]
    panel = fig.axes[0]
    assert [t.get_text() for t in panel.get_xticklabels()] == ["×0", "×1", "×4"]
    assert [t.get_text() for t in panel.get_yticklabels()] == ["0%", "80%"]
    means = frame[frame["param__policy"] == "graduated"].pivot_table(
        index="param__benchmarking", columns="param__monitoring", values="y"
    )
    shown = sorted(float(t.get_text()) for t in panel.texts)
    assert shown == pytest.approx(sorted(means.to_numpy().ravel()), abs=0.006)
    _check(fig, tmp_path, "heatmap")


def test_long_titles_and_labels_stay_inside_the_figure() -> None:
    """The policy heatmap's title once ran past both edges of its PNG."""
    rows = [
        {"param__policy": p, "param__monitoring": m, "param__benchmarking": b, "y": 1.0}
        for p in ("permissive", "graduated", "tit_for_tat", "preemptive")
        for m in ("x0", "x1")
        for b in ("rival_api_0pct", "rival_api_80pct")
    ]
    title = (
        "Mean downstream innovation by provider monitoring (x the default detection hazard) "
        "and labs benchmarking through rivals' APIs (share of labs)"
    )
    fig = heatmap_figure(
        pd.DataFrame(rows),
        "param__monitoring",
        "param__benchmarking",
        "y",
        title=title,
        facet="param__policy",
    )
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # lays the figure out as saving does
    renderer = canvas.get_renderer()
    box = fig.bbox
    texts = [t for t in fig.texts if t.get_text()] + [fig.axes[-1].yaxis.label]
    assert any("innovation" in t.get_text() for t in texts)
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()
        assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, text.get_text()


def test_frontier_has_both_whiskers_per_group(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "param__policy": np.repeat(["permissive", "preemptive", "graduated"], 8),
            "innovation": rng.normal(size=24) + np.repeat([2.0, 1.0, 1.5], 8),
            "trust": rng.normal(size=24) * 0.1 + np.repeat([0.8, 0.6, 0.5], 8),
        }
    )
    est = group_estimates(frame, "param__policy", ["innovation", "trust"])
    fig = frontier_figure(
        est, "param__policy", "innovation", "trust", title="f", front=["permissive"]
    )
    ax = fig.axes[0]
    bars = [c for c in ax.containers if hasattr(c, "has_xerr")]
    assert len(bars) == 3 and all(c.has_xerr and c.has_yerr for c in bars)
    _check(fig, tmp_path, "frontier")


def test_network_draws_revoked_edges_dashed_in_vermillion(
    contested: sim.Result, tmp_path: Path
) -> None:
    ts, ev, cfg = contested.timeseries, contested.events, contested.config
    month = int(ts["revocations_active"].idxmax())
    access = access_states(ev, cfg, month)
    capability = {lab: float(ts.loc[month, f"capability__{lab}"]) for lab in cfg.labs}
    panel = NetworkPanel("run", month, capability, access, lab_trust_at(ev, cfg, month))
    fig = network_figure([panel], title="network")
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    first_party = access[access["owner"].notna()]
    assert len(arrows) == len(first_party)
    dashed = [
        a
        for a in arrows
        if a.get_linestyle() == "--" and to_hex(a.get_edgecolor()) == PALETTE[1].lower()
    ]
    revoked = int((first_party["state"] == "revoked").sum())
    assert revoked > 0 and len(dashed) == revoked
    assert "capability at month" in fig.axes[0].get_xlabel()
    _check(fig, tmp_path, "network", ylabel=False)


def test_sensitivity_and_discovery_figures(tmp_path: Path) -> None:
    params = ["a", "b"]
    indices = pd.DataFrame(
        [
            {
                "method": "sobol",
                "outcome": o,
                "parameter": p,
                "S1": 0.4,
                "S1_conf": 0.1,
                "ST": 0.5,
                "ST_conf": 0.1,
            }
            for o in ("hhi", "developer_trust")
            for p in params
        ]
    )
    fig = sensitivity_figure(indices, "sobol", title="Sobol")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == params
    _check(fig, tmp_path, "sobol")
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(50, 2)), columns=["a", "b"])
    traj = pd.DataFrame(
        {"coverage": [1.0, 0.8], "density": [0.3, 0.7], "mass": [1, 0.4], "res_dim": [0, 1]}
    )
    fig = prim_figure(
        x, (x["a"] < 0.4).to_numpy(), traj, 1, {"a": (0.0, 0.4)}, title="PRIM", case="y"
    )
    _check(fig, tmp_path, "prim")


def test_labels_carry_units_and_readable_values(paired: Path) -> None:
    assert param_label("param__providers.incumbent_api.monitoring").endswith("(1/volume)")
    assert param_label("param__labs.rival.intensity") == "labs.rival.intensity (fraction)"
    assert value_label("param__monitoring", "x0.25") == "×0.25"
    assert value_label("param__benchmarking", "rival_api_40pct") == "40%"
    assert value_label("param__policy", "graduated") == "graduated"
    config = load_config(paired, str(load(paired, "summary")["run_id"].iloc[0]))
    assert config.population.n_developers == 300


def test_each_organisation_has_one_colour_shared_by_its_lab_and_its_api() -> None:
    config = sim.Config()
    owners = {name: p.owner for name, p in config.providers.items()}
    colours = organisation_colours(list(config.labs), owners)
    for provider, owner in owners.items():
        if owner is not None:
            assert colours[provider] == colours[owner], provider
    organisations = [*config.labs, *(p for p, o in owners.items() if o is None), "self_host"]
    assert len({colours[o] for o in organisations}) == len(organisations), colours
    assert colours["self_host"] == NO_ORGANISATION
