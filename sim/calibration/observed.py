"""The observed record, read from ``data/``: Epoch AI's ECI table reduced to monthly records,
and the calibration targets of ``targets.yaml`` with the scale each gets in the distance.

Data: Epoch AI, Epoch Capabilities Index (CC BY 4.0), releases up to 2025-06-30; market
shares and switching from Menlo Ventures' surveys (``data/README.md``). The measurements
themselves are :mod:`sim.calibration.measures`, shared with the simulated side.

Which releases count. Open weights: accessibility starting with "Open weights"
(unrestricted, restricted use and non-commercial licences alike, as the labels say).
Closed: "API access" and "Hosted access (no API)" (a model one can use only through its
maker). "Unreleased" models (2 scored: Llama-2-34b, Nemotron-4 15B) are left out: nobody
could use them, so they hold no record. Rows without a score are left out, which includes
the three o3-pro rows, the only OpenAI rows whose accessibility is blank; a scored row
with a blank or unknown accessibility is refused rather than guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.calibration import measures
from sim.config.files import data_dir

ECI_FILE = "eci_epoch_to_2025-06.csv"
TARGETS_FILE = "targets.yaml"
START, END = "2023-01", "2025-06"
"""The in-sample months: the history scenario's first month and the data's last."""
CG1_BREAK = "2024-04"
"""Epoch AI's breakpoint of the frontier's growth."""

OPEN_PREFIX = "Open weights"
CLOSED = {"API access", "Hosted access (no API)"}
UNRELEASED = "Unreleased"
LABS = {
    "OpenAI": "openai",
    "Anthropic": "anthropic",
    "Google DeepMind": "google",
    "Google DeepMind,Google": "google",
    "Google": "google",
    "xAI": "xai",
    "Meta AI": "meta",
    "DeepSeek": "deepseek",
    "Alibaba": "alibaba",
    "Mistral AI": "mistral",
}
"""Epoch AI's organisation names -> the model's lab names; other organisations keep a
lower-case name of their own (they hold records in the data, never in the model)."""

SURVEY_N = 150
"""Respondents of Menlo Ventures' 2025 mid-year survey; used for every share target."""
SURVEY_FLOOR = 0.02
QUALITY_FACTOR = {"high": 1.0, "medium": 1.5, "low": 2.0}
SHARE_QUALITY = {
    "MS-1": {"openai": "high", "anthropic": "high", "google": "high"},
    "MS-2": {"anthropic": "high", "open_total": "medium"},
}
"""Quality targets.yaml gives a share when it is not high; other fields of these entries
are "low" (``quality`` there: "high (OpenAI, Anthropic, Google), low (the rest)")."""

NOT_MODELLED_SHARES = {
    "cohere": "Cohere is not a lab of the model; its share falls to the modelled labs",
    "other": "the rest of the market is not modelled; its share falls to the modelled labs",
}
NOT_COMPARED = {
    "MH-3": "qualitative (switching is driven by performance, not price): no number to match",
    "MH-4": "5+ models in production: the model's developers use one option with at most "
    "one fallback",
    "PR-1": "prices are fixed in the model, so their fall is not represented",
    "RV-11": "an order-of-magnitude guide for false positives (sets appeal_success), not a target",
}
"""Targets of targets.yaml a report must name as not compared, with the reason."""


@dataclass(frozen=True)
class Target:
    """One observed number the simulation is compared with. ``scale`` divides the
    difference in the distance: half the source's 90% interval where it gives one, else the
    documented default in ``scale_why``. ``period`` is a month or ``first..last``."""

    id: str
    key: str
    period: str
    value: float
    scale: float
    source: str
    how_measured: str
    scale_why: str


def load_eci(path: Path | None = None) -> pd.DataFrame:
    """Scored, released models of Epoch AI's ECI table: ``model``, ``eci``, ``released``,
    ``month``, ``lab`` and ``open`` (bool), sorted by release date."""
    raw = pd.read_csv(path or data_dir() / ECI_FILE)
    scored = raw[raw["ECI Score"].notna() & (raw["Model accessibility"] != UNRELEASED)]
    access = scored["Model accessibility"].fillna("")
    is_open = access.str.startswith(OPEN_PREFIX)
    unknown = ~is_open & ~access.isin(CLOSED)
    if unknown.any():
        value, model = access[unknown].iloc[0], scored["Model version"][unknown].iloc[0]
        raise ValueError(
            f"Model accessibility: {value or 'blank'!r} of {model} is not one of "
            f"{sorted(CLOSED)}, 'Open weights (...)' or {UNRELEASED!r}"
        )
    released = pd.to_datetime(scored["Release date"])
    org = scored["Organization"].fillna("unknown")
    table = pd.DataFrame(
        {
            "model": scored["Model version"],
            "eci": scored["ECI Score"].astype(float),
            "released": released,
            "month": released.dt.to_period("M"),
            "lab": org.map(lambda o: LABS.get(o, o.lower().replace(" ", "_"))),
            "open": is_open,
        }
    )
    return table.sort_values(["released", "eci"]).reset_index(drop=True)


def eci_by_lab(models: pd.DataFrame, end: str = END) -> pd.DataFrame:
    """Best ECI each lab released each month, one column per lab and kind (``lab.open`` or
    ``lab.closed``), from the first release to ``end`` (NaN where nothing was released)."""
    column = models["lab"] + np.where(models["open"], ".open", ".closed")
    best = models.assign(column=column).pivot_table(
        index="month", columns="column", values="eci", aggfunc="max"
    )
    months = pd.period_range(min(best.index.min(), measures.month(START)), end, freq="M")
    return best.reindex(months)


def monthly_records(start: str = START, end: str = END) -> pd.DataFrame:
    """The monthly record 2023-01..2025-06 (by default): ``frontier_eci``, ``closed_record``,
    ``open_record`` (records to date) and ``record_holder`` (the lab of the frontier
    record), indexed by month. Computed from the first release in the table, so a record set
    before ``start`` still counts."""
    eci = eci_by_lab(load_eci(), end)
    records = measures.records_to_date(
        eci,
        open_columns=[c for c in eci.columns if c.endswith(".open")],
        holder={c: c.rsplit(".", 1)[0] for c in eci.columns},
    )
    return records.loc[measures.month(start) :]


def record_statistics(records: pd.DataFrame, lag_window: str | None = None) -> dict[str, float]:
    """CG-1, CG-3, OC-1 and OC-7 of monthly records to date, each over its target's period:
    the one measurement of these targets, for the observed record and for a simulated run
    alike. ``lag_window`` ("YYYY-MM..YYYY-MM") replaces OC-1's period when given."""
    spec = targets()
    cg1 = measures.window(spec["CG-1.after_2024_04"].period)
    before, after = measures.growth_slopes(records, *cg1, measures.month(CG1_BREAK))
    return {
        "CG-1.before_2024_04": before,
        "CG-1.after_2024_04": after,
        "CG-3": measures.value_at(
            records["frontier_eci"], measures.month(spec["CG-3"].period), "CG-3"
        ),
        "OC-1": measures.window_mean(
            measures.open_lag(records), *measures.window(lag_window or spec["OC-1"].period), "OC-1"
        ),
        "OC-7": measures.window_mean(
            measures.open_gap(records), *measures.window(spec["OC-7"].period), "OC-7"
        ),
    }


def reproduced() -> dict[str, float]:
    """The numbers targets.yaml derives from the ECI table, recomputed: CG-1 month by month
    (what a simulated run can show) and over release dates (``CG-1.*.by_date``, Epoch AI's
    points), CG-3, OC-7, OC-1 over the in-sample part of its window (2023-01..2025-06; the
    source's runs to 2025-10) and the leader changes 2023-03..2025-06."""
    records = monthly_records()
    by_date = load_eci().groupby("released")["eci"].max()
    setters = by_date[by_date > by_date.cummax().shift(1).fillna(-np.inf)]
    brk = measures.month(CG1_BREAK)
    years = (pd.DatetimeIndex(setters.index) - brk.start_time).days.to_numpy() / 365.25
    before, after = measures.piecewise_slopes(years, setters.to_numpy())
    leader = measures.leader_changes(records, measures.month("2023-03"), measures.month(END))
    return record_statistics(records, lag_window=f"{START}..{END}") | {
        "CG-1.before_2024_04.by_date": before,
        "CG-1.after_2024_04.by_date": after,
        "leader_changes.2023-03..2025-06": float(leader),
    }


def survey_scale(p: float, quality: str = "high") -> tuple[float, str]:
    """Illustrative, not estimated: the 90% half-width of a proportion from a survey of
    ``SURVEY_N`` respondents, 1.645 sqrt(p(1-p)/n), at least ``SURVEY_FLOOR``, times 1.5 for a
    medium-quality and 2 for a low-quality number."""
    half = max(SURVEY_FLOOR, 1.645 * math.sqrt(p * (1 - p) / SURVEY_N))
    why = (
        f"illustrative, not estimated: survey noise, 1.645 x binomial SE at n={SURVEY_N} "
        f"(Menlo's 2025 sample), floor {SURVEY_FLOOR} (whole-percent rounding, usage "
        "weighting)"
    )
    if quality != "high":
        why += f", x{QUALITY_FACTOR[quality]:g} for a {quality}-quality number"
    return half * QUALITY_FACTOR[quality], why


def _period(raw: Any) -> str:
    return str(raw).replace(" ", "")


def _half_width(bounds: list[float]) -> float:
    return (float(bounds[1]) - float(bounds[0])) / 2


@cache
def _targets() -> tuple[Target, ...]:
    spec = yaml.safe_load((data_dir() / TARGETS_FILE).read_text())
    entries = {e["id"]: e for section in spec.values() for e in section}
    return (
        *_growth_targets(entries),
        *_gap_targets(entries),
        *_share_targets(entries),
        *_demand_targets(entries),
    )


def _growth_targets(entries: dict[str, Any]) -> list[Target]:
    """The frontier's pace (CG-1, before and after 2024-04) and level (CG-3, GPT-4)."""
    cg1, cg3 = entries["CG-1"], entries["CG-3"]
    after_scale = _half_width(cg1["range"]["after_2024_04"])
    epoch = "Epoch AI, Epoch Capabilities Index"
    out = [
        Target(
            "CG-1",
            f"CG-1.{part}",
            _period(cg1["period"]),
            float(cg1["value"][part]),
            after_scale,
            cg1["source"],
            f"{epoch}: slope (points/year) {part.replace('_', ' ', 1)} of a continuous "
            "piecewise-linear fit to the record-setting models' ECI, breakpoint 2024-04",
            f"half-width of the source's 90% interval {cg1['range']['after_2024_04']}"
            if part == "after_2024_04"
            else "illustrative, not estimated: the source gives no interval; the after "
            "slope's half-width, since the before slope rests on fewer records and is no "
            "better known",
        )
        for part in ("before_2024_04", "after_2024_04")
    ]
    (gpt4_date, gpt4_eci) = cg3["value"]["GPT-4"]
    out.append(
        Target(
            "CG-3",
            "CG-3",
            measures.month(str(gpt4_date)).strftime("%Y-%m"),
            float(gpt4_eci),
            2.0,
            f"{epoch} (GPT-4, released {gpt4_date})",
            "frontier ECI record to date at the month (best score released by anyone)",
            "illustrative, not estimated: about half the 3.6-point difference between two "
            "snapshots of the same model (GPT-4 0314 and 0613), the index's own noise",
        )
    )
    return out


def _gap_targets(entries: dict[str, Any]) -> list[Target]:
    """The open-weights models' lag behind the closed frontier, in months (OC-1) and in
    index points (OC-7)."""
    oc1, oc7 = entries["OC-1"], entries["OC-7"]
    return [
        Target(
            "OC-1",
            "OC-1",
            _period(oc1["period"]),
            float(oc1["value"]),
            _half_width(oc1["range"]),
            oc1["source"],
            "mean over the window's months of t - s, s the first month the closed record "
            "reached the open-weights record at t (0 when open is at or above closed)",
            f"half-width of the source's 90% confidence interval {oc1['range']}",
        ),
        Target(
            "OC-7",
            "OC-7",
            _period(oc7["period"]),
            float(oc7["value"]),
            _half_width(oc7["range"]),
            oc7["source"],
            "mean over the window's months of closed record minus open-weights record (ECI)",
            f"half-width of the source's 90% interval of the gap {oc7['range']}",
        ),
    ]


def _share_targets(entries: dict[str, Any]) -> list[Target]:
    out = []
    for tid in ("MS-1", "MS-2", "MS-3"):
        entry = entries[tid]
        for field, value in entry["value"].items():
            if field in NOT_MODELLED_SHARES:
                continue
            quality = SHARE_QUALITY.get(tid, {}).get(
                field, "low" if tid in SHARE_QUALITY else "high"
            )
            scale, why = survey_scale(float(value), quality)
            out.append(
                Target(
                    tid,
                    f"{tid}.{field}",
                    _period(entry["period"]),
                    float(value),
                    scale,
                    entry["source"],
                    "Menlo Ventures survey: share of enterprise LLM usage"
                    + (" on open-weights models" if field == "open_total" else f" ({field})"),
                    why,
                )
            )
    ms5 = entries["MS-5"]
    for when, value in ms5["value"].items():
        scale, why = survey_scale(float(value))
        out.append(
            Target(
                "MS-5",
                f"MS-5.{when}",
                str(when),
                float(value),
                scale,
                ms5["source"],
                "Menlo Ventures survey: share of enterprise workloads on open-weights models",
                why,
            )
        )
    mh1 = entries["MH-1"]
    scale, why = survey_scale(float(mh1["value"]["switched_vendor"]))
    out.append(
        Target(
            "MH-1",
            "MH-1",
            _period(mh1["period"]),
            float(mh1["value"]["switched_vendor"]),
            scale,
            mh1["source"],
            "Menlo Ventures survey: share of builders who switched vendor in the past 12 months",
            why,
        )
    )
    return out


MARKET_GROWTH_SCALE = 0.4
"""Illustrative, not estimated: the scale of MS-7's ratio, about a sixth of it: both ends
are one investor's rounded estimates of a market's yearly spend."""
CODING_DEMAND_SCALE = 0.03
"""Illustrative, not estimated: the scale of DM-1, a quarter of its value: one aggregator's
classified token mix, read as the whole market's coding share of usage."""


def _demand_targets(entries: dict[str, Any]) -> list[Target]:
    """The market's growth (MS-7, a ratio: the model's money has no dollar scale) and the
    coding share of demand (DM-1, on its own aggregator's instrument)."""
    ms7, dm1 = entries["MS-7"], entries["DM-1"]
    (first, low), (last, high) = sorted((str(k), float(v)) for k, v in ms7["value"].items())
    (when, coding) = next((str(k), float(v)) for k, v in dm1["value"].items())
    return [
        Target(
            "MS-7",
            "MS-7",
            f"{first}..{last}",
            round(high / low, 3),
            MARKET_GROWTH_SCALE,
            ms7["source"],
            f"Menlo Ventures: yearly model-API spend at {last} over {first} "
            f"({high:.3g} / {low:.3g} US dollars)",
            "illustrative, not estimated: about a sixth of the ratio (two rounded estimates)",
        ),
        Target(
            "DM-1",
            "DM-1",
            when,
            coding,
            CODING_DEMAND_SCALE,
            dm1["source"],
            "a16z and OpenRouter: share of the aggregator's tokens that are programming requests",
            "illustrative, not estimated: a quarter of the value (one aggregator's mix)",
        ),
    ]


def targets() -> dict[str, Target]:
    """The comparable in-sample targets, keyed by ``key`` (``"CG-1.after_2024_04"``,
    ``"OC-1"``, ``"MS-3.anthropic"``, ``"MS-5.2025-07"``, ``"MH-1"``, ...)."""
    return {t.key: t for t in _targets()}


def not_compared() -> dict[str, str]:
    """Targets and parts of targets that are not compared, with a one-line reason each."""
    out = dict(NOT_COMPARED)
    out.update({f"MS-1.{field}": why for field, why in NOT_MODELLED_SHARES.items()})
    return out
