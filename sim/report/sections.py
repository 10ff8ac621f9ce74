"""Result sections of the HTML report for paired sweeps: the key findings first, then the
arms and effects by month and the access network, each figure with its data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import effects, group_ci, horizon_effects
from sim.analysis.history import access_states, lab_trust_at
from sim.analysis.names import display_scale, entity_labels
from sim.analysis.uncertainty import horizon_pooled_effects
from sim.config import Config, EventKind, removable
from sim.config.files import data_dir
from sim.experiment.store import complete_pairs, load_config
from sim.report.findings import findings_html
from sim.report.html import FigureEmbedder, render
from sim.viz.network import NetworkPanel, network_figure
from sim.viz.sweeps import effects_figure, timeseries_figure


def intervention_words(
    config: Config,
    intervention: Sequence[EventKind],
    at: int,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The intervention in words, naming labs and providers by `labels` (id -> readable
    name) where given."""
    name = dict(labels or {})
    revoke = [
        e
        for e in config.scenario.events
        if e.kind is EventKind.revoke_access and removable(e, intervention)
    ]
    if revoke:
        e = revoke[0]
        lab, provider = name.get(str(e.lab), e.lab), name.get(str(e.provider), e.provider)
        if e.evaluation_only:
            return (
                f"cutting {lab} to evaluation only ({provider} cutting its building and "
                f"training use, keeping benchmarking and safety evaluation, at month {at})"
            )
        if e.throttle:
            return f"throttling {lab} ({provider} cutting its capacity at month {at})"
        return f"cutting off {lab} ({provider} revoking its access at month {at})"
    return f"the {', '.join(k.value for k in intervention)} event at month {at}"


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
    question: Markup,
) -> list[tuple[str, Markup]]:
    """Key findings first (the question, each effect, the forest plot), then the figures."""
    kinds = [EventKind(k) for k in manifest["intervention"]]
    pairs = complete_pairs(results)
    if pairs.empty:
        text = "No complete pair has finished yet: no effects."
        return [("Key findings", question + render("message.html.j2", text=text))]
    after = manifest.get("effects_after") or [12, 24, 36]
    labels = entity_labels(config)
    pooled = bool(manifest.get("posterior"))
    if pooled:
        table, at = horizon_pooled_effects(pairs, config, kinds, after, seed=seed)
    else:
        table, at = horizon_effects(pairs, config, kinds, after, seed=seed)
    findings = findings_html(
        table,
        pairs,
        pooled=pooled,
        question=question,
        subject=_subject(kinds),
        labels=labels,
        point_labels=_point_params(pairs),
        figures=figures,
    )
    out = [("Key findings", findings)]
    metrics = [str(m) for m in table["metric"].unique()]
    if pooled:
        figs = [_arms_figure(pairs, metrics, config, at, figures, labels, "over posterior draws")]
        out += _flips()
    else:
        figs = []
        if pairs["point_id"].nunique() == 1:
            figs += _paired_figures(pairs, metrics, config, kinds, at, figures, seed, labels)
        figs.append(_network(pairs, events, path, table, config, figures))
    out.append(("Figures", render("figures.html.j2", figures=figs)))
    return out


def _network(
    pairs: pd.DataFrame,
    events: pd.DataFrame,
    path: Path,
    table: pd.DataFrame,
    config: Config,
    figures: FigureEmbedder,
) -> Markup:
    steps = sorted(int(step) for step in table["step"].unique())
    month = min(steps[-1], config.steps)
    panels = _network_panels(pairs, events, path, month)
    labels = entity_labels(config)
    data = pd.concat(
        [
            p.access.assign(
                panel=p.title,
                lab_name=p.access["lab"].map(labels),
                lab_capability=p.access["lab"].map(p.capability),
            )
            for p in panels
        ],
        ignore_index=True,
    )
    return figures.embed(
        network_figure(
            panels,
            title=f"Labs and access at month {month} (replicate {int(pairs['replicate'].min())})",
            labels=labels,
        ),
        "network",
        f"The labs at month {month} in one pair (control and treated arm): node area is "
        "capability, arrows are access to other labs' first-party APIs (dashed vermillion "
        "= revoked, rebuilt from the event log), line width is lab trust.",
        data=data,
    )


def _flips() -> list[tuple[str, Markup]]:
    """Where the answer of the calibrated flagship flips, from the shipped analysis."""
    flips = data_dir() / "calibration" / "flips.csv"
    if not flips.is_file():
        return []
    table = pd.read_csv(flips)
    text = " ".join(
        f"{row.words} Most of its variance comes from {row.top_parameter} (first-order "
        f"share {row.top_s1:.2f})."
        for row in table.itertuples(index=False)
    )
    text += (
        " (Over the prior ranges of the calibrated parameters and revocation_shock: "
        "data/calibration/flips.csv, docs/ODD.md §6.5.)"
    )
    return [("Where the answer flips", render("message.html.j2", text=text))]


def _arms_figure(
    pairs: pd.DataFrame,
    metrics: Sequence[str],
    config: Config,
    at: int,
    figures: FigureEmbedder,
    labels: Mapping[str, str],
    over: str = "",
) -> Markup:
    bands = {m: group_ci(pairs, m, "arm") for m in metrics}
    return figures.embed(
        timeseries_figure(
            bands,
            "arm",
            title=f"{config.scenario.name}: treated and control arms {over}".strip(),
            order=["treated", "control"],
            mark=(at, f"intervention (month {at})"),
            labels=labels,
        ),
        "timeseries_by_arm",
        "Headline outcomes by month in the treated (solid) and control (dashed) arms: the "
        "mean over " + ("every draw and seed" if over else "runs") + " with its 95% CI band.",
        data=_long(bands, "arm"),
    )


def _long(frames: Mapping[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """Per-metric tables stacked into one, on the shown scale, for a figure's CSV."""
    out = []
    for metric, frame in frames.items():
        scaled = frame.copy()
        cols = [c for c in ("mean", "ci_low", "ci_high", "effect") if c in scaled.columns]
        scaled[cols] = scaled[cols] * display_scale(metric)
        out.append(scaled.assign(metric=metric))
    return pd.concat(out, ignore_index=True)


def _paired_figures(
    pairs: pd.DataFrame,
    metrics: Sequence[str],
    config: Config,
    kinds: list[EventKind],
    at: int,
    figures: FigureEmbedder,
    seed: int,
    labels: Mapping[str, str],
) -> list[Markup]:
    """The arms by month and the paired effects by month, for a sweep of one point."""
    words = intervention_words(config, kinds, at, labels)
    effs = {m: effects(pairs, m, seed=seed) for m in metrics}
    return [
        _arms_figure(pairs, metrics, config, at, figures, labels),
        figures.embed(
            effects_figure(
                effs,
                at,
                title=f"Paired effect of {words}",
                intervention=f"intervention (month {at})",
                labels=labels,
            ),
            "effects",
            "Treated minus control by month, with the 95% bootstrap CI band; zero marks no effect.",
            data=_long(effs, "point_id"),
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
