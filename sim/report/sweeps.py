"""The report sections of a plain sweep (no intervention): key findings against a reference
value on shared seeds, then outcomes by sweep point, as tables and heatmaps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import (
    group_ci,
    group_estimates,
    pareto_front,
    run_outcomes,
)
from sim.analysis.names import INNOVATION as BASE_INNOVATION
from sim.analysis.names import entity_labels, param_label, value_label
from sim.config import Config
from sim.report.contrasts import contrast_html
from sim.report.html import FigureEmbedder, declared_values, fmt, render
from sim.viz.sweeps import frontier_figure, heatmap_figure, timeseries_figure


def sweep_sections(
    results: pd.DataFrame,
    events: pd.DataFrame,
    config: Config,
    manifest: Mapping[str, Any],
    swept: Sequence[str],
    figures: FigureEmbedder,
    seed: int,
    question: Markup,
) -> list[tuple[str, Markup]]:
    """Key findings first (each value of the first swept parameter against the first, on
    shared seeds), then outcomes per value, the frontier, heatmaps and time series."""
    outcomes = run_outcomes(results, [TRUST, "frontier_capability"], [BASE_INNOVATION])
    if not swept:
        bands = {m: group_ci(results, m, "scenario") for m in (BASE_INNOVATION, TRUST)}
        fig = figures.embed(
            timeseries_figure(bands, "scenario", title="Innovation and trust by month"),
            "timeseries",
            "Mean over replicate runs with its 95% CI band.",
            data=pd.concat([b.assign(metric=m) for m, b in bands.items()], ignore_index=True),
        )
        return [("Figures", render("figures.html.j2", figures=[fig]))]
    group, rest = swept[0], list(swept[1:])
    orders = {c: declared_values(manifest, c) for c in swept}
    labels = entity_labels(config)
    findings, tied = contrast_html(
        results, events, config, manifest, swept, orders, figures, seed, question, labels
    )
    est = group_estimates(outcomes, group, [INNOVATION, TRUST], rest, seed=seed)
    wide = est.pivot(index=group, columns="metric", values="mean").reset_index()
    front = [str(wide[group].iloc[i]) for i in pareto_front(wide, INNOVATION, TRUST)]
    order = [v for v in orders[group] if v in set(est[group].astype(str))] or None
    text = _sweep_results_html(est, group, rest, front, order, tied, figures)
    figs = [_frontier(est, group, order, front, figures)]
    figs += _heatmaps(outcomes, group, rest, orders, figures)
    figs.append(_by_month(results, group, rest, order, figures))
    return [
        ("Key findings", findings),
        ("Results", text),
        ("Figures", render("figures.html.j2", figures=figs)),
    ]


def _frontier(
    est: pd.DataFrame,
    group: str,
    order: Sequence[str] | None,
    front: Sequence[str],
    figures: FigureEmbedder,
) -> Markup:
    """The innovation-trust frontier over the values of `group`."""
    return figures.embed(
        frontier_figure(
            est,
            group,
            INNOVATION,
            TRUST,
            title="The innovation-trust frontier",
            order=order,
            front=front,
        ),
        "frontier",
        f"One point per {param_label(group)}: mean innovation and trust with 95% CI whiskers "
        "in both directions; the dashed line joins the efficient ones.",
        data=est,
    )


def _by_month(
    results: pd.DataFrame,
    group: str,
    rest: Sequence[str],
    order: Sequence[str] | None,
    figures: FigureEmbedder,
) -> Markup:
    """Innovation and trust by month per value of `group`, pooled over the other swept
    parameters."""
    bands = {m: group_ci(results, m, group) for m in (BASE_INNOVATION, TRUST)}
    return figures.embed(
        timeseries_figure(
            bands,
            group,
            title=f"Innovation and trust by month, per {param_label(group)}",
            order=order,
        ),
        "timeseries",
        f"Mean over all runs of each {param_label(group)}"
        + (f" (pooled over {', '.join(param_label(c) for c in rest)})" if rest else "")
        + " with its 95% CI band.",
        data=pd.concat([b.assign(metric=m) for m, b in bands.items()], ignore_index=True),
    )


TRUST = "developer_trust"
INNOVATION = f"mean_{BASE_INNOVATION}"
"""Innovation as every report defines it (sim.analysis.names.INNOVATION), averaged over the
months of each run."""


def _sweep_results_html(
    est: pd.DataFrame,
    group: str,
    rest: Sequence[str],
    front: Sequence[str],
    order: Sequence[str] | None,
    tied: Sequence[Sequence[str]],
    figures: FigureEmbedder,
) -> Markup:
    """Innovation and trust per value of the first swept parameter, with their intervals."""
    value = {
        (str(g), str(m)): (float(a), float(lo), float(hi), int(n))
        for g, m, a, lo, hi, n in zip(
            est[group],
            est["metric"],
            est["mean"],
            est["ci_low"],
            est["ci_high"],
            est["n"],
            strict=True,
        )
    }
    groups = list(order or dict.fromkeys(est[group].astype(str)))
    rows = [_outcome_row(value, group, g, front, tied) for g in groups]
    table = figures.table(
        pd.DataFrame(rows), "outcomes", ["innovation", "trust"], pd.DataFrame({"id": groups})
    )
    best_innovation = _best(groups, lambda g: value[g, INNOVATION][0], group, tied)
    best_trust = _best(groups, lambda g: value[g, TRUST][0], group, tied)
    return render(
        "sweep.html.j2",
        group=param_label(group),
        strata=[param_label(c) for c in rest],
        groups=[
            {
                "id": g,
                "label": value_label(group, g),
                "innovation": value[g, INNOVATION][:3],
                "trust": value[g, TRUST][:3],
            }
            for g in groups
        ],
        best_innovation=best_innovation,
        best_trust=best_trust,
        front=[value_label(group, g) for g in front],
        table=table,
    )


def _outcome_row(
    value: Mapping[tuple[str, str], tuple[float, float, float, int]],
    group: str,
    g: str,
    front: Sequence[str],
    tied: Sequence[Sequence[str]],
) -> dict[str, object]:
    """The outcomes table's row of value `g` of `group`: innovation and trust with their
    intervals, runs, whether it is efficient and what it ties with."""
    inn, tru = value[g, INNOVATION], value[g, TRUST]
    return {
        param_label(group): value_label(group, g),
        "innovation": inn[0],
        "innovation CI": f"{fmt(inn[1])} to {fmt(inn[2])}",
        "trust": tru[0],
        "trust CI": f"{fmt(tru[1])} to {fmt(tru[2])}",
        "runs": inn[3],
        "efficient": "yes" if g in front else "",
        "ties with": ", ".join(value_label(group, o) for t in tied if g in t for o in t if o != g),
    }


def _best(
    groups: Sequence[str],
    score: Callable[[str], float],
    group: str,
    tied: Sequence[Sequence[str]],
) -> str:
    """The value with the highest score, with every value it ties with ('a = b')."""
    top = max(groups, key=score)
    same = next((list(t) for t in tied if top in t), [top])
    return " = ".join(value_label(group, g) for g in groups if g in same)


def _heatmaps(
    outcomes: pd.DataFrame,
    group: str,
    rest: Sequence[str],
    orders: Mapping[str, Sequence[str]],
    figures: FigureEmbedder,
) -> list[Markup]:
    """Innovation and trust over the other swept parameters (faceted by the first if there
    are two more)."""
    if not rest:
        return []
    x, y = (rest[0], rest[1]) if len(rest) >= 2 else (rest[0], group)
    facet = group if len(rest) >= 2 else None
    return [
        figures.embed(
            heatmap_figure(
                outcomes,
                x,
                y,
                metric,
                title=f"{what} by {param_label(x)} and {param_label(y)}",
                facet=facet,
                orders=orders,
            ),
            name,
            f"{what}: the mean over replicate runs in each cell"
            + (f", one panel per {param_label(group)}." if facet else "."),
            data=outcomes.groupby([c for c in (facet, y, x) if c], as_index=False)[metric]
            .agg(["mean", "count"])
            .assign(metric=metric),
        )
        for metric, name, what in (
            (INNOVATION, "heatmap_innovation", "Mean downstream innovation"),
            (TRUST, "heatmap_trust", "Final developer trust"),
        )
    ]
