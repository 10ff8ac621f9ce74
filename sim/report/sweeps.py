"""The report sections of a plain sweep (no intervention): outcomes by sweep point, as tables
and heatmaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import (
    group_ci,
    group_estimates,
    pareto_front,
    run_outcomes,
)
from sim.analysis.names import param_label, value_label
from sim.report.html import FigureEmbedder, declared_values, fmt, html_table, render
from sim.viz.sweeps import frontier_figure, heatmap_figure, timeseries_figure


def sweep_sections(
    results: pd.DataFrame,
    manifest: Mapping[str, Any],
    swept: Sequence[str],
    figures: FigureEmbedder,
    seed: int,
) -> list[tuple[str, Markup]]:
    outcomes = run_outcomes(results, [TRUST, "frontier_capability"], ["downstream_innovation"])
    if not swept:
        bands = {m: group_ci(results, m, "scenario") for m in ("downstream_innovation", TRUST)}
        fig = figures.embed(
            timeseries_figure(bands, "scenario", title="Innovation and trust by month"),
            "timeseries",
            "Mean over replicate runs with its 95% CI band.",
        )
        return [("Figures", render("figures.html.j2", figures=[fig]))]
    group, rest = swept[0], list(swept[1:])
    orders = {c: declared_values(manifest, c) for c in swept}
    est = group_estimates(outcomes, group, [INNOVATION, TRUST], rest, seed=seed)
    wide = est.pivot(index=group, columns="metric", values="mean").reset_index()
    front = [str(wide[group].iloc[i]) for i in pareto_front(wide, INNOVATION, TRUST)]
    order = [v for v in orders[group] if v in set(est[group].astype(str))] or None
    text = _sweep_results_html(est, group, rest, front, order)
    figs = [
        figures.embed(
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
        )
    ]
    figs += _heatmaps(outcomes, group, rest, orders, figures)
    bands = {m: group_ci(results, m, group) for m in ("downstream_innovation", TRUST)}
    figs.append(
        figures.embed(
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
        )
    )
    return [("Results", text), ("Figures", render("figures.html.j2", figures=figs))]


INNOVATION, TRUST = "mean_downstream_innovation", "developer_trust"


def _sweep_results_html(
    est: pd.DataFrame,
    group: str,
    rest: Sequence[str],
    front: Sequence[str],
    order: Sequence[str] | None,
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
    rows = []
    for g in groups:
        inn, tru = value[g, INNOVATION], value[g, TRUST]
        rows.append(
            {
                param_label(group): value_label(group, g),
                "innovation": inn[0],
                "innovation CI": f"{fmt(inn[1])} to {fmt(inn[2])}",
                "trust": tru[0],
                "trust CI": f"{fmt(tru[1])} to {fmt(tru[2])}",
                "runs": inn[3],
                "efficient": "yes" if g in front else "",
            }
        )
    best_innovation = max(groups, key=lambda g: value[g, INNOVATION][0])
    best_trust = max(groups, key=lambda g: value[g, TRUST][0])
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
        best_innovation=value_label(group, best_innovation),
        best_trust=value_label(group, best_trust),
        front=[value_label(group, g) for g in front],
        table=html_table(pd.DataFrame(rows), ["innovation", "trust"]),
    )


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
        )
        for metric, name, what in (
            (INNOVATION, "heatmap_innovation", "Mean downstream innovation"),
            (TRUST, "heatmap_trust", "Final developer trust"),
        )
    ]
