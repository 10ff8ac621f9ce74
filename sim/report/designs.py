"""Result sections of the HTML report for designed sweeps: sensitivity indices (Morris and
Sobol) and scenario discovery (PRIM)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from sim.analysis.names import metric_name
from sim.experiment.store import read_manifest
from sim.report.html import FigureEmbedder, fmt, html_table, tagged
from sim.viz.sweeps import prim_figure, sensitivity_figure


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sensitivity_html(path: Path, figures: FigureEmbedder) -> str:
    from sim.analysis.sensitivity import SensitivitySpec, analyze, ranking

    result = analyze(path)
    spec = SensitivitySpec.from_dict(read_manifest(path)["sensitivity"])
    ranges = pd.DataFrame(
        [{"parameter": p.path, "low": p.low, "high": p.high} for p in spec.parameters]
    )
    used = "; ".join(
        f"{m}: {u} of {n} {'trajectories' if m == 'morris' else 'base samples'}"
        for m, (u, n) in result.used.items()
    )
    parts = [
        "<p>Parameters and their ranges (sampled uniformly):</p>",
        html_table(ranges, ["low", "high"]),
        f"<p>Design: Morris screening ({spec.morris_trajectories} trajectories, "
        f"{spec.morris_levels} levels) and Sobol indices (Saltelli scheme on a scrambled Sobol "
        f"sequence, N = {spec.sobol_samples}, first-order and total), SALib, seed {spec.seed}; "
        f"{spec.replicates} replicate seed(s) per point, the same at every point. Outcomes at "
        f"the final month. Used: {html.escape(used)}. Confidence intervals are 95% bootstrap "
        "intervals (index ± half-width).</p>",
    ]
    parts += [f'<p class="status partial">{html.escape(n)}</p>' for n in result.notes]
    idx = result.indices
    if idx.empty:
        return "".join(parts)
    sentences = []
    for outcome in dict.fromkeys(idx["outcome"]):
        method = "sobol" if "sobol" in set(idx["method"]) else "morris"
        top = ranking(idx, method, outcome).iloc[0]
        param = html.escape(str(top.parameter))
        lead = (
            f'<li data-outcome="{html.escape(outcome)}" data-parameter="{param}">'
            f"{html.escape(_cap(metric_name(outcome)))} depends most on <code>{param}</code>: "
        )
        if method == "sobol":
            sentences.append(
                f"{lead}total Sobol index {tagged(top.ST, 'ST')} [95% CI "
                f"{tagged(top.ST - top.ST_conf, 'ST_low')} to "
                f"{tagged(top.ST + top.ST_conf, 'ST_high')}], "
                f"first-order {tagged(top.S1, 'S1')}.</li>"
            )
        else:
            sentences.append(
                f"{lead}Morris mu* {tagged(top.mu_star, 'mu_star')} ± "
                f"{tagged(top.mu_star_conf, 'mu_star_conf')}.</li>"
            )
    parts.append(f"<ul>{''.join(sentences)}</ul>")
    for method in ("sobol", "morris"):
        sub = idx[idx["method"] == method]
        if sub.empty:
            continue
        cols = (
            ["S1", "S1_conf", "ST", "ST_conf"]
            if method == "sobol"
            else ["mu_star", "mu_star_conf", "mu", "sigma"]
        )
        parts.append(f"<h3>{'Sobol indices' if method == 'sobol' else 'Morris screening'}</h3>")
        key_col = "ST" if method == "sobol" else "mu_star"
        shown = (
            sub.assign(_o=sub["outcome"].map({o: i for i, o in enumerate(sub["outcome"].unique())}))
            .sort_values(["_o", key_col], ascending=[True, False])[["outcome", "parameter", *cols]]
            .reset_index(drop=True)
        )
        if method == "sobol":
            for key in cols:
                shown[key] = [f"{v + 0.0:.3f}".replace("-0.000", "0.000") for v in shown[key]]
        parts.append(html_table(shown, cols))
        parts.append(
            figures.embed(
                sensitivity_figure(
                    idx,
                    method,
                    title="Sobol indices" if method == "sobol" else "Morris screening",
                ),
                f"sensitivity_{method}",
                "Sobol first-order (S1) and total (ST) indices per parameter and outcome, with "
                "95% CIs."
                if method == "sobol"
                else "Morris mu* (mean absolute elementary effect) and sigma (its spread: "
                "non-linearity and interactions) per parameter and outcome, in the outcome's "
                "units; whiskers on mu* are 95% CIs.",
            )
        )
    return "".join(parts)


def discovery_html(path: Path, figures: FigureEmbedder) -> str:
    from sim.analysis.discovery import discover

    try:
        found = discover(path)
    except ImportError as err:
        return f"<p>{html.escape(str(err))}</p>"
    except (ValueError, KeyError) as err:
        return f"<p>No scenario discovery: {html.escape(str(err))}</p>"
    box, frame = found.box, found.cases
    case = found.case_words
    restrictions = pd.DataFrame(
        [
            {
                "parameter": r.parameter,
                "lower limit": "" if r.low is None else fmt(r.low),
                "upper limit": "" if r.high is None else fmt(r.high),
                "values": ", ".join(r.values),
                "quasi-p": fmt(r.qp),
            }
            for r in box.restrictions
        ]
    )
    parts = [
        f"<p>Each pair is a case; a case of interest is one where {html.escape(case)} at "
        f"month {found.step} ({found.months_after} months after the intervention). "
        f"{box.n_cases} of {box.n} pairs are cases of interest (a share of "
        f"{tagged(box.base_rate, 'base_rate')}). PRIM (EMA Workbench) searched "
        f"{len(found.parameters)} parameter(s): {html.escape(', '.join(found.parameters))}.</p>",
        f'<p class="box-description"><strong>{html.escape(box.description(case))}</strong></p>',
        f"<p>Coverage {tagged(box.coverage, 'coverage')}, "
        f"density {tagged(box.density, 'density')}, mass {tagged(box.mass, 'mass')}.</p>",
    ]
    if not restrictions.empty:
        parts.append(html_table(restrictions))
    x = frame[list(found.parameters)]
    parts.append(
        figures.embed(
            prim_figure(
                x,
                frame["case"].to_numpy(),
                box.trajectory,
                box.chosen,
                box.limits,
                title=f"Scenario discovery: where {case}",
                case=case,
            ),
            "discovery",
            "PRIM's peeling trajectory (the chosen box circled) and the cases over the box's "
            "first two restricted parameters.",
        )
    )
    return "".join(parts)
