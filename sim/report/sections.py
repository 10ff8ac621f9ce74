"""Result sections of the HTML report for paired and parameter sweeps: headline effects in
words, the innovation-trust frontier, their tables and figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import (
    effects,
    few_pairs_caveat,
    group_ci,
    horizon_effects,
    pair_counts,
)
from sim.analysis.history import access_states, lab_trust_at
from sim.analysis.names import metric_name, metric_unit
from sim.analysis.uncertainty import horizon_pooled_effects
from sim.config import Config, EventKind, removable
from sim.config.files import data_dir
from sim.experiment.store import complete_pairs, load_config
from sim.report.html import FigureEmbedder, html_table, render
from sim.viz.network import NetworkPanel, network_figure
from sim.viz.sweeps import effects_figure, timeseries_figure


def intervention_words(config: Config, intervention: Sequence[EventKind], at: int) -> str:
    revoke = [
        e
        for e in config.scenario.events
        if e.kind is EventKind.revoke_access and removable(e, intervention)
    ]
    if revoke:
        e = revoke[0]
        if e.evaluation_only:
            return (
                f"cutting {e.lab} to evaluation only ({e.provider} cutting its building and "
                f"training use, keeping benchmarking and safety evaluation, at month {at})"
            )
        if e.throttle:
            return f"throttling {e.lab} ({e.provider} cutting its capacity at month {at})"
        return f"cutting off {e.lab} ({e.provider} revoking its access at month {at})"
    return f"the {', '.join(k.value for k in intervention)} event at month {at}"


@dataclass(frozen=True)
class Headline:
    """One effect for a sentence (template ``headline.html.j2``): the verdict says which
    sentence; a clear effect (the interval excludes zero) is given as a magnitude with the
    direction in the verb, its interval as magnitudes too; an unclear one keeps its signs."""

    metric: str
    step: int
    verdict: str
    """raised, lowered, unclear, none (identical arms), or unknown (one pair, no CI)."""
    lead: str
    name: str
    where: str
    effect: float
    low: float
    high: float


def headline(row: Any, subject: str) -> Headline:
    """The values of one effect's sentence, from a row of ``horizon_effects``."""
    metric, step, after = str(row.metric), int(row.step), int(row.months_after)
    unit = metric_unit(metric)
    where = f"at month {step} ({after} months after"
    where += f"; {unit}; {int(row.n_pairs)} pairs)" if unit else f"; {int(row.n_pairs)} pairs)"
    effect, low, high = float(row.effect), float(row.ci_low), float(row.ci_high)
    if not (np.isfinite(low) and np.isfinite(high)):
        verdict = "unknown"
    elif effect == 0 and low == 0 and high == 0:
        verdict = "none"
    elif low <= 0 <= high:
        verdict = "unclear"
    else:
        verdict = "raised" if effect > 0 else "lowered"
        effect = abs(effect)
        low, high = sorted((abs(low), abs(high)))
    lead = subject[:1].upper() + subject[1:]
    return Headline(metric, step, verdict, lead, metric_name(metric), where, effect, low, high)


def _subject(intervention: Sequence[EventKind]) -> str:
    """How the sentences name the intervention: 'the cutoff' for a revocation."""
    if EventKind.revoke_access in intervention:
        return "the cutoff"
    return "the intervention"


def paired_sections(
    results: pd.DataFrame,
    events: pd.DataFrame,
    config: Config,
    manifest: Mapping[str, Any],
    path: Path,
    figures: FigureEmbedder,
    seed: int,
) -> list[tuple[str, Markup]]:
    kinds = [EventKind(k) for k in manifest["intervention"]]
    pairs = complete_pairs(results)
    if pairs.empty:
        text = "No complete pair has finished yet: no effects."
        return [("Headline effects", render("message.html.j2", text=text))]
    after = manifest.get("effects_after") or [12, 24, 36]
    if manifest.get("posterior"):
        return _posterior_sections(pairs, config, kinds, after, figures, seed)
    table, at = horizon_effects(pairs, config, kinds, after, seed=seed)
    out = [("Headline effects", _headline_html(table, pairs, kinds))]
    figs = []
    if pairs["point_id"].nunique() == 1:
        figs += _paired_figures(pairs, table, config, kinds, at, figures, seed)
    steps = sorted(int(step) for step in table["step"].unique())
    month = min(steps[-1], config.steps)
    figs.append(
        figures.embed(
            network_figure(
                _network_panels(pairs, events, path, month),
                title=(
                    f"Labs and access at month {month} (replicate {int(pairs['replicate'].min())})"
                ),
            ),
            "network",
            f"The labs at month {month} in one pair (control and treated arm): node area is "
            "capability, arrows are access to other labs' first-party APIs (dashed vermillion "
            "= revoked, rebuilt from the event log), line width is lab trust.",
        )
    )
    out.append(("Figures", render("figures.html.j2", figures=figs)))
    return out


def _posterior_sections(
    pairs: pd.DataFrame,
    config: Config,
    kinds: list[EventKind],
    after: Sequence[int],
    figures: FigureEmbedder,
    seed: int,
) -> list[tuple[str, Markup]]:
    """A sweep over posterior draws: effects pooled over draws and seeds, with intervals
    that cover the parameters as well as chance, and the arms by month."""
    table, at = horizon_pooled_effects(pairs, config, kinds, after, seed=seed)
    draws, n_pairs = int(table["n_draws"].iloc[0]), int(table["n_pairs"].iloc[0])
    longest = table[table["months_after"] == table["months_after"].max()]
    caveat = (
        f"What the intervals cover: parameter uncertainty ({draws} worlds drawn from the "
        f"calibrated posterior) as well as chance ({n_pairs // draws} seed pairs in each); "
        "a two-stage bootstrap resamples the draws, then the pairs within each. The last "
        "column is the share of a single pair's spread that comes from the parameters."
    )
    shown = table[
        ["metric", "step", "months_after", "effect", "ci_low", "ci_high", "parameter_share"]
    ]
    html = render(
        "headline.html.j2",
        pairs=f"{n_pairs} ({draws} posterior draws x {n_pairs // draws} seeds)",
        caveat=caveat,
        points=[
            {
                "id": "pooled",
                "label": "",
                "sentences": [headline(r, _subject(kinds)) for r in longest.itertuples()],
            }
        ],
        table=html_table(shown, ["effect", "ci_low", "ci_high", "parameter_share"]),
    )
    metrics = list(table["metric"].unique())
    bands = {m: group_ci(pairs, m, "arm") for m in metrics}
    figure = figures.embed(
        timeseries_figure(
            bands,
            "arm",
            title=f"{config.scenario.name}: treated and control arms over posterior draws",
            order=["treated", "control"],
            mark=(at, f"intervention (month {at})"),
        ),
        "timeseries_by_arm",
        "Headline outcomes by month in the treated and control arms: the mean over every "
        "draw and seed, with its 95% CI band.",
    )
    out = [("Headline effects", html)]
    flips = data_dir() / "calibration" / "flips.csv"
    if flips.is_file():
        table = pd.read_csv(flips)
        text = " ".join(
            f"{row.words} Most of its variance comes from {row.top_parameter} (first-order "
            f"share {row.top_s1:.2f})."
            for row in table.itertuples(index=False)
        )
        out.append(
            (
                "Where the answer flips",
                render(
                    "message.html.j2",
                    text=text + " (Over the prior ranges of the calibrated parameters and "
                    "revocation_shock: data/calibration/flips.csv, docs/ODD.md §6.5.)",
                ),
            )
        )
    out.append(("Figures", render("figures.html.j2", figures=[figure])))
    return out


def _headline_html(table: pd.DataFrame, pairs: pd.DataFrame, kinds: list[EventKind]) -> Markup:
    """The effects at the longest horizon in words, per parameter point, and every horizon
    as a table."""
    point_params = _point_params(pairs)
    longest = table[table["months_after"] == table["months_after"].max()]
    points = [
        {
            "id": str(point_id),
            "label": point_params.get(str(point_id), "") if len(point_params) > 1 else "",
            "sentences": [headline(r, _subject(kinds)) for r in block.itertuples()],
        }
        for point_id, block in longest.groupby("point_id", sort=False)
    ]
    shown = table.assign(point=table["point_id"].map(point_params).fillna(table["point_id"]))
    shown = shown[
        ["metric", "point", "step", "months_after", "effect", "ci_low", "ci_high", "n_pairs"]
    ]
    if shown["point"].nunique() == 1:
        shown = shown.drop(columns="point")
    return render(
        "headline.html.j2",
        pairs=pair_counts(table),
        caveat=few_pairs_caveat(int(table["n_pairs"].min())),
        points=points,
        table=html_table(shown, ["effect", "ci_low", "ci_high"]),
    )


def _paired_figures(
    pairs: pd.DataFrame,
    table: pd.DataFrame,
    config: Config,
    kinds: list[EventKind],
    at: int,
    figures: FigureEmbedder,
    seed: int,
) -> list[Markup]:
    """The arms by month and the paired effects by month, for a sweep of one point."""
    metrics = list(table["metric"].unique())
    words = intervention_words(config, kinds, at)
    bands = {m: group_ci(pairs, m, "arm") for m in metrics}
    effs = {m: effects(pairs, m, seed=seed) for m in metrics}
    return [
        figures.embed(
            timeseries_figure(
                bands,
                "arm",
                title=f"{config.scenario.name}: treated and control arms",
                order=["treated", "control"],
                mark=(at, f"intervention (month {at})"),
            ),
            "timeseries_by_arm",
            "Headline outcomes by month in the treated and control arms: the mean over "
            "runs with its 95% CI band.",
        ),
        figures.embed(
            effects_figure(
                effs,
                at,
                title=f"Paired effect of {words}",
                intervention=f"intervention (month {at})",
            ),
            "effects",
            "Treated minus control by month, with the 95% bootstrap CI band; zero marks no effect.",
        ),
    ]


def _point_params(results: pd.DataFrame) -> dict[str, str]:
    swept = [c for c in results.columns if c.startswith("param__") and results[c].nunique() > 1]
    points = results.drop_duplicates("point_id").set_index("point_id")
    return {
        str(p): ", ".join(f"{c.removeprefix('param__')} = {row[c]}" for c in swept)
        for p, row in points.iterrows()
    }


def _network_panels(
    pairs: pd.DataFrame, events: pd.DataFrame, path: Path, month: int
) -> list[NetworkPanel]:
    replicate = pairs["replicate"].min()
    first_point = pairs["point_id"].iloc[0]
    panels = []
    for arm in ("control", "treated"):
        runs = pairs[
            (pairs["arm"] == arm)
            & (pairs["replicate"] == replicate)
            & (pairs["point_id"] == first_point)
        ]
        if runs.empty:
            continue
        run_id = str(runs["run_id"].iloc[0])
        config = load_config(path, run_id)
        row = runs[runs["step"] == month]
        if row.empty:
            continue
        ev = events[events["run_id"] == run_id]
        capability = {lab: float(row[f"capability__{lab}"].iloc[0]) for lab in config.labs}
        panels.append(
            NetworkPanel(
                f"{arm} arm",
                month,
                capability,
                access_states(ev, config, month),
                lab_trust_at(ev, config, month),
            )
        )
    return panels
