"""Result sections of the HTML report for paired and parameter sweeps: headline effects in
words, the innovation-trust frontier, their tables and figures."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.estimates import (
    effects,
    few_pairs_caveat,
    group_ci,
    group_estimates,
    horizon_effects,
    pair_counts,
    pareto_front,
    run_outcomes,
)
from sim.analysis.history import access_states, lab_trust_at
from sim.analysis.names import metric_name, metric_unit, param_label, value_label
from sim.config import Config, EventKind
from sim.experiment.store import complete_pairs, load_config
from sim.report.html import FigureEmbedder, declared_values, fmt, html_table, tagged
from sim.viz.network import NetworkPanel, network_figure
from sim.viz.sweeps import effects_figure, frontier_figure, heatmap_figure, timeseries_figure


def intervention_words(config: Config, intervention: Sequence[EventKind], at: int) -> str:
    revoke = [
        e
        for e in config.scenario.events
        if e.kind is EventKind.revoke_access and e.kind in intervention
    ]
    if revoke:
        e = revoke[0]
        return f"cutting off {e.lab} ({e.provider} revoking its access at month {at})"
    return f"the {', '.join(k.value for k in intervention)} event at month {at}"


def headline_sentence(row: Any, subject: str) -> str:
    """One effect in words, with its 95% CI; the numbers are tagged for machine checks.

    A clear effect (the interval excludes zero) is given as a magnitude with the direction
    in the verb, its interval as magnitudes too; an unclear one keeps its signs."""
    metric, step, after = str(row.metric), int(row.step), int(row.months_after)
    unit = metric_unit(metric)
    where = f"at month {step} ({after} months after"
    where += f"; {unit}; {int(row.n_pairs)} pairs)" if unit else f"; {int(row.n_pairs)} pairs)"
    attrs = f'data-metric="{html.escape(metric)}" data-step="{step}"'
    name = html.escape(metric_name(metric))
    lead = html.escape(subject[:1].upper() + subject[1:])
    if not (np.isfinite(row.ci_low) and np.isfinite(row.ci_high)):
        return (
            f'<li {attrs} data-verdict="unknown">{lead} changed the {name} by '
            f"{tagged(row.effect, 'effect')} {html.escape(where)}: one pair only, so no "
            "confidence interval.</li>"
        )
    if row.effect == 0 and row.ci_low == 0 and row.ci_high == 0:
        return (
            f'<li {attrs} data-verdict="none">{lead} did not change the {name} at all '
            f"{html.escape(where)}: {tagged(row.effect, 'effect')} [95% CI "
            f"{tagged(row.ci_low, 'low')} to {tagged(row.ci_high, 'high')}]; the treated and "
            "control runs are identical.</li>"
        )
    if row.ci_low <= 0 <= row.ci_high:
        return (
            f'<li {attrs} data-verdict="unclear">{lead} had no clear effect on the {name} '
            f"{html.escape(where)}: {tagged(row.effect, 'effect')} [95% CI "
            f"{tagged(row.ci_low, 'low')} to {tagged(row.ci_high, 'high')}].</li>"
        )
    verb = "raised" if row.effect > 0 else "lowered"
    low, high = sorted((abs(row.ci_low), abs(row.ci_high)))
    return (
        f'<li {attrs} data-verdict="{verb}">{lead} {verb} the {name} by '
        f"{tagged(abs(row.effect), 'effect')} [95% CI {tagged(low, 'low')} to "
        f"{tagged(high, 'high')}] {html.escape(where)}.</li>"
    )


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
) -> list[tuple[str, str]]:
    kinds = [EventKind(k) for k in manifest["intervention"]]
    pairs = complete_pairs(results)
    if pairs.empty:
        return [("Headline effects", "<p>No complete pair has finished yet: no effects.</p>")]
    after = manifest.get("effects_after") or [12, 24, 36]
    table, at = horizon_effects(pairs, config, kinds, after, seed=seed)
    words = intervention_words(config, kinds, at)
    metrics = list(table["metric"].unique())
    steps = sorted(int(step) for step in table["step"].unique())
    point_params = _point_params(pairs)
    longest = table[table["months_after"] == table["months_after"].max()]
    items = []
    for point_id, block in longest.groupby("point_id", sort=False):
        sentences = "".join(headline_sentence(r, _subject(kinds)) for r in block.itertuples())
        label = point_params.get(str(point_id), "")
        head = f"<p>At {html.escape(label)}:</p>" if label and len(point_params) > 1 else ""
        items.append(f'{head}<ul class="headline" data-point="{point_id}">{sentences}</ul>')
    shown = table.assign(point=table["point_id"].map(point_params).fillna(table["point_id"]))
    shown = shown[
        ["metric", "point", "step", "months_after", "effect", "ci_low", "ci_high", "n_pairs"]
    ]
    if shown["point"].nunique() == 1:
        shown = shown.drop(columns="point")
    warning = few_pairs_caveat(int(table["n_pairs"].min()))
    caveat = f'<p class="caveat">{html.escape(warning)}</p>' if warning else ""
    headline = (
        "<p>Effects are treated minus control, averaged over "
        f"{pair_counts(table)} paired replicate(s) that share their seeds, with 95% "
        "percentile bootstrap confidence intervals "
        "(<code>sim.analysis.estimates</code>). At the longest horizon:</p>"
        + caveat
        + "".join(items)
        + "<p>Every horizon:</p>"
        + html_table(shown, ["effect", "ci_low", "ci_high"])
    )
    out = [("Headline effects", headline)]
    single = pairs["point_id"].nunique() == 1
    figs = []
    if single:
        bands = {m: group_ci(pairs, m, "arm") for m in metrics}
        figs.append(
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
            )
        )
        effs = {m: effects(pairs, m, seed=seed) for m in metrics}
        figs.append(
            figures.embed(
                effects_figure(
                    effs,
                    at,
                    title=f"Paired effect of {words}",
                    intervention=f"intervention (month {at})",
                ),
                "effects",
                "Treated minus control by month, with the 95% bootstrap CI band; zero marks no "
                "effect.",
            )
        )
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
    out.append(("Figures", "".join(figs)))
    return out


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


def sweep_sections(
    results: pd.DataFrame,
    manifest: Mapping[str, Any],
    swept: Sequence[str],
    figures: FigureEmbedder,
    seed: int,
) -> list[tuple[str, str]]:
    innovation, trust = "mean_downstream_innovation", "developer_trust"
    outcomes = run_outcomes(results, [trust, "frontier_capability"], ["downstream_innovation"])
    if not swept:
        bands = {m: group_ci(results, m, "scenario") for m in ("downstream_innovation", trust)}
        fig = figures.embed(
            timeseries_figure(bands, "scenario", title="Innovation and trust by month"),
            "timeseries",
            "Mean over replicate runs with its 95% CI band.",
        )
        return [("Figures", fig)]
    group, rest = swept[0], list(swept[1:])
    orders = {c: declared_values(manifest, c) for c in swept}
    est = group_estimates(outcomes, group, [innovation, trust], rest, seed=seed)
    wide = est.pivot(index=group, columns="metric", values="mean").reset_index()
    front = [str(wide[group].iloc[i]) for i in pareto_front(wide, innovation, trust)]
    order = [v for v in orders[group] if v in set(est[group].astype(str))] or None
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
    rows, sentences = [], []
    groups = order or list(dict.fromkeys(est[group].astype(str)))
    for g in groups:
        inn, tru = value[g, innovation], value[g, trust]
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
        sentences.append(
            f'<li data-group="{html.escape(g)}">{html.escape(value_label(group, g))}: mean '
            f"downstream innovation {tagged(inn[0], 'innovation')} [95% CI "
            f"{tagged(inn[1], 'innovation_low')} to {tagged(inn[2], 'innovation_high')}], final "
            f"developer trust {tagged(tru[0], 'trust')} [95% CI {tagged(tru[1], 'trust_low')} to "
            f"{tagged(tru[2], 'trust_high')}].</li>"
        )
    best_inn = max(groups, key=lambda g: value[g, innovation][0])
    best_tru = max(groups, key=lambda g: value[g, trust][0])
    strata = (
        f" averaged with equal weight over {', '.join(param_label(c) for c in rest)}"
        if rest
        else ""
    )
    text = (
        f"<p>Per {html.escape(param_label(group))}{html.escape(strata)} (stratified bootstrap "
        "95% CIs over replicate runs; innovation is downstream innovation averaged over the "
        "months of a run, trust is developers' mean trust at the final month):</p>"
        f"<ul>{''.join(sentences)}</ul>"
        f"<p>Highest innovation: <strong>{html.escape(value_label(group, best_inn))}</strong>; "
        f"highest trust: <strong>{html.escape(value_label(group, best_tru))}</strong>. Not "
        "beaten on both by any other (the efficient frontier): "
        + ", ".join(f"<strong>{html.escape(value_label(group, g))}</strong>" for g in front)
        + ".</p>"
        + html_table(pd.DataFrame(rows), ["innovation", "trust"])
    )
    figs = [
        figures.embed(
            frontier_figure(
                est,
                group,
                innovation,
                trust,
                title="The innovation-trust frontier",
                order=order,
                front=front,
            ),
            "frontier",
            f"One point per {param_label(group)}: mean innovation and trust with 95% CI whiskers "
            "in both directions; the dashed line joins the efficient ones.",
        )
    ]
    if len(rest) >= 1:
        x, y = (rest[0], rest[1]) if len(rest) >= 2 else (rest[0], group)
        facet = group if len(rest) >= 2 else None
        for metric, name, what in (
            (innovation, "heatmap_innovation", "Mean downstream innovation"),
            (trust, "heatmap_trust", "Final developer trust"),
        ):
            figs.append(
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
            )
    bands = {m: group_ci(results, m, group) for m in ("downstream_innovation", trust)}
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
    return [("Results", text), ("Figures", "".join(figs))]
