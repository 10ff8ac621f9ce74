"""Result sections of the HTML report for designed sweeps: sensitivity indices (Morris and
Sobol) and scenario discovery (PRIM)."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from sim.analysis.kinds import SensitivityMethod
from sim.analysis.names import display_scale, metric_name
from sim.experiment.store import read_manifest
from sim.report.html import FigureEmbedder, fmt, render
from sim.viz.designs import prim_figure, sensitivity_figure

if TYPE_CHECKING:
    from sim.analysis.discovery import Discovery

METHOD_TITLES = {
    SensitivityMethod.sobol: "Sobol indices",
    SensitivityMethod.morris: "Morris screening",
}
"""Each method's heading and figure title, in the order the report shows them."""

METHOD_CAPTIONS = {
    SensitivityMethod.sobol: "Sobol first-order (S1) and total (ST) indices per parameter and "
    "outcome, with 95% CIs.",
    SensitivityMethod.morris: "Morris mu* (mean absolute elementary effect) and sigma (its "
    "spread: non-linearity and interactions) per parameter and outcome, in the outcome's "
    "units; whiskers on mu* are 95% CIs.",
}


def sensitivity_html(path: Path, figures: FigureEmbedder) -> Markup:
    from sim.analysis.sensitivity import SensitivitySpec, analyze

    result = analyze(path)
    spec = SensitivitySpec.from_dict(read_manifest(path)["sensitivity"])
    ranges = pd.DataFrame(
        [{"parameter": p.path, "low": p.low, "high": p.high} for p in spec.parameters]
    )
    idx = result.indices
    return render(
        "sensitivity.html.j2",
        ranges=figures.table(ranges, "sensitivity_ranges", ["low", "high"]),
        spec=spec,
        used=[(SensitivityMethod(m), u, n) for m, (u, n) in result.used.items()],
        notes=result.notes,
        tops=_top_parameters(idx),
        methods=[
            _method_block(idx, method, figures)
            for method in METHOD_TITLES
            if not idx.empty and (idx["method"] == method).any()
        ],
    )


def _top_parameters(idx: pd.DataFrame) -> list[dict[str, Any]]:
    """Per outcome, the parameter it depends on most: by Sobol's ST if there are Sobol
    indices, else by Morris mu*."""
    from sim.analysis.sensitivity import ranking

    if idx.empty:
        return []
    has_sobol = (idx["method"] == SensitivityMethod.sobol).any()
    method = SensitivityMethod.sobol if has_sobol else SensitivityMethod.morris
    tops = []
    for outcome in dict.fromkeys(idx["outcome"]):
        top = ranking(idx, method, outcome).iloc[0]
        name = metric_name(outcome)
        scale = display_scale(outcome) if method is SensitivityMethod.morris else 1.0
        tops.append(
            {
                **{key: float(top[key]) * scale for key in method.columns},
                "outcome": outcome,
                "parameter": str(top.parameter),
                "name": name[:1].upper() + name[1:],
                "method": method,
            }
        )
    return tops


def _method_block(
    idx: pd.DataFrame, method: SensitivityMethod, figures: FigureEmbedder
) -> dict[str, Any]:
    """One method's heading, index table (by outcome, most influential first) and figure.
    Morris effects are in the outcome's units, so on its shown scale (HHI in points)."""
    sub = idx[idx["method"] == method].copy()
    if method is SensitivityMethod.morris:
        scale = sub["outcome"].map(display_scale)
        for col in [c for c in sub.columns if c.startswith(("mu", "sigma"))]:
            sub[col] = sub[col] * scale
    cols = list(method.columns)
    shown = (
        sub.assign(_o=sub["outcome"].map({o: i for i, o in enumerate(sub["outcome"].unique())}))
        .sort_values(["_o", method.key], ascending=[True, False])[["outcome", "parameter", *cols]]
        .reset_index(drop=True)
    )
    if method is SensitivityMethod.sobol:
        for key in cols:
            shown[key] = [f"{v + 0.0:.3f}".replace("-0.000", "0.000") for v in shown[key]]
    title = METHOD_TITLES[method]
    figure = figures.embed(
        sensitivity_figure(sub, method, title=title),
        f"sensitivity_{method}",
        METHOD_CAPTIONS[method],
        data=sub,
    )
    table = figures.table(shown, f"sensitivity_{method}_indices", cols)
    return {"title": title, "table": table, "figure": figure}


def start_discovery(
    path: Path, figures: FigureEmbedder, results: pd.DataFrame | None = None
) -> Future[Discovery]:
    """Scenario discovery of the sweep in `path` started on the report's workers (its
    library's import and PRIM take seconds that the other sections need not wait for);
    `results` are its time series when already loaded (a paired sweep's report)."""
    from sim.analysis.discovery import discover

    return figures.start(discover, path, results=results)


def discovery_html(pending: Future[Discovery], figures: FigureEmbedder) -> Markup:
    """PRIM's box over the sweep's swept parameters, from :func:`start_discovery`."""
    try:
        found = pending.result()
    except ImportError as err:
        return render("message.html.j2", text=str(err))
    except (ValueError, KeyError) as err:
        return render("message.html.j2", text=f"No scenario discovery: {err}")
    box, frame, case = found.box, found.cases, found.case_words
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
    figure = figures.embed(
        prim_figure(
            frame[list(found.parameters)],
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
        data=frame,
    )
    return render(
        "discovery.html.j2",
        found=found,
        description=box.description(case),
        restrictions=None
        if restrictions.empty
        else figures.table(restrictions, "discovery_restrictions"),
        figure=figure,
    )
