"""A sweep directory as a self-contained HTML report (figures embedded, no external files):
the page itself and its framing sections (status, question, setup, provenance)."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.estimates import intervention_month
from sim.analysis.names import metric_name, param_label, value_label
from sim.config import Config, EventKind
from sim.experiment.store import (
    SweepStatus,
    atomic_path,
    load_config,
    read_manifest,
    read_provenance,
    run_files,
    sweep_status,
)
from sim.experiment.store import load as load_results
from sim.report.designs import discovery_html, sensitivity_html
from sim.report.html import CSS, FigureEmbedder, declared_values, fmt, html_table, swept_columns
from sim.report.sections import intervention_words, paired_sections, sweep_sections

# --- the HTML report of a sweep ------------------------------------------------------------------

REPORT = "report.html"
FIGURES = "report"
"""Folder of the sweep directory that receives the report's figures (PNG and SVG)."""


def build_report(
    sweep_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *, seed: int = 0
) -> Path:
    """Write a self-contained HTML report of a sweep directory and return its path.

    It reads only the directory (manifest, runs, events, provenance, and the design of a
    sensitivity or discovery sweep). An empty, partial or mixed sweep is reported as such,
    with what is complete. Figures are embedded as base64 PNG and also saved as PNG and SVG
    in `<sweep_dir>/report/`. Raises FileNotFoundError for a directory without a manifest.
    """
    path = Path(sweep_dir)
    status = sweep_status(path)
    manifest = read_manifest(path)
    figures = FigureEmbedder(path / FIGURES)
    kind = str(manifest.get("kind") or ("paired" if manifest.get("intervention") else "sweep"))
    sections: list[tuple[str, str]] = [("Status", _status_html(status))]
    if status.finished == 0:
        sections.append(("Setup", _manifest_html(manifest)))
        title = f"accessrace report: {path.name} (no finished runs)"
    else:
        results = load_results(path)
        events = load_results(path, "events")
        treated = results.loc[results["arm"] == "treated", "run_id"]
        first = str(treated.iloc[0]) if len(treated) else str(results["run_id"].iloc[0])
        config = load_config(path, first)
        swept = swept_columns(results, manifest)
        title = f"accessrace report: {path.name}"
        sections.append(("Question", _question_html(kind, config, manifest, swept)))
        sections.append(("Setup", _setup_html(results, config, manifest, swept)))
        if kind == "sensitivity":
            sections.append(("Sensitivity analysis", sensitivity_html(path, figures)))
        elif kind == "discovery":
            sections.append(("Scenario discovery", discovery_html(path, figures)))
        elif kind == "paired":
            sections += paired_sections(results, events, config, manifest, path, figures, seed)
            if swept and all(_is_number(v) for v in results[swept[0]].unique()):
                sections.append(("Scenario discovery", discovery_html(path, figures)))
        else:
            sections += sweep_sections(results, manifest, swept, figures, seed)
        sections.append(("Provenance", _provenance_html(path)))
    body = "".join(
        f'<section id="{html.escape(name.lower().replace(" ", "-"))}"><h2>{html.escape(name)}'
        f"</h2>{content}</section>"
        for name, content in sections
    )
    partial = " (PARTIAL)" if status.partial else (" (MIXED)" if status.mixed else "")
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title + partial)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}{html.escape(partial)}</h1>"
        f'<p class="muted">Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from '
        f"<code>{html.escape(str(path))}</code>.</p>{body}</body></html>\n"
    )
    target = Path(out) if out is not None else path / REPORT
    with atomic_path(target) as tmp:
        tmp.write_text(doc, encoding="utf-8")
        tmp.chmod(0o644)
    return target


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


# --- sections ---------------------------------------------------------------------------------


def _status_html(status: SweepStatus) -> str:
    planned = "unknown" if status.planned is None else str(status.planned)
    flags = f'data-partial="{str(status.partial).lower()}" data-mixed="{str(status.mixed).lower()}"'
    if not (status.partial or status.mixed):
        return (
            f'<p class="status" {flags}>Complete: all {status.finished} planned runs have '
            "finished.</p>"
        )
    items = "".join(f"<li>{html.escape(m)}</li>" for m in status.messages())
    head = (
        f"<strong>Partial results.</strong> {status.finished} of {planned} planned runs have "
        "finished. Everything below uses only the finished runs."
        if status.partial
        else f"<strong>Mixed sweep.</strong> All {status.finished} planned runs have finished, "
        "but they are not all of one kind."
    )
    return f'<div class="status partial" {flags}><p>{head}</p><ul>{items}</ul></div>'


def _manifest_html(manifest: Mapping[str, Any]) -> str:
    rows = pd.DataFrame(
        [
            {"field": k, "value": json.dumps(v, default=str)}
            for k, v in manifest.items()
            if k not in ("signature",)
        ]
    )
    return "<p>What the sweep was asked to do (its manifest):</p>" + html_table(rows)


def _question_html(
    kind: str, config: Config, manifest: Mapping[str, Any], swept: Sequence[str]
) -> str:
    if kind == "sensitivity":
        q = "Which parameters move the headline outcomes most, alone and through interactions?"
    elif kind == "discovery":
        spec = manifest.get("discovery", {})
        q = (
            "Where in parameter space does the intervention "
            f"{'lower' if spec.get('below', True) else 'raise'} "
            f"{metric_name(str(spec.get('metric', 'frontier_capability')))}?"
        )
    elif kind == "paired":
        kinds = [EventKind(k) for k in manifest["intervention"]]
        at = intervention_month(config, kinds)
        q = (
            f"What does {intervention_words(config, kinds, at)} do to innovation and trust, "
            "compared with the same world (same seeds) without it?"
        )
    elif swept:
        names = ", ".join(param_label(c) for c in swept)
        q = f"How do innovation and trust change across {names}?"
    else:
        q = "What happens in this scenario, across replicate seeds?"
    return f"<p>{html.escape(q)}</p>"


def _setup_html(
    results: pd.DataFrame, config: Config, manifest: Mapping[str, Any], swept: Sequence[str]
) -> str:
    sc = config.scenario
    events = "".join(
        f"<li>month {e.at}: {html.escape(e.kind.value)}"
        + "".join(
            f", {k} {html.escape(str(v))}"
            for k, v in (("provider", e.provider), ("lab", e.lab), ("policy", e.policy))
            if v
        )
        + "</li>"
        for e in sc.events
    )
    own = {n: p.policy for n, p in config.providers.items() if p.policy}
    policies = f"default policy <code>{html.escape(config.policy.name)}</code>"
    if own:
        policies += "; " + ", ".join(f"{html.escape(n)}: {html.escape(p)}" for n, p in own.items())
    runs = results.drop_duplicates("run_id")
    points = runs["point_id"].nunique()
    per_point = runs.groupby("point_id")["replicate"].nunique()
    seeds = sorted(int(s) for s in runs["seed"].unique())
    low, high = int(per_point.min()), int(per_point.max())
    reps = str(low) if low == high else f"{low}-{high}"
    sweep_rows = [
        {
            "parameter": c.removeprefix("param__"),
            "meaning": param_label(c),
            "values": ", ".join(
                value_label(c, v)
                for v in (declared_values(manifest, c) or sorted(runs[c].astype(str).unique()))
            )
            if runs[c].nunique() <= 12
            else f"{runs[c].nunique()} sampled values in "
            f"[{fmt(pd.to_numeric(runs[c]).min())}, {fmt(pd.to_numeric(runs[c]).max())}]",
        }
        for c in swept
    ]
    labs = pd.DataFrame(
        [
            {
                "lab": n,
                "openness": lab.openness.value,
                "benchmarking": lab.benchmarking.value,
                "intensity": lab.intensity,
            }
            for n, lab in config.labs.items()
        ]
    )
    providers = pd.DataFrame(
        [
            {
                "provider": n,
                "owner": p.owner or "(marketplace)",
                "hosts": ", ".join(p.hosts),
                "monitoring": p.monitoring,
                "policy": p.policy or config.policy.name,
            }
            for n, p in config.providers.items()
        ]
    )
    fixed = [
        o
        for o in manifest.get("overrides") or []
        if "," not in str(o) and not str(o).startswith(("sweep.replicate=", "hydra"))
    ]
    parts = [
        f"<p><strong>Scenario</strong> <code>{html.escape(sc.name)}</code>: "
        f"{html.escape(sc.description)}</p>",
        f"<ul>{events}</ul>" if events else "<p>No scheduled events.</p>",
        f"<p><strong>Access policies</strong>: {policies}.</p>",
        f"<p><strong>World</strong>: {len(config.labs)} labs, {len(config.providers)} providers, "
        f"{config.population.n_developers:,} developers, {config.steps} months"
        + (" (values of the first run; swept parameters vary below)" if swept else "")
        + ".</p>",
        html_table(labs, ["intensity"]),
        html_table(providers, ["monitoring"]),
    ]
    if sweep_rows:
        parts.append(
            "<p><strong>Swept parameters</strong>:</p>" + html_table(pd.DataFrame(sweep_rows))
        )
    if fixed:
        parts.append(
            "<p><strong>Fixed overrides</strong>: "
            + ", ".join(f"<code>{html.escape(str(o))}</code>" for o in fixed)
            + "</p>"
        )
    arms = ", ".join(sorted(runs["arm"].astype(str).unique()))
    parts.append(
        f"<p><strong>Replicates</strong>: {runs['run_id'].nunique()} runs at {points} parameter "
        f"point(s), {reps} replicate seed(s) per point "
        f"(arms: {html.escape(arms)}). Seeds are spawned from <code>SeedSequence(seed)</code>"
        + (
            "; the two arms of a pair share theirs (common random numbers).</p>"
            if "treated" in arms
            else ".</p>"
        )
        + f"<details><summary>{len(seeds)} distinct seeds</summary><p>"
        + ", ".join(str(s) for s in seeds)
        + "</p></details>"
    )
    return "".join(parts)


def _provenance_html(path: Path) -> str:
    keys = (
        "accessrace_version",
        "git_commit",
        "git_dirty",
        "mesa_version",
        "numpy_version",
        "python_version",
        "host",
    )
    seen: dict[str, set[str]] = {k: set() for k in keys}
    started, finished = [], []
    for f in run_files(path):
        prov = read_provenance(f)
        for k in keys:
            seen[k].add(str(prov.get(k)))
        started.append(str(prov.get("started")))
        finished.append(str(prov.get("finished")))
    rows = pd.DataFrame(
        [{"field": k, "value": ", ".join(sorted(v))} for k, v in seen.items()]
        + [
            {"field": "first run started", "value": min(started) if started else ""},
            {"field": "last run finished", "value": max(finished) if finished else ""},
            {"field": "runs", "value": str(len(started))},
        ]
    )
    mixed = [k for k, v in seen.items() if len(v) > 1 and k != "host"]
    warn = (
        f'<p class="status partial">The runs come from more than one {", ".join(mixed)}.</p>'
        if mixed
        else ""
    )
    if "True" in seen["git_dirty"]:
        warn += (
            '<p class="status partial">Some runs were made from a source tree with uncommitted '
            "changes or files git does not track: their git commit alone may not reproduce "
            "them.</p>"
        )
    return (
        "<p>From every run's provenance (Parquet metadata, "
        "<code>sim.results.read_provenance</code>):</p>" + html_table(rows) + warn
    )


__all__ = ["build_report"]
