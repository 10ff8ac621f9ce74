"""The dashboard's figures without a browser: the two-layer SVG shows what a fresh drawing
shows, the difference view is the run minus its twin, and every timeline marks the news
(launches, outages) the run's log holds."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import numpy as np

from sim.config import Config, EventKind
from sim.dashboard.figures import DIFFERENCES, TIMELINES, VIEWS, Chart, Difference
from sim.dashboard.layers import PREFIX, encode
from sim.dashboard.live import DashboardModel, TwinRun, dashboard_config
from sim.experiment.run import without
from sim.model.world import Logged

SMALL = {"n_developers": 300, "horizon": 30}


def _run(**settings: object) -> TwinRun:
    model = DashboardModel(**(SMALL | settings))  # type: ignore[arg-type]
    assert model.run is not None, model.error
    return model.run


def _seen(svg: str) -> tuple[Counter[str], list[str]]:
    """What an SVG draws, as a test reads it: its groups by id (numbering and the moving
    layer's prefix dropped) and its texts."""
    ids = re.findall(r'<g id="([^"]+)"', svg)
    groups = Counter(re.sub(r"_\d+$", "", i.removeprefix(PREFIX)) for i in ids)
    texts = sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    return groups, texts


def test_layered_image_shows_what_a_fresh_drawing_shows() -> None:
    """Month by month, with a revocation and the scripted cutoff, each view's layered SVG
    holds the same groups and texts (ticks, labels) as the figure encoded whole; the frame
    is encoded again in at most half the months."""
    run = _run()
    views = {**{n: make(run) for n, make in VIEWS.items()}, "gap": DIFFERENCES["trust"](run)}
    for month in range(1, 30):
        run.step()
        if month == 5:
            assert run.revoke("incumbent_api", "rival").done
        for name, view in views.items():
            fig = view.update()
            layered, whole = view.image().decode(), encode(fig)
            groups, texts = _seen(layered)
            # the layered drawing has the figure and axes groups twice (frame and layer)
            assert texts and texts == _seen(whole)[1], (name, month)
            assert set(groups) == set(_seen(whole)[0]), (name, month)
    for name, view in views.items():
        assert view.layers.frames <= 29 // 2, (name, view.layers.frames)


def _config(**settings: object) -> Config:
    return dashboard_config(SMALL | settings)


def test_difference_is_the_run_minus_its_twin() -> None:
    """Under the flagship cutoff the difference view's lines are the user's run minus the
    twin, read from the two models' own records; zero before month 24, not after."""
    run = _run(preset="claude_cutoff")
    view = DIFFERENCES["trust"](run)
    assert isinstance(view, Difference)
    for _ in range(30):
        run.step()
    view.update()
    for name, (line,) in view.lines.items():
        main = [row[name] for row in run.main.datacollector.model_vars["trust"]]
        twin = [row[name] for row in run.twin.datacollector.model_vars["trust"]]
        np.testing.assert_allclose(line.get_ydata(), np.subtract(main, twin), atol=0)
    gap = np.asarray(view.lines["incumbent_api"][0].get_ydata())
    assert np.all(gap[:24] == 0.0) and gap[-1] < 0.0, "the cutoff costs the revoker trust"
    zero = [line for line in view.ax.get_lines() if line.get_gid() == "zero"]
    assert len(zero) == 1 and set(zero[0].get_ydata()) == {0.0}  # type: ignore[arg-type]
    bottom, top = view.ax.get_ylim()
    assert bottom < 0.0 < top, "the zero line is on the figure"
    assert _marked(view, "revocation") == {24}, "the cutoff month is marked"


def _marked(view: Chart, gid: str) -> set[int]:
    lines = [line for line in view.ax.get_lines() if line.get_gid() == gid]
    return {int(np.asarray(line.get_xdata())[0]) for line in lines}


def _timelines(run: TwinRun, months: int) -> list[Chart]:
    views = [make(run) for name, make in VIEWS.items() if name in TIMELINES]
    views += [make(run) for make in DIFFERENCES.values()]
    for _ in range(months):
        run.step()
    charts = [view for view in views if isinstance(view, Chart)]
    for chart in charts:
        chart.update()
    return charts


def test_every_timeline_marks_the_launch_and_only_when_there_is_one() -> None:
    """The flagship's rival launches at month 25: a marker there on every timeline and its
    difference, named in the caption; the same world without the launch has none."""
    config = _config(preset="claude_cutoff")
    for chart in _timelines(TwinRun(config), 27):
        assert _marked(chart, "launch") == {25}, chart.title
        assert "month 25: rival launch" in chart.caption()
    for chart in _timelines(TwinRun(without(config, (EventKind.launch,))), 27):
        assert _marked(chart, "launch") == set(), chart.title
        assert "launch" not in chart.caption()


def test_every_timeline_marks_each_outage_the_log_holds() -> None:
    """Each logged outage has a triangle at its month on every timeline; with providers that
    never fail there are none."""
    run = TwinRun(_config(preset="baseline"))
    charts = _timelines(run, 30)
    outages = {int(e["step"]) for e in run.main.event_log if e["kind"] is Logged.outage}
    assert outages, "the baseline world has outages in 30 months"
    for chart in charts:
        assert _marked(chart, "outage") == outages, chart.title
    config = _config(preset="baseline")
    steady = {n: dataclasses.replace(p, reliability=1.0) for n, p in config.providers.items()}
    for chart in _timelines(TwinRun(config.replace(providers=steady)), 30):
        assert _marked(chart, "outage") == set(), chart.title
