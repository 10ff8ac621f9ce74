"""An educator's dashboard: run a preset, revoke access live, and compare with a twin run.

    .venv/bin/solara run sim.dashboard.app --production --no-check-version \
        --host 127.0.0.1 --port 8765

Two models with the same seed advance in lock-step: the user's run, with the preset's
scripted cutoff (a switch) and the user's revocations, and its twin, the same world without
them. The model draws common random numbers per phase, so the runs match until the first
difference and every later difference is its effect, not noise. The page loads
every front-end asset from the installed `solara-assets` package and needs no internet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import solara
import solara.checks
from mesa.visualization.utils import force_update, update_counter
from reacton import ipywidgets as widgets
from reacton import use_memo, use_state
from solara.core import component
from solara.server import settings as server_settings

from sim.dashboard.feed import feed, monitor
from sim.dashboard.figures import DIFFERENCES, VIEWS, View
from sim.dashboard.live import DEFAULTS, MODEL_PARAMS, PRESETS, DashboardModel, preset_data

FILL = ".ar-figure img { width: 100%; height: auto; }"
"""A figure fills its card's width, whatever the card's size."""
OFFLINE_CDN = "http://127.0.0.1:9/"
"""Where solara's asset proxy would fetch a file missing from solara-assets: the discard
port on loopback, so a missing asset fails at once and no request leaves the machine."""


def stay_offline() -> None:
    """Serve assets only from the installed solara-assets files, and call no outside host
    (no telemetry, no solara.dev check): the dashboard must run in a classroom offline."""
    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = OFFLINE_CDN
    server_settings.telemetry.mixpanel_enable = False
    server_settings.theme.show_banner = False  # it covered the bottom-right card
    solara.checks.should_perform_solara_check = lambda: False


# --- the page ----------------------------------------------------------------------------------

ui: Any = solara
"""solara's widgets, typed loosely: solara re-exports them implicitly and leaves most of them
unannotated, which strict mypy would refuse at every call."""


def _figure_view(name: str) -> Callable[[DashboardModel], None]:
    """A grid item of the page: one of VIEWS (or, switched, its difference from the twin),
    its title, legend and caption."""

    def figure_view(model: DashboardModel) -> None:
        run = model.run
        gap, set_gap = use_state(False)

        def make() -> tuple[View | None, View | None]:
            if run is None:
                return None, None
            return VIEWS[name](run), DIFFERENCES[name](run) if name in DIFFERENCES else None

        plain, difference = use_memo(make, [id(run)])
        view = difference if gap and difference else plain
        key = [id(run), run.month if run else -1, len(run.interventions) if run else 0, gap]

        def draw() -> bytes | None:
            if view is None:
                return None
            view.update()
            return view.image()

        image = use_memo(draw, key)
        if view is None or image is None:
            ui.Info("No run: fix the settings and press Reset.")
            return
        with ui.Div(classes=["ar-figure", f"ar-{name}"]):
            ui.Style(FILL)
            with ui.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "center"}):
                ui.Text(view.title, style=BLOCK | {"font-weight": "bold"})
                if name in DIFFERENCES:
                    ui.Checkbox(label="you − twin", value=gap, on_value=set_gap)
            widgets.Image(value=image, format="svg+xml")
            with ui.Row(gap="10px", style={"flex-wrap": "wrap"}):
                for entity, colour in view.legend().items():
                    ui.Text(f"━ {entity}", style={"color": colour, "font-weight": "bold"})
            ui.Text(view.caption(), classes=["ar-caption"], style=WRAP)

    figure_view.__name__ = f"{name.title()}View"
    return figure_view


BLOCK = {"display": "block", "margin-bottom": "6px", "font-size": "18px"}
"""Text of at least 18 px, readable on a projector."""
WRAP = BLOCK | {"white-space": "normal", "overflow-wrap": "anywhere"}
"""A caption wraps inside its grid item instead of running under the next one."""
BIG = BLOCK | {"font-size": "1.6em", "font-weight": "bold", "line-height": "1.3"}
"""The monitor's type: readable from the back of a classroom."""


def ControlPanel(model: DashboardModel) -> None:
    """The month, the big-number monitor, the live revocation, the preset's description
    and any settings error."""
    provider, set_provider = use_state("incumbent_api")
    lab, set_lab = use_state("rival")
    reply, set_reply = use_state((True, ""))
    descriptions = use_memo(
        lambda: {name: preset_data(name)["scenario"]["description"] for name in PRESETS}, []
    )
    with ui.Div(classes=["ar-panel"], style={"height": "100%", "overflow-y": "auto"}):
        if model.error:
            ui.Error(
                f"Invalid settings: {model.error}. Fix it and press Reset.", classes=["ar-error"]
            )
        elif (run := model.run) is not None:
            shown = run.month
            month = f"Month {shown} of {run.main.config.steps}"
            ui.Text(month, classes=["ar-month"], style=BLOCK | {"font-weight": "bold"})
            providers = [p.name for p in run.main.providers]
            labs = [x.name for x in run.main.labs]
            chosen = provider if provider in providers else providers[0]
            client = lab if lab in labs else labs[-1]
            ui.Text(monitor(run, chosen), classes=["ar-monitor"], style=BIG)
            with ui.Row():
                ui.Select("Provider", providers, chosen, set_provider)
                ui.Select("Lab", labs, client, set_lab)

            def revoke() -> None:
                set_reply(run.revoke(chosen, client, at=shown))
                force_update()

            ui.Button("Revoke access now", on_click=revoke, color="error", classes=["ar-revoke"])
            done, text = reply
            if text:
                box = ui.Success if done else ui.Warning
                box(text, classes=["ar-message"])
        preset = str(model.settings["preset"])
        ui.Text(f"Preset: {preset}", style=BLOCK | {"font-weight": "bold"})
        ui.Text(descriptions.get(preset, ""), classes=["ar-description"], style=BLOCK)
        settings = ", ".join(f"{k} {v}" for k, v in model.settings.items() if k != "preset")
        ui.Text(
            f"Settings: {settings}. Change them on the left, then press Reset.",
            style=BLOCK | {"font-size": "smaller"},
        )
        with ui.Details("All presets"):
            for name, text in descriptions.items():
                ui.Text(f"{name}: {text}", style=BLOCK)


def EventFeed(model: DashboardModel) -> None:
    """Every event of the user's run as it happens, newest first, in plain words."""
    run = model.run
    key = [id(run), run.month if run else -1, len(run.interventions) if run else 0]

    def words() -> list[str]:
        if run is None:
            return []
        with run.lock:  # the play thread may be logging the next month
            return feed(run.main)

    lines = use_memo(words, key)
    with ui.Div(classes=["ar-feed"], style={"height": "100%", "overflow-y": "auto"}):
        ui.Text(
            f"What happened in your run ({len(lines)} events)", style=BIG | {"font-size": "1em"}
        )
        ui.Text("\n".join(lines), style=WRAP | {"white-space": "pre-line", "font-size": "smaller"})


def _live(part: Callable[[DashboardModel], None]) -> Any:
    """`part` as a component that redraws whenever Mesa's controller steps or resets."""

    def live(model: DashboardModel) -> None:
        update_counter.get()
        part(model)

    live.__name__ = part.__name__
    return component(live)


def _shown(value: Any, unit: str) -> str:
    """A setting's value and unit as the page shows them (2,000 developers; 0.25 of trust)."""
    number = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"{number} {unit}".strip()


SETTING = BLOCK | {"margin-bottom": "0"}
"""A setting's name, value and unit, above its slider."""


@component
def Settings(settings: Any) -> None:
    """The page's settings (MODEL_PARAMS), each slider's value and unit shown at all times
    in the line above it, not only while it is dragged (as in Mesa's settings panel)."""
    ui.use_effect(lambda: settings.set(dict(DEFAULTS)), [])
    values = {**DEFAULTS, **settings.value}
    for name, param in MODEL_PARAMS.items():

        def change(value: Any, name: str = name) -> None:
            settings.value = {**settings.value, name: value}

        label, kind, value = param["label"], param["type"], values[name]
        with ui.Div(classes=[f"ar-setting-{name}"]):
            if kind == "Select":
                ui.Select(label, values=param["values"], value=value, on_value=change)
            elif kind == "Checkbox":
                ui.Checkbox(label=label, value=value, on_value=change)
            else:
                unit = param.get("unit", "")
                ui.Text(f"{label}: {_shown(value, unit)}", style=SETTING)
                slider = ui.SliderInt if kind == "SliderInt" else ui.SliderFloat
                slider("", value=value, min=param["min"], max=param["max"], step=param["step"],
                       on_value=change)  # fmt: skip


COMPONENTS = [_live(c) for c in (ControlPanel, EventFeed, *map(_figure_view, VIEWS))]
GRID = {
    "display": "grid",
    "grid-template-columns": "repeat(3, minmax(0, 1fr))",
    "grid-auto-rows": "calc(50vh - 40px)",
    "gap": "8px",
}
"""A fixed layout, two rows of three cards that fit a 1280x720 projector without scrolling
and cannot be dragged apart (Mesa's default grid lets a stray drag move a card)."""
CARD = {"overflow-y": "auto", "padding": "4px", "border": "1px solid #ddd"}
PLAY_MS = 300
"""Play's pause between months: about what a month costs the server at 10,000 developers,
so the display keeps up instead of queueing months."""


@component
def Controls(model: Any, settings: Any) -> None:
    """Reset, Play/Pause and Step. Play advances a month every PLAY_MS while it is on; a
    month is stepped only if Play is still on, and the run still the same, after the wait,
    so Pause stops at the month shown and Reset shows month 0 (Mesa's ModelController steps
    once more after a pause, and so can step a fresh run to month 1 after a Reset)."""
    playing = ui.use_reactive(False)
    failure = ui.use_reactive("")
    loops = use_memo(lambda: [0], [])  # the current play loop's number: an older one stops

    def play() -> None:
        loops[0] += 1
        me = loops[0]
        while playing.value and loops[0] == me:
            time.sleep(PLAY_MS / 1000)
            current = model.value
            if not (playing.value and loops[0] == me and current.running):
                break
            try:
                current.step()
            except Exception as err:  # shown on the page, never as a traceback
                failure.value = f"The month could not be computed: {err}"
                break
            force_update()
        if loops[0] == me:
            playing.value = False

    ui.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.value = False
        failure.value = ""
        model.value = DashboardModel(**{**DEFAULTS, **settings.value})

    running = bool(model.value.running)
    with ui.Row(justify="space-between"):
        ui.Button(label="Reset", color="primary", on_click=reset)
        ui.Button(
            label="Pause" if playing.value else "Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
        )
        ui.Button(
            label="Step", color="primary", on_click=step, disabled=playing.value or not running
        )
    if failure.value:
        ui.Warning(failure.value, classes=["ar-error"])


@component
def Page() -> None:
    """One dashboard per browser session, so two students never share a model."""
    model = ui.use_reactive(use_memo(DashboardModel, []))
    settings = ui.use_reactive({})
    with ui.AppBar():
        ui.AppBarTitle("accessrace: cutting a rival off your API")
    with ui.Sidebar(), ui.Column():
        with ui.Card("Run"):
            Controls(model, settings)
        with ui.Card("Settings (press Reset to apply)"):
            Settings(settings)
    with ui.Div(style=GRID, classes=["ar-grid"]):
        for part in COMPONENTS:
            with ui.Div(style=CARD):
                part(model.value)


stay_offline()
