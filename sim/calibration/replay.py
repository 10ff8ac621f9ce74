"""The history scenario, built from the record: who released when (Epoch AI, Epoch
Capabilities Index, to 2025-06) and the dated access restrictions (events.yaml).

`python -m sim.calibration.replay` writes `configs/cast/history.yaml` (the real labs and
their providers) and `configs/scenario/history.yaml` (calendar, replayed releases,
restrictions, and the calibrated parameters at the shipped posterior's representative
draw); a test checks both are what this module makes of the data and the posterior.
Release timing is replayed, scores are not: capability comes from the model's research,
and the scores are what calibration fits it to (docs/ODD.md §6).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.config import Config

START = "2023-01"
"""Calendar month of model month 1; month 0 is 2022-12."""
REPLAY_UNTIL = "2025-06"
"""The last month of data on releases: after it labs release on their own (prediction)."""
HORIZON = "2026-06"

ORGANISATIONS = {
    "OpenAI": "openai",
    "Anthropic": "anthropic",
    "Google DeepMind": "google",
    "Google DeepMind,Google": "google",
    "Google": "google",
    "Google Research": "google",
    "xAI": "xai",
    "Meta AI": "meta",
    "DeepSeek": "deepseek",
    "DeepSeek,Peking University": "deepseek",
    "Alibaba": "alibaba",
    "Mistral AI": "mistral",
}
"""Organisations of the data by the lab that stands for them; others are not modelled."""

OPEN_LABS = ("meta", "deepseek", "alibaba", "mistral")
CLOSED_LABS = ("openai", "anthropic", "google", "xai")
LABELS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "xai": "xAI",
    "meta": "Meta (open weights)",
    "deepseek": "DeepSeek (open weights)",
    "alibaba": "Alibaba Qwen (open weights)",
    "mistral": "Mistral (open weights)",
}
ADOPTION_MONTHS = 24
"""Developers enter the market over 2023-2024 (illustrative, not estimated)."""
BENCHMARKING = {
    "openai": ("rival_api", 0.3),
    "xai": ("rival_api", 0.3),
    "deepseek": ("distill", 0.3),
}
"""Labs the record shows using rivals' APIs: OpenAI's staff used the rival's coding tools
(RV-7), xAI's through a third-party tool (RV-10), DeepSeek is said to have distilled (RV-3).
The intensity is illustrative, not estimated. The others learn from public benchmarks."""
BUILDING = {"openai": 0.5}
"""Share of a lab's rival-API use that builds with the rival's models rather than evaluating
them (illustrative, not estimated): RV-7 cut OpenAI's staff off the coding tools and kept
its benchmarking and safety evaluation, so part of its use was building."""
DISCOUNT = {"deepseek": 0.3, "alibaba": 0.3}
"""Quality developers discount from Chinese labs' models (illustrative, not estimated): the
reluctance towards Chinese providers' models that MS-5 names among the reasons the
open-weights share fell."""


@dataclass(frozen=True)
class Restriction:
    """How the model represents one dated restriction of events.yaml."""

    id: str
    provider: str
    lab: str
    how: str  # revoke | evaluation_only | throttle | tighten | cut_capacity
    factor: float = 1.0
    studied: bool = False
    """The restriction under study: the one a paired run's control arm removes (the
    others are background, in both arms)."""


RESTRICTIONS = (
    Restriction("RV-2", "openai_api", "deepseek", "revoke"),
    Restriction("RV-4", "openai_api", "", "tighten", factor=2.0),
    Restriction("RV-5", "anthropic_api", "", "cut_capacity", factor=0.1),
    Restriction("RV-7", "anthropic_api", "openai", "evaluation_only", studied=True),
    Restriction("RV-8", "anthropic_api", "deepseek", "revoke"),
    Restriction("RV-8", "anthropic_api", "alibaba", "revoke"),
    Restriction("RV-10", "anthropic_api", "xai", "revoke"),
)
"""The restrictions the model represents. RV-2's regional block falls on the open-weights
lab of the blocked region (its developers are outside the surveys the shares come from);
RV-4's identity verification doubles the provider's monitoring (illustrative, not
estimated); RV-5's capacity cut to a coding tool being bought by the rival falls on the
tool's users, not on the rival: the tenth of the provider's customers who need coding most
(illustrative, not estimated: the tool's users among its coding customers) live a month of
failed service and reconsider; RV-8's stop of sales to Chinese-owned firms revokes the
Chinese open-weights labs."""

LEFT_OUT = {
    "RV-1": "ByteDance is not a modelled lab (it has no scored model in the data)",
    "RV-3": "DeepSeek was already cut off from OpenAI's API by RV-2 in the model, which "
    "has no second route to it; the removal of accounts changes nothing there",
    "RV-6": "weekly caps on subscription power users of a coding product: the model's "
    "developers buy API access, not subscriptions",
    "RV-9": "a block of third-party harnesses using subscription credentials: a product "
    "channel the model does not represent",
}


def month_index(date: str | pd.Timestamp) -> int:
    """Model month of a date: 2023-01 is 1, 2022-12 is 0."""
    period = pd.Period(date, freq="M")
    start = pd.Period(START, freq="M")
    return int((period - start).n) + 1


def read_eci(path: Path) -> pd.DataFrame:
    """The ECI table with each row's lab (None: not modelled), kind and model month."""
    table = pd.read_csv(path)
    table["lab"] = table["Organization"].map(ORGANISATIONS)
    access = table["Model accessibility"].fillna("")
    table["open"] = access.str.startswith("Open weights")
    table["closed"] = access.isin(["API access", "Hosted access (no API)"])
    table["month"] = [month_index(d) for d in table["Release date"]]
    return table


def _of_kind(table: pd.DataFrame, lab: str) -> pd.DataFrame:
    rows = table[table["lab"] == lab]
    return rows[rows["open"]] if lab in OPEN_LABS else rows[rows["closed"]]


API_OFFERED = {"google": "2023-05"}
"""APIs offered before the lab's first model of its kind in the ECI table: Google's PaLM 2
(2023-05-17), whose rows there carry no organisation or accessibility."""


def releases(table: pd.DataFrame) -> dict[str, list[int]]:
    """Each lab's release months from its entry to the end of the replay: its first model
    of its kind (open weights for an open lab, an API for a closed one) from 2023-01, scored
    or not, or the month its API was offered (`API_OFFERED`) if earlier. A lab already on
    the market before 2023-01 (OpenAI's GPT-3.5, Meta's OPT) releases in month 1."""
    last = month_index(REPLAY_UNTIL)
    out = {}
    for lab in (*CLOSED_LABS, *OPEN_LABS):
        months = {max(int(m), 1) for m in _of_kind(table, lab)["month"] if m <= last}
        if lab in API_OFFERED:
            months.add(month_index(API_OFFERED[lab]))
        out[lab] = sorted(months)
    return out


def release_every(months: list[int]) -> int:
    """A lab's own cadence: the median interval between its releases, in months."""
    return max(round(float(np.median(np.diff(months)))), 1)


def capability_of(eci: float, at_one: float = 125.7, per_log: float = 100.0) -> float:
    """Capability index of an ECI score under the default map of docs/ODD.md §6."""
    return round(math.exp((eci - at_one) / per_log), 4)


def cast(table: pd.DataFrame) -> dict[str, Any]:
    """The history scenario's labs and providers: each lab starts in 2022-12 at its ECI
    line's level in every domain and researches each domain at the pace of its domain line
    (sim.calibration.domains.lab_lines: its ECI trajectory and its domain profile of
    2025-06, Epoch AI), as a multiple of the mean pace of all labs and domains, so
    `research.growth_rate` sets the common scale."""
    from sim.calibration.domains import DOMAINS, lab_lines

    lines, timing = lab_lines(), releases(table)
    slopes = lines["slope"].drop("eci", level="domain")
    mean_slope = float(slopes.mean())
    labs = {}
    for lab in (*CLOSED_LABS, *OPEN_LABS):
        mode, intensity = BENCHMARKING.get(lab, ("public_only", 0.0))
        level = float(lines["level"][(lab, "eci")])
        labs[lab] = {
            "label": LABELS[lab],
            "capability": dict.fromkeys(DOMAINS, capability_of(level)),
            "pace": {d: round(float(slopes[(lab, d)]) / mean_slope, 3) for d in DOMAINS},
            "compute": 1.0,
            "openness": "open_weights" if lab in OPEN_LABS else "api",
            "benchmarking": mode,
            "intensity": intensity,
            "building": BUILDING.get(lab, 0.0),
            "discount": DISCOUNT.get(lab, 0.0),
            "release_every": release_every(timing[lab]),
        }
    providers: dict[str, Any] = {
        f"{lab}_api": {"label": f"{LABELS[lab]} API", "hosts": [lab], "owner": lab}
        for lab in CLOSED_LABS
    }
    providers["cloud"] = {
        "label": "Cloud (open-weights models)",
        "hosts": list(OPEN_LABS),
        "price": 0.8,
        "reliability": 0.97,
        "monitoring": 0.5,
    }
    return {"labs": labs, "providers": providers}


LAST_WEEK = 24
"""A restriction dated after this day of its month acts from the next month: it touches
less than a week of its own month's research (RV-7, 2025-07-29, acts from 2025-08)."""
LAUNCHES = (("openai", "2025-08-07"),)
"""Dated launches after the replay: the rival's launch a week after the cutoff (events.yaml,
RV-7). Its timing is an input, released after that month's research; its capability is the
model's prediction."""


def acting_month(date: str) -> int:
    """The model month from which a restriction dated `date` acts (see `LAST_WEEK`)."""
    day = pd.Timestamp(date).day
    return month_index(date) + (1 if day > LAST_WEEK else 0)


def restriction_events(restrictions_yaml: Path) -> list[dict[str, Any]]:
    """The represented restrictions as scenario events, from the model month they act
    (`acting_month`); every restriction of the file is either represented or left out with
    a reason."""
    dated = {e["id"]: e for e in yaml.safe_load(restrictions_yaml.read_text())}
    covered = {r.id for r in RESTRICTIONS} | set(LEFT_OUT)
    if covered != set(dated):
        raise ValueError(f"restrictions not accounted for: {sorted(set(dated) ^ covered)}")
    events = []
    for r in RESTRICTIONS:
        at = acting_month(str(dated[r.id]["date"]))
        if r.how in ("tighten", "cut_capacity"):
            kind = "tighten_monitoring" if r.how == "tighten" else "cut_capacity"
            events.append({"kind": kind, "at": at, "provider": r.provider, "factor": r.factor})
            continue
        event = {"kind": "revoke_access", "at": at, "provider": r.provider, "lab": r.lab}
        if r.how != "revoke":
            event[r.how] = True
        if not r.studied:
            event["background"] = True
        events.append(event)
    return events


def scenario(table: pd.DataFrame, restrictions_yaml: Path) -> dict[str, Any]:
    """The history scenario: calendar, replayed releases and dated restrictions."""
    events: list[dict[str, Any]] = [
        {"kind": "release_model", "at": m, "lab": lab}
        for lab, months in releases(table).items()
        for m in months
    ]
    events += [{"kind": "release_model", "at": month_index(d), "lab": lab} for lab, d in LAUNCHES]
    events += restriction_events(restrictions_yaml)
    events.sort(key=lambda e: (e["at"], e["kind"], e.get("lab", ""), e.get("provider", "")))
    return {
        "name": "history",
        "description": (
            "The record, 2023-01 to 2026-06: the real labs release when they did until "
            "2025-06 (Epoch AI, Epoch Capabilities Index) and on their own cadence after; "
            "the dated access restrictions the model can represent happen when they did, "
            "among them the cutoff of 2025-07 (evaluation access kept). Capability is the "
            "model's own; calibration fits it to the scores."
        ),
        "start": START,
        "replay_until": month_index(REPLAY_UNTIL),
        "events": events,
    }


HEADER = "# Generated by `python -m sim.calibration.replay` from data/: do not edit by hand.\n"


FIXED = {
    "population": {"usage_growth": 0.0303, "coding_usage_growth": 0.0424},
    "research": {"spill_public": 0.0307},
    "market": {"selfhost_discount": 0.826},
}
"""Parameters the screening selects but the calibration leaves out (the four smallest of
the fourteen: `sim.calibration.fit.SCREEN_COVER`), fixed at the representative draw of a
first calibration that included them (14 parameters, 300 particles, 6,947 simulations),
rather than at the archetypes' defaults: without them the history world's usage would not
grow (MS-7) and coding work would not grow faster than the rest."""


def calibrated_values(posterior_folder: Path) -> dict[str, Any]:
    """The calibrated parameters at the posterior's representative draw (the particle
    nearest its medians), nested by config path, to 4 significant digits (whole numbers
    for integer fields); empty when no posterior is there."""
    from sim.analysis.factors import numeric_parameters
    from sim.calibration.fit import CALIBRATED
    from sim.calibration.posterior import Posterior

    if not posterior_folder.is_dir():
        return {}
    draw = Posterior.load(posterior_folder, list(CALIBRATED)).representative()
    kinds = numeric_parameters(Config())
    defaults = Config().to_dict()
    nested: dict[str, Any] = {}
    for path, value in draw.items():
        *head, last = path.split(".")
        node, default = nested, defaults
        for key in head:
            node, default = node.setdefault(key, {}), default.get(key, {})
        if len(head) > 1:  # one value of a per-domain field: the field is written whole
            node.update({k: v for k, v in default.items() if k not in node})
        node[last] = round(value) if kinds[path] is int else float(f"{value:.4g}")
    return nested


def render(
    table: pd.DataFrame, restrictions_yaml: Path, calibrated: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The two config files, by path relative to the configs folder; `calibrated` (nested
    values, as :func:`calibrated_values` gives) sets the world `scenario=history` runs at."""
    cast_text = yaml.safe_dump(cast(table), sort_keys=False, width=100)
    body = _merge(
        _merge(
            {
                "defaults": [{"override /cast": "history"}],
                "steps": month_index(HORIZON),
                "population": {"adoption_months": ADOPTION_MONTHS},
            },
            FIXED,
        ),
        calibrated or {},
    )
    body["scenario"] = scenario(table, restrictions_yaml)
    scenario_text = yaml.safe_dump(body, sort_keys=False, width=100, default_flow_style=None)
    return {
        "cast/history.yaml": "# @package _global_\n" + HEADER + cast_text,
        "scenario/history.yaml": "# @package _global_\n" + HEADER + scenario_text,
    }


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def history_config(changes: Mapping[str, Any] | None = None) -> Config:
    """The history scenario's config, read from the shipped config files as the command
    line composes `scenario=history` (without Hydra), with nested `changes` merged in
    (dotted keys allowed: {"research.growth_rate": 0.02})."""
    from sim.config.files import config_dir

    folder = config_dir()
    data: dict[str, Any] = {}
    for name in ("cast/history.yaml", "scenario/history.yaml"):
        part = yaml.safe_load((folder / name).read_text())
        part.pop("defaults", None)
        data = _merge(data, part)
    for key, value in (changes or {}).items():
        nested: Any = value
        for part_key in reversed(key.split(".")):
            nested = {part_key: nested}
        data = _merge(data, nested)
    steps = data["steps"]
    if isinstance(steps, int):
        # A shorter horizon (a calibration run ends in 2025-10) drops the later events.
        events = data["scenario"]["events"]
        data["scenario"]["events"] = [e for e in events if e["at"] <= steps]
    return Config.from_dict(data)


def main(argv: list[str] | None = None) -> None:
    from sim.config.files import config_dir, data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=Path, default=None, help="configs folder to write")
    args = parser.parse_args(argv)
    target = args.configs or config_dir()
    data = data_dir()
    table = read_eci(data / "eci_epoch_to_2025-06.csv")
    calibrated = calibrated_values(data / "calibration" / "posterior")
    for name, text in render(table, data / "events.yaml", calibrated).items():
        (target / name).write_text(text)
        print(f"wrote {target / name}")


if __name__ == "__main__":
    main()
