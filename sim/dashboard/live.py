"""The dashboard's model side: presets, settings, and the run beside its counterfactual twin.

Kept apart from the page (sim/dashboard/app.py) and the figures (sim/dashboard/figures.py) so
that tests and benchmarks drive the same code the page does without a browser. Two models
with the same seed advance in lock-step: the user's run, which has the preset's scripted
cutoff (if switched on) and the user's revocations, and the twin, the same world without
them, built as the sweeps build their control arm (`sim.experiment.run.without`). The model
draws common random numbers per phase, so the runs match until the first difference and
every later difference is its effect.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import mesa
import yaml

from sim.config import Config, ConfigError, EventKind, ProviderConfig, removable
from sim.config.files import config_dir
from sim.experiment.run import without
from sim.model.model import AccessModel
from sim.model.policies import Action, Decision
from sim.model.provider import AccessState

CONFIG_DIR = config_dir()
PRESETS = tuple(sorted(path.stem for path in (CONFIG_DIR / "scenario").glob("*.yaml")))
USER_REASON = "dashboard: revoked by the user"
CUTOFF = (EventKind.revoke_access,)
"""What the cutoff switch removes, and the twin never has: the preset's scripted
restrictions, the intervention of the sweeps (background restrictions stay in both)."""
# --- presets and settings ------------------------------------------------------------------


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`extra` merged into `base` as Hydra merges config files: mappings key by key,
    anything else (lists included) replaced."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        both = isinstance(value, Mapping) and isinstance(old, Mapping)
        out[key] = _merge(old, value) if both else value  # type: ignore[arg-type]
    return out


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    assert isinstance(data, dict), f"{path}: expected a mapping"
    return data


def preset_data(name: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """A preset as plain config data, composed as the command line composes it but without
    Hydra (sim/ never imports it): defaults, the policy file it selects, its own keys."""
    raw = _read(config_dir / "scenario" / f"{name}.yaml")
    data = Config().to_dict()
    for entry in raw.pop("defaults", []):
        for group, choice in entry.items() if isinstance(entry, dict) else ():
            group = group.removeprefix("override").strip(" /")
            if group == "policy":
                policy = _read(config_dir / "policy" / f"{choice}.yaml")
                data = _merge(data, {"policy": policy})
            elif group == "cast":  # another cast replaces the archetypes' labs and providers
                data = {**data, **_read(config_dir / "cast" / f"{choice}.yaml")}
    return _merge(data, raw)


def _slider(
    label: str, value: float, low: float, high: float, step: float, unit: str = ""
) -> dict[str, Any]:
    kind = "SliderInt" if isinstance(step, int) else "SliderFloat"
    return {
        "type": kind,
        "label": label,
        "value": value,
        "min": low,
        "max": high,
        "step": step,
        "unit": unit,
    }


MODEL_PARAMS: dict[str, dict[str, Any]] = {
    "preset": {"type": "Select", "label": "Scenario preset", "value": "claude_cutoff"},
    "cutoff": {"type": "Checkbox", "label": "Scripted cutoff: on/off", "value": True},
    "n_developers": _slider("Developers", 2000, 10, 10_000, 10, "developers"),
    "social_degree": _slider("Social ties per developer (even)", 6, 2, 20, 1, "ties"),
    "monitoring": _slider("Provider monitoring", 1.0, 0.0, 4.0, 0.1, "\u00d7 the preset's"),
    "rival_intensity": _slider("Rival's benchmarking intensity", 0.8, 0.0, 1.0, 0.05, "(0-1)"),
    "revocation_shock": _slider(
        "Trust lost on hearing of a revocation", 0.25, 0.0, 1.0, 0.05, "of trust (0-1)"
    ),
    "horizon": _slider("Horizon", 60, 6, 120, 1, "months"),
    "seed": _slider("Seed", 0, 0, 99, 1),
}
"""The page's settings (type, label, default value, range, step and unit of each); they take
effect when the user presses Reset."""
MODEL_PARAMS["preset"]["values"] = list(PRESETS)
DEFAULTS = {name: param["value"] for name, param in MODEL_PARAMS.items()}


def _allowed(name: str, value: Any) -> str:
    """What setting `name` allows, or "" if `value` is allowed."""
    param = MODEL_PARAMS[name]
    kind = param["type"]
    if kind == "Select":
        return "" if value in param["values"] else f"one of {param['values']}"
    if kind == "Checkbox":
        return "" if isinstance(value, bool) else "on or off (true or false)"
    whole = kind == "SliderInt"
    low, high = param["min"], param["max"]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    fits = number and low <= value <= high and (not whole or float(value).is_integer())
    return "" if fits else f"a {'whole ' if whole else ''}number in [{low}, {high}]"


def check_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with defaults filled in, each checked against what the page offers;
    raises ConfigError naming the first bad setting, its value and what is allowed."""
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown setting(s) {unknown}: expected some of {list(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    for name, value in s.items():
        if allowed := _allowed(name, value):
            raise ConfigError(f"{name} = {value!r}: expected {allowed}")
    return s


def dashboard_config(settings: Mapping[str, Any]) -> Config:
    """The config for the dashboard's settings (see DEFAULTS), the preset's scripted cutoff
    included whatever the switch says; raises ConfigError."""
    s = check_settings(settings)
    data = preset_data(str(s["preset"]))
    last = max((int(e.get("at", 1)) for e in data["scenario"].get("events", ())), default=0)
    if int(s["horizon"]) < last:
        raise ConfigError(
            f"horizon = {s['horizon']}: preset {s['preset']} schedules events up to month "
            f"{last}; expected a horizon of at least {last} months"
        )
    data["seed"], data["steps"] = int(s["seed"]), int(s["horizon"])
    pop = data["population"]
    pop["n_developers"], pop["social_degree"] = int(s["n_developers"]), int(s["social_degree"])
    pop["revocation_shock"] = float(s["revocation_shock"])
    for provider in data["providers"].values():  # a cast's provider may keep the default
        own = provider.get("monitoring", ProviderConfig.monitoring)
        provider["monitoring"] = float(own) * float(s["monitoring"])
    if "rival" in data["labs"]:
        data["labs"]["rival"]["intensity"] = float(s["rival_intensity"])
    return Config.from_dict(data)


# --- the pair of models ----------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """A revocation the user made: after `month` was recorded, `provider` cut `lab` off."""

    month: int
    provider: str
    lab: str


class Reply(NamedTuple):
    """What came of a click on "Revoke": whether access was revoked, and why in words."""

    done: bool
    text: str


def _revoke(model: AccessModel, provider: str, lab: str) -> Reply:
    """Revoke `lab`'s access to `provider` in `model` now, unless it cannot happen."""
    providers, labs = [p.name for p in model.providers], [x.name for x in model.labs]
    if provider not in providers:
        return Reply(False, f"provider = {provider!r}: expected one of {providers}")
    if lab not in labs:
        return Reply(False, f"lab = {lab!r}: expected one of {labs}")
    prov, client = model.provider(provider), model.lab(lab)
    if lab == prov.owner:
        return Reply(False, f"{provider} is {lab}'s own API: there is nothing to revoke.")
    if prov.state_of(lab) is AccessState.REVOKED:
        return Reply(False, f"{lab} has already lost access to {provider}.")
    prov.apply(client, Decision(Action.REVOKE, USER_REASON), by_policy=False)
    if prov.state_of(lab) is not AccessState.REVOKED:
        return Reply(False, "The safe-harbour regulation protects evaluation: only a warning.")
    return Reply(True, f"After month {model.steps}, {provider} revoked {lab}'s access.")


def has_cutoff(config: Config) -> bool:
    """Whether `config`'s scenario scripts a restriction the cutoff switch removes."""
    return any(removable(event, CUTOFF) for event in config.scenario.events)


class TwinRun:
    """The user's run and its counterfactual twin, stepped together. The twin is the same
    world without the preset's scripted cutoff (`without`, as a sweep's control arm) and
    never receives the user's revocations; with the cutoff switched off, the user's run
    lacks it too. A lock keeps the play thread, the buttons and the figures from seeing a
    half-finished month."""

    def __init__(self, config: Config, cutoff: bool = True) -> None:
        control = without(config, CUTOFF) if has_cutoff(config) else config
        self.scripted = cutoff and has_cutoff(config)
        """The user's run has a scripted cutoff the twin lacks."""
        self.main = AccessModel(config if cutoff else control)
        self.twin = AccessModel(control)
        self.interventions: list[Intervention] = []
        self.lock = threading.RLock()

    @property
    def month(self) -> int:
        return int(self.main.steps)

    def twin_description(self) -> str:
        if self.scripted:
            return "twin without the scripted cutoff or your revocations"
        return "twin without your revocations"

    def step(self) -> None:
        """One month of both runs; none at the horizon (a Step click can arrive just after
        Play has reached it)."""
        with self.lock:
            if self.month >= self.main.config.steps:
                return
            self.main.step()
            self.twin.step()

    def revoke(self, provider: str, lab: str, at: int | None = None) -> Reply:
        """Revoke `lab`'s access to `provider` in the user's run after month `at` (now if
        None), between two steps. Playing, the run may have moved on since the page showed
        month `at`: the user's run is then replayed from month 0 (same config and seed, the
        same months) with the revocation at `at`, so it lands at the month the user saw."""
        with self.lock:
            now = self.month
            month = now if at is None else at
            if not 0 <= month <= now:
                return Reply(False, f"month = {month}: expected a month in [0, {now}]")
            model = self.main if month == now else self._replay(month)
            reply = _revoke(model, provider, lab)
            if reply.done:
                self.interventions.append(Intervention(month, provider, lab))
                self._advance(model, now)
                self.main = model
            return reply

    def _replay(self, month: int) -> AccessModel:
        """The user's run rebuilt to `month`, with the user's revocations made by then."""
        model = AccessModel(self.main.config)
        self._reapply(model)
        self._advance(model, month)
        return model

    def _advance(self, model: AccessModel, month: int) -> None:
        """Step `model` to `month`, applying the user's revocations of each month after it."""
        while model.steps < month:
            model.step()
            self._reapply(model)

    def _reapply(self, model: AccessModel) -> None:
        """The user's revocations of `model`'s current month, again; one that an earlier
        revocation has made pointless is forgotten."""
        due = [i for i in self.interventions if i.month == model.steps]
        for i in due:
            if not _revoke(model, i.provider, i.lab).done:
                self.interventions.remove(i)


class DashboardModel(mesa.Model):  # type: ignore[misc]
    """What SolaraViz drives: the pair of runs built from the page's settings. An invalid
    setting leaves no runs and an `error` to show, so the page never shows a traceback."""

    def __init__(
        self,
        preset: str = DEFAULTS["preset"],
        cutoff: bool = DEFAULTS["cutoff"],
        n_developers: int = DEFAULTS["n_developers"],
        social_degree: int = DEFAULTS["social_degree"],
        monitoring: float = DEFAULTS["monitoring"],
        rival_intensity: float = DEFAULTS["rival_intensity"],
        revocation_shock: float = DEFAULTS["revocation_shock"],
        horizon: int = DEFAULTS["horizon"],
        seed: int = DEFAULTS["seed"],
    ) -> None:
        super().__init__(rng=seed if isinstance(seed, int) else None)
        self.settings = {k: v for k, v in locals().items() if k in DEFAULTS}
        self.run: TwinRun | None = None
        self.error = ""
        try:
            self.run = TwinRun(dashboard_config(self.settings), cutoff=bool(cutoff))
        except ConfigError as err:
            self.error = str(err)
            self.running = False

    def step(self) -> None:
        if self.run is not None:
            self.run.step()
            self.running = self.run.month < self.run.main.config.steps
