"""The dashboard's model side without a browser: the twin lacks only the scripted cutoff,
settings are checked against what the page offers, a revocation lands at the month the page
showed, and the feed tells what happened."""

from __future__ import annotations

import threading
import time

import pytest

from sim.dashboard.feed import feed, monitor
from sim.dashboard.figures import VIEWS, Timeline
from sim.dashboard.live import PRESETS, USER_REASON, DashboardModel, TwinRun
from sim.model.model import AccessModel
from sim.model.world import Logged

SMALL = {"n_developers": 300, "horizon": 30}


def _series(model: AccessModel, metric: str, entity: str) -> list[float]:
    return [row[entity] for row in model.datacollector.model_vars[metric]]


def _run(**settings: object) -> TwinRun:
    model = DashboardModel(**(SMALL | settings))  # type: ignore[arg-type]
    assert model.run is not None, model.error
    return model.run


def _kinds(model: AccessModel, kind: Logged) -> list[int]:
    return [e["step"] for e in model.event_log if e["kind"] is kind]


def test_twin_is_the_world_without_the_scripted_cutoff_only() -> None:
    run = _run()  # claude_cutoff: the rival cut to evaluation only at 24, its launch at 25
    for _ in range(28):
        run.step()
    assert _kinds(run.main, Logged.carve_out) == [24] and _kinds(run.twin, Logged.carve_out) == []
    assert _kinds(run.main, Logged.launch) == _kinds(run.twin, Logged.launch) == [25]
    main = _series(run.main, "capability", "rival")
    twin = _series(run.twin, "capability", "rival")
    assert main[:24] == twin[:24], "common random numbers: identical before the cutoff"
    assert all(m < t for m, t in zip(main[24:], twin[24:], strict=True)), (main, twin)
    assert "twin without the scripted cutoff" in run.twin_description()


def test_cutoff_switched_off_leaves_run_and_twin_alike() -> None:
    run = _run(cutoff=False)
    for _ in range(28):
        run.step()
    assert _kinds(run.main, Logged.carve_out) == [] and _kinds(run.main, Logged.launch) == [25]
    assert _series(run.main, "capability", "rival") == _series(run.twin, "capability", "rival")
    assert run.twin_description() == "twin without your revocations"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"preset": "../../configs/population/large"},
            "preset = '../../configs/population/large': expected one of ['baseline', ",
        ),
        (
            {"horizon": 12},
            "horizon = 12: preset claude_cutoff schedules events up to month 25; "
            "expected a horizon of at least 25 months",
        ),
        ({"n_developers": "many"}, "n_developers = 'many': expected a whole number in [10, "),
        ({"monitoring": 9.0}, "monitoring = 9.0: expected a number in [0.0, 4.0]"),
        ({"cutoff": "yes"}, "cutoff = 'yes': expected on or off"),
        ({"social_degree": 7}, "population.social_degree = 7: expected an even number"),
    ],
)
def test_bad_settings_are_refused_in_one_line(settings: dict[str, object], expected: str) -> None:
    model = DashboardModel(**settings)  # type: ignore[arg-type]
    assert model.error.startswith(expected) or expected in model.error, model.error
    assert "\n" not in model.error
    assert model.run is None and not model.running
    model.step()


@pytest.mark.parametrize("preset", PRESETS)
def test_every_offered_preset_builds_a_run(preset: str) -> None:
    model = DashboardModel(preset=preset, n_developers=100, horizon=60)
    assert model.run is not None and not model.error, model.error
    model.step()


def test_a_step_at_the_horizon_does_nothing() -> None:
    """A Step click that arrives after Play reached the last month leaves the runs there."""
    run = _run(preset="baseline", horizon=25)
    for _ in range(27):
        run.step()
    assert (run.month, run.twin.steps) == (25, 25)
    assert len(run.main.datacollector.model_vars["trust"]) == 26  # months 0-25


def test_unknown_names_are_refused_in_words() -> None:
    run = _run(preset="history", horizon=40)
    reply = run.revoke("incumbent_api", "rival")
    assert not reply.done and reply.text.startswith("provider = 'incumbent_api': expected one of")
    provider = run.main.providers[0].name
    reply = run.revoke(provider, "rival")
    assert not reply.done and reply.text.startswith("lab = 'rival': expected one of")
    assert run.interventions == []


def test_a_late_click_lands_at_the_month_the_page_showed() -> None:
    """The page showed month 5; the play thread had stepped twice more before the click
    arrived. The revocation is recorded after month 5, and the run is then exactly the
    run in which it was made after month 5 (an earlier revocation replayed too)."""
    late = _run(preset="baseline")
    for _ in range(2):
        late.step()
    assert late.revoke("rival_api", "incumbent").done
    for _ in range(5):
        late.step()
    reply = late.revoke("incumbent_api", "rival", at=5)
    assert reply.done and "After month 5" in reply.text
    assert late.month == 7 and [i.month for i in late.interventions] == [2, 5]
    user = [(e["step"], e["actor"]) for e in late.main.event_log if e["reason"] == USER_REASON]
    assert user == [(2, "rival_api"), (5, "incumbent_api")]

    direct = _run(preset="baseline")
    for month, provider, lab in ((2, "rival_api", "incumbent"), (5, "incumbent_api", "rival")):
        while direct.month < month:
            direct.step()
        assert direct.revoke(provider, lab).done
    while direct.month < 7:
        direct.step()
    for metric, entity in (("capability", "rival"), ("trust", "incumbent_api")):
        assert _series(late.main, metric, entity) == _series(direct.main, metric, entity)
        assert _series(late.twin, metric, entity) == _series(direct.twin, metric, entity)
    assert not any(e["reason"] == USER_REASON for e in late.twin.event_log)


def test_revoking_while_another_thread_plays() -> None:
    run = _run(preset="baseline")
    shown: list[int] = []

    def play() -> None:
        for _ in range(20):
            run.step()
            time.sleep(0.002)

    player = threading.Thread(target=play)
    player.start()
    while run.month < 6:
        time.sleep(0.001)
    shown.append(run.month)  # what the page displays when the user clicks
    time.sleep(0.01)  # the click arrives a little later, the run has moved on
    reply = run.revoke("incumbent_api", "rival", at=shown[0])
    player.join()
    assert reply.done, reply.text
    assert [i.month for i in run.interventions] == shown
    assert [e["step"] for e in run.main.event_log if e["reason"] == USER_REASON] == shown
    assert run.month == 20 and len(run.main.datacollector.model_vars["trust"]) == 21


def test_feed_tells_the_revocations_newest_first() -> None:
    run = _run()
    for _ in range(26):
        run.step()
    assert run.revoke("platform_api", "rival").done
    lines = feed(run.main)
    assert lines[0] == "Month 26: platform_api revoked rival's access (by you)"
    assert "Month 25: rival launched a model (capability +10%)" in lines
    carve = "Month 24: incumbent_api cut rival to evaluation only (scenario: evaluation only)"
    assert carve in lines
    months = [int(line.split(":")[0].split()[1]) for line in lines]
    assert months == sorted(months, reverse=True)
    assert len(lines) == len(run.main.event_log)


def test_monitor_reads_the_trust_gap_the_cutoff_made() -> None:
    run = _run()
    for _ in range(27):
        run.step()
    text = monitor(run, "incumbent_api")
    you = _series(run.main, "trust", "incumbent_api")[-1]
    twin = _series(run.twin, "trust", "incumbent_api")[-1]
    assert you < twin, "a carve-out is news: trust in the revoker falls"
    assert text == (
        f"trust in incumbent_api: you {you:.2f} · twin {twin:.2f} · gap \u2212{twin - you:.2f}"
    )


def test_timelines_mark_the_scripted_cutoff() -> None:
    run = _run()
    views = {name: make(run) for name, make in VIEWS.items()}
    for _ in range(26):
        run.step()
    for view in views.values():
        view.update()
        if isinstance(view, Timeline):
            caption = view.caption()
            assert "scripted and policy revocations in your run (month 24)" in caption
            assert "dashed: twin without the scripted cutoff" in caption


def test_your_label_stays_inside_the_axes() -> None:
    """A revocation made near the end of the horizon sits at the right edge: its label turns
    back into the axes."""
    run = _run(preset="baseline", horizon=26)
    view = VIEWS["trust"](run)
    assert isinstance(view, Timeline)
    for _ in range(24):
        run.step()
    assert run.revoke("incumbent_api", "rival").done
    run.step()
    fig = view.update()
    fig.canvas.draw()
    axes = view.ax.get_window_extent()
    (label,) = view.ax.texts
    box = label.get_window_extent()
    assert axes.x0 <= box.x0 and box.x1 <= axes.x1, (box, axes)
