"""A sweep directory as a self-contained HTML report (figures embedded, no external files):
the page itself and its framing sections (status, question, setup, provenance)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import intervention_month
from sim.analysis.kinds import ReportKind
from sim.analysis.names import entity_labels, metric_name, param_label, value_label
from sim.config import Config, EventConfig, EventKind
from sim.experiment.provenance import file_record
from sim.experiment.status import SweepStatus, sweep_status
from sim.experiment.store import atomic_path, load_config, read_manifest, run_files
from sim.experiment.store import load as load_results
from sim.report.designs import discovery_html, sensitivity_html, start_discovery
from sim.report.html import (
    FigureEmbedder,
    declared_values,
    fmt,
    html_table,
    render,
    swept_columns,
)
from sim.report.sections import intervention_words, paired_sections
from sim.report.sweeps import sweep_sections

# --- the HTML report of a sweep ------------------------------------------------------------------

REPORT = "report.html"
FIGURES = "report"
"""Folder beside the default report.html that receives its figures (PNG and SVG): a page
written elsewhere keeps its figures in a folder named after it, beside it."""

Section = tuple[str, Markup]
"""A section of the report: its heading and its rendered body."""


def build_report(
    sweep_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
    n_jobs: int = 1,
) -> Path:
    """Write a self-contained HTML report of a sweep directory and return its path.

    It reads only the directory (manifest, runs, events, provenance, and the design of a
    sensitivity or discovery sweep). An empty, partial or mixed sweep is reported as such,
    with what is complete. Figures are embedded as base64 PNG and also saved as PNG and SVG
    in a folder beside the page named after it (`<sweep_dir>/report/` for the default
    `<sweep_dir>/report.html`), so with `out` elsewhere nothing is written into the sweep.
    The figures are drawn on `n_jobs` worker processes (-1: every core), with the same
    bytes as drawn one by one. Raises FileNotFoundError for a directory without a manifest.
    """
    path = Path(sweep_dir)
    target = Path(out) if out is not None else path / REPORT
    status = sweep_status(path)
    manifest = read_manifest(path)
    sections: list[Section] = [("Status", _status_html(status))]
    figures = FigureEmbedder(target.parent / target.stem, n_jobs=n_jobs)
    try:  # a report that fails part way stops its drawing workers too
        if status.finished == 0:
            sections.append(("Setup", _manifest_html(manifest)))
            title = f"accessrace report: {path.name} (no finished runs)"
        else:
            figures.warm_up()  # while the runs are read
            results = _result_sections(path, manifest, seed, figures)
            # Answer first: a complete sweep's status follows its findings; a partial or mixed
            # one says so before anything else.
            at = 0 if status.partial or status.mixed else 1
            sections = results[:at] + sections + results[at:]
            title = f"accessrace report: {path.name}"
        doc = render(
            "page.html.j2",
            title=title,
            flag=" (PARTIAL)" if status.partial else (" (MIXED)" if status.mixed else ""),
            generated=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
            source=str(path),
            sections=sections,
        )
        page = figures.finish(doc)
    finally:
        figures.close()
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
        tmp.chmod(0o644)
    return target


def _result_sections(
    path: Path, manifest: Mapping[str, Any], seed: int, figures: FigureEmbedder
) -> list[Section]:
    """The sections of a sweep with finished runs, chosen by its kind; figures saved by
    `figures`."""
    kind = ReportKind.of(manifest)
    results = load_results(path)
    treated = results.loc[results["arm"] == "treated", "run_id"]
    first = str(treated.iloc[0]) if len(treated) else str(results["run_id"].iloc[0])
    config = load_config(path, first)
    swept = swept_columns(results, manifest)
    # Answer first: the question, then what the runs found; how they were set up after.
    question = _question_html(kind, config, manifest, swept)
    answers = kind is ReportKind.paired or (kind is ReportKind.sweep and bool(swept))
    sections = [] if answers else [("Question", question)]
    match kind:
        case ReportKind.sensitivity:
            sections.append(("Sensitivity analysis", sensitivity_html(path, figures)))
        case ReportKind.discovery:
            designed = start_discovery(path, figures, results)
            sections.append(("Scenario discovery", discovery_html(designed, figures)))
        case ReportKind.paired:
            # PRIM runs on a worker while the effects are computed here
            discovery = (
                start_discovery(path, figures, results)
                if swept and all(_is_number(v) for v in results[swept[0]].unique())
                else None
            )
            events = load_results(path, "events")
            sections += paired_sections(
                results, events, config, manifest, path, figures, seed, question
            )
            if discovery is not None:
                sections.append(("Scenario discovery", discovery_html(discovery, figures)))
        case ReportKind.sweep:
            events = load_results(path, "events")
            sections += sweep_sections(
                results, events, config, manifest, swept, figures, seed, question
            )
    sections.append(("Setup", _setup_html(results, config, manifest, swept)))
    sections.append(("Provenance", _provenance_html(path)))
    return sections


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


# --- sections ---------------------------------------------------------------------------------


def _status_html(status: SweepStatus) -> Markup:
    planned = "unknown" if status.planned is None else str(status.planned)
    return render("status.html.j2", status=status, planned=planned, messages=status.messages())


def _manifest_html(manifest: Mapping[str, Any]) -> Markup:
    rows = pd.DataFrame(
        [
            {"field": k, "value": json.dumps(v, default=str)}
            for k, v in manifest.items()
            if k not in ("signature",)
        ]
    )
    return render("manifest.html.j2", table=html_table(rows))


def _question_html(
    kind: ReportKind, config: Config, manifest: Mapping[str, Any], swept: Sequence[str]
) -> Markup:
    spec = manifest.get("discovery", {}) if kind is ReportKind.discovery else {}
    words = ""
    if kind is ReportKind.paired:
        kinds = [EventKind(k) for k in manifest["intervention"]]
        month = intervention_month(config, kinds)
        words = intervention_words(config, kinds, month, entity_labels(config))
    return render(
        "question.html.j2",
        kind=kind,
        below=spec.get("below", True),
        metric=metric_name(str(spec.get("metric", "frontier_capability"))),
        words=words,
        swept=[param_label(c) for c in swept],
    )


def _setup_html(
    results: pd.DataFrame, config: Config, manifest: Mapping[str, Any], swept: Sequence[str]
) -> Markup:
    runs = results.drop_duplicates("run_id")
    per_point = runs.groupby("point_id")["replicate"].nunique()
    low, high = int(per_point.min()), int(per_point.max())
    arms = sorted(runs["arm"].astype(str).unique())
    varied = {c.removeprefix("param__") for c in swept}
    return render(
        "setup.html.j2",
        scenario=config.scenario,
        events=[
            Event(e.at, e.kind, [(k, str(v)) for k, v in _event_details(e) if v])
            for e in config.scenario.events
        ],
        policy=None if "policy" in varied else config.policy.name,
        own_policies={n: p.policy for n, p in config.providers.items() if p.policy},
        labs=len(config.labs),
        providers=len(config.providers),
        developers=f"{config.population.n_developers:,}",
        steps=config.steps,
        labs_table=html_table(_labs_frame(config, varied), ["intensity"]),
        providers_table=html_table(_providers_frame(config, varied), ["monitoring"]),
        swept_table=html_table(_swept_frame(runs, manifest, swept)) if swept else None,
        fixed=[
            str(o)
            for o in manifest.get("overrides") or []
            if "," not in str(o) and not str(o).startswith(("sweep.replicate=", "hydra"))
        ],
        runs=runs["run_id"].nunique(),
        points=runs["point_id"].nunique(),
        replicates=str(low) if low == high else f"{low}-{high}",
        arms=arms,
        paired="treated" in arms,
        seeds=sorted(int(s) for s in runs["seed"].unique()),
    )


class Event(NamedTuple):
    at: int
    kind: EventKind
    details: list[tuple[str, str]]


def _event_details(e: EventConfig) -> tuple[tuple[str, object], ...]:
    return (("provider", e.provider), ("lab", e.lab), ("policy", e.policy))


def _swept_frame(
    runs: pd.DataFrame, manifest: Mapping[str, Any], swept: Sequence[str]
) -> pd.DataFrame:
    return pd.DataFrame(
        [
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
    )


SWEPT = "swept (see below)"
"""What the setup tables show for a column the sweep varies, instead of one run's value."""


def _labs_frame(config: Config, varied: set[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "lab": n,
                "name": lab.label or n,
                "openness": lab.openness.value,
                "benchmarking": SWEPT if "benchmarking" in varied else lab.benchmarking.value,
                "intensity": SWEPT if "benchmarking" in varied else lab.intensity,
            }
            for n, lab in config.labs.items()
        ]
    )


def _providers_frame(config: Config, varied: set[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "provider": n,
                "name": p.label or n,
                "owner": p.owner or "(marketplace)",
                "hosts": ", ".join(p.hosts),
                "monitoring": SWEPT if "monitoring" in varied else p.monitoring,
                "policy": SWEPT
                if "policy" in varied and not p.policy
                else p.policy or config.policy.name,
            }
            for n, p in config.providers.items()
        ]
    )


PROVENANCE_KEYS = (
    "accessrace_version",
    "git_commit",
    "git_dirty",
    "mesa_version",
    "numpy_version",
    "python_version",
    "host",
)


def _provenance_html(path: Path) -> Markup:
    seen: dict[str, set[str]] = {k: set() for k in PROVENANCE_KEYS}
    started, finished = [], []
    for f in run_files(path):
        record = file_record(f)  # as verified a moment ago: read once, not again
        if isinstance(record, str):
            continue
        prov = record[1]
        for k in PROVENANCE_KEYS:
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
    return render(
        "provenance.html.j2",
        table=html_table(rows),
        mixed=[k for k, v in seen.items() if len(v) > 1 and k != "host"],
        dirty="True" in seen["git_dirty"],
    )


__all__ = ["build_report"]
