"""The HTML report of a calibration directory: what the data say about the parameters, how
well the calibrated model fits each target (and which it misses), and the out-of-sample
predictions of both variants. It reads only the directory's files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim.calibration.fit import CALIBRATED, priors
from sim.calibration.observed import not_compared
from sim.calibration.posterior import Posterior
from sim.experiment.store import atomic_path
from sim.report.html import FigureEmbedder, render
from sim.viz.calibration import fit_figure, posterior_figure

REPORT = "report.html"
ATTRIBUTION = (
    "Capability data: Epoch AI, Epoch Capabilities Index (CC BY 4.0), releases to 2025-06; "
    "market shares and switching: Menlo Ventures surveys (2023, 2024, mid-2025); the "
    "sources of every target are named in the fit table and in docs/ODD.md §6.2."
)


def _paragraph(text: str) -> Markup:
    return render("message.html.j2", text=text)


NUMERIC = ["data", "median", "lo90", "hi90"]
PREDICTIONS = (
    ("predictions.csv", "Predictions, scripted restrictions only"),
    ("predictions_strategic.csv", "Predictions, strategic providers alongside"),
)


def build_calibration_report(folder: str | Path) -> Path:
    """Write `<folder>/report.html` from the posterior, fit and predictions files. Every
    table and the data behind each figure can be downloaded from the page as CSV (and are
    written beside it under `<folder>/report/`)."""
    path = Path(folder)
    posterior = Posterior.load(path / "posterior", list(CALIBRATED))
    summary = json.loads((path / "posterior" / "summary.json").read_text())
    fit = pd.read_csv(path / "fit.csv")
    figures = FigureEmbedder(path / "report")
    sections = [
        ("Answer", _paragraph(_answer(fit, posterior, summary))),
        ("Fit", _fit_section(fit, figures)),
        ("Parameters", _parameters_section(posterior, figures)),
    ]
    for name, title in PREDICTIONS:
        if (path / name).is_file():
            table = pd.read_csv(path / name)
            sections.append((title, figures.table(table, Path(name).stem, NUMERIC)))
    sections.append(("Sources", _paragraph(ATTRIBUTION)))
    doc = render(
        "page.html.j2",
        title=f"accessrace calibration: {path.name}",
        flag="",
        generated=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        source=str(path),
        sections=sections,
    )
    target = path / REPORT
    with atomic_path(target) as tmp:
        tmp.write_text(doc, encoding="utf-8")
        tmp.chmod(0o644)
    return target


def _answer(fit: pd.DataFrame, posterior: Posterior, summary: dict[str, Any]) -> str:
    missed = fit.loc[~fit["inside"], "target"].tolist()
    history = summary.get("history") or []
    last = history[-1] if history else {}
    return (
        f"The history world was calibrated to {len(fit)} targets by ABC-SMC: "
        f"{len(history)} generations, {summary.get('n_simulations', '?')} simulations, final "
        f"tolerance {last.get('epsilon', float('nan')):.3g} (a typical miss in units of the "
        f"targets' scales), effective sample size {posterior.ess:.0f}. The data fall inside "
        f"the model's 90% band for {int(fit['inside'].sum())} of {len(fit)} targets; the "
        f"model misses {', '.join(missed) if missed else 'none'}."
    )


def _fit_section(fit: pd.DataFrame, figures: FigureEmbedder) -> Markup:
    shown = fit[["target", "data", "median", "lo90", "hi90", "inside", "source"]]
    not_shown = fit[[c for c in fit.columns if c not in shown.columns]]
    return Markup("").join(
        [
            figures.table(shown, "fit", NUMERIC, extra=not_shown),
            figures.embed(
                fit_figure(fit),
                "fit_figure",
                "Each target's data (the zero line) against the model's median and 90% "
                "band over posterior draws and seeds, in units of the target's scale.",
                data=fit,
            ),
            _paragraph(
                "Not compared: "
                + "; ".join(f"{k}: {why}" for k, why in not_compared().items())
                + "."
            ),
        ]
    )


def _parameters_section(posterior: Posterior, figures: FigureEmbedder) -> Markup:
    prior_sd = {p.name: p.sd for p in priors()}
    mean, sd = posterior.mean(), posterior.sd()
    params = pd.DataFrame(
        {
            "parameter": list(CALIBRATED),
            "posterior mean": [mean[n] for n in CALIBRATED],
            "posterior sd": [sd[n] for n in CALIBRATED],
            "prior sd": [prior_sd[n] for n in CALIBRATED],
            "sd ratio": [sd[n] / prior_sd[n] for n in CALIBRATED],
        }
    )
    numeric = ["posterior mean", "posterior sd", "prior sd", "sd ratio"]
    return Markup("").join(
        [
            figures.table(params, "parameters", numeric),
            figures.embed(
                posterior_figure(posterior, priors()),
                "posterior",
                "Weighted posterior particles of each calibrated parameter, over its "
                "whole prior range: a flat histogram means the data say little.",
                data=posterior.particles,
            ),
        ]
    )
