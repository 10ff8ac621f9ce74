"""Plain-language summaries of results: one run for the command line, and a sweep
directory as a self-contained HTML report (figures embedded, no external files)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import (
    SweepStatus,
    access_states,
    effect_table,
    effects,
    few_pairs_caveat,
    group_ci,
    group_estimates,
    headline_metrics,
    intervention_month,
    lab_trust_at,
    pareto_front,
    run_outcomes,
    sweep_status,
)
from sim.config import Config, EventKind
from sim.plots import (
    NetworkPanel,
    effects_figure,
    frontier_figure,
    heatmap_figure,
    metric_name,
    metric_unit,
    network_figure,
    param_label,
    prim_figure,
    save_figure,
    sensitivity_figure,
    timeseries_figure,
    value_label,
)
from sim.results import atomic_path, load_config, read_manifest, read_provenance, run_files
from sim.results import load as load_results
from sim.run import Result


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def summarize(result: Result, max_events: int = 5) -> str:
    """A few sentences on what happened in one run, in plain words."""
    ts, ev, cfg = result.timeseries, result.events, result.config
    first, last = ts.iloc[0], ts.iloc[-1]
    lines = [
        f"Scenario {cfg.scenario.name}: {len(cfg.labs)} labs, {len(cfg.providers)} providers, "
        f"{cfg.population.n_developers:,} developers, {cfg.steps} months, seed {cfg.seed}."
    ]
    revs = ev[ev["kind"] == "revocation"]
    if revs.empty:
        lines.append("No provider revoked any lab's access.")
    else:
        shown = [
            f"month {r.step}: {r.actor} revoked {r.target} ({r.reason})"
            for r in revs.head(max_events).itertuples()
        ]
        more = f"; and {len(revs) - max_events} more" if len(revs) > max_events else ""
        lines.append("Revocations - " + "; ".join(shown) + more + ".")
    lines.append(
        f"Frontier capability (mean over domains) grew from {first.frontier_capability:.2f} "
        f"to {last.frontier_capability:.2f}; downstream innovation (quality developers build "
        f"with) from {first.downstream_innovation:.2f} to {last.downstream_innovation:.2f}."
    )
    if not revs.empty:
        r = revs.iloc[0]
        before = ts[ts["step"] == max(int(r.step) - 1, 0)].iloc[0]
        target, actor = str(r.target), str(r.actor)
        caps = {
            c.removeprefix("capability__"): last[c]
            for c in ts.columns
            if c.startswith("capability__") and c.count("__") == 1
        }
        rank = sorted(caps, key=lambda k: -caps[k]).index(target) + 1
        lines.append(
            f"The revoked lab {target} went from capability {before[f'capability__{target}']:.2f} "
            f"just before the first cutoff to {last[f'capability__{target}']:.2f} at the end "
            f"(rank {rank} of {len(caps)})."
        )
        trust = ts[f"trust__{actor}"]
        after = ts[ts["step"] >= r.step]
        low = after.loc[after[f"trust__{actor}"].idxmin()]
        lines.append(
            f"Developer trust in {actor} was {before[f'trust__{actor}']:.2f} before it, fell "
            f"to {low[f'trust__{actor}']:.2f} by month {int(low.step)} and ended at "
            f"{trust.iloc[-1]:.2f}."
        )
    lines.append(
        f"Developers on open weights: {_pct(first.open_weights_share)} at the start, "
        f"{_pct(last.open_weights_share)} at the end; API market concentration (HHI) "
        f"{first.hhi:.2f} -> {last.hhi:.2f}."
    )
    counts = ev["kind"].value_counts()
    lines.append(
        f"Over the run: {counts.get('detection', 0)} detections, {counts.get('warning', 0)} "
        f"warnings, {counts.get('throttle', 0)} throttles, {len(revs)} revocations, "
        f"{counts.get('retaliation', 0)} retaliations, {counts.get('reinstatement', 0)} "
        "reinstatements."
    )
    return "\n".join(lines)


# --- the HTML report of a sweep ------------------------------------------------------------------

REPORT = "report.html"
FIGURES = "report"
"""Folder of the sweep directory that receives the report's figures (PNG and SVG)."""

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; text-align: left; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
.status { padding: 0.8rem 1rem; border-left: 6px solid #009E73; background: #eef8f4; }
.status.partial { border-left-color: #D55E00; background: #fbefe8; }
.caveat { padding: 0.5rem 1rem; border-left: 6px solid #E69F00; background: #fdf5e6; }
code { background: #f4f4f4; padding: 0 0.2rem; } .muted { color: #666; }
"""


def fmt(x: float, digits: int = 3) -> str:
    """A number with `digits` significant digits in fixed-point notation (no exponent)."""
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = int(max(0, min(10, digits - 1 - int(np.floor(np.log10(abs(x)))))))
    return f"{x:.{decimals}f}"


def _num(x: float, role: str) -> str:
    return f'<span class="num" data-role="{role}">{fmt(x)}</span>'


def _table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, record, strict=True):
            if col in numeric and isinstance(value, float | np.floating):
                cells.append(f'<td class="n">{fmt(float(value))}</td>')
            elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
                cells.append(f'<td class="n">{html.escape(str(value))}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass
class _Figures:
    """Saves each figure as PNG and SVG under the sweep's report folder and embeds the PNG."""

    folder: Path
    saved: list[Path] = field(default_factory=list)

    def embed(self, fig: Figure, name: str, caption: str) -> str:
        png, svg = save_figure(fig, self.folder / name)
        self.saved += [png, svg]
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return (
            f'<figure id="fig-{name}"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)} '
            f'<span class="muted">(also {html.escape(svg.name)} and {html.escape(png.name)} in '
            f"{html.escape(self.folder.name)}/)</span></figcaption></figure>"
        )


def swept_columns(results: pd.DataFrame, manifest: Mapping[str, Any]) -> list[str]:
    """Parameter columns that vary across runs, in the order the sweep declared them."""
    varying = [c for c in results.columns if c.startswith("param__") and results[c].nunique() > 1]
    declared = [str(o).partition("=")[0].lstrip("+~") for o in manifest.get("overrides") or []]
    rank = {f"param__{k}": i for i, k in enumerate(declared)}
    return sorted(varying, key=lambda c: (rank.get(c, len(rank)), c))


def declared_values(manifest: Mapping[str, Any], column: str) -> list[str]:
    """The values of a swept parameter in the order the sweep listed them (for axes); the
    last listing wins, as a command-line override wins over the experiment's."""
    key = column.removeprefix("param__")
    found: list[str] = []
    for o in manifest.get("overrides") or []:
        name, _, values = str(o).lstrip("+~").partition("=")
        if name == key and "(" not in values:
            found = [v.strip() for v in values.split(",")]
    return found


def _intervention_words(config: Config, intervention: Sequence[EventKind], at: int) -> str:
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
            f"{_num(row.effect, 'effect')} {html.escape(where)}: one pair only, so no "
            "confidence interval.</li>"
        )
    if row.effect == 0 and row.ci_low == 0 and row.ci_high == 0:
        return (
            f'<li {attrs} data-verdict="none">{lead} did not change the {name} at all '
            f"{html.escape(where)}: {_num(row.effect, 'effect')} [95% CI "
            f"{_num(row.ci_low, 'low')} to {_num(row.ci_high, 'high')}]; the treated and "
            "control runs are identical.</li>"
        )
    if row.ci_low <= 0 <= row.ci_high:
        return (
            f'<li {attrs} data-verdict="unclear">{lead} had no clear effect on the {name} '
            f"{html.escape(where)}: {_num(row.effect, 'effect')} [95% CI "
            f"{_num(row.ci_low, 'low')} to {_num(row.ci_high, 'high')}].</li>"
        )
    verb = "raised" if row.effect > 0 else "lowered"
    low, high = sorted((abs(row.ci_low), abs(row.ci_high)))
    return (
        f'<li {attrs} data-verdict="{verb}">{lead} {verb} the {name} by '
        f"{_num(abs(row.effect), 'effect')} [95% CI {_num(low, 'low')} to "
        f"{_num(high, 'high')}] {html.escape(where)}.</li>"
    )


def _subject(intervention: Sequence[EventKind]) -> str:
    """How the sentences name the intervention: 'the cutoff' for a revocation."""
    if EventKind.revoke_access in intervention:
        return "the cutoff"
    return "the intervention"


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
    figures = _Figures(path / FIGURES)
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
            sections.append(("Sensitivity analysis", _sensitivity_html(path, figures)))
        elif kind == "discovery":
            sections.append(("Scenario discovery", _discovery_html(path, figures)))
        elif kind == "paired":
            sections += _paired_sections(results, events, config, manifest, path, figures, seed)
            if swept and all(_is_number(v) for v in results[swept[0]].unique()):
                sections.append(("Scenario discovery", _discovery_html(path, figures)))
        else:
            sections += _sweep_sections(results, manifest, swept, figures, seed)
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


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    return "<p>What the sweep was asked to do (its manifest):</p>" + _table(rows)


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
            f"What does {_intervention_words(config, kinds, at)} do to innovation and trust, "
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
        _table(labs, ["intensity"]),
        _table(providers, ["monitoring"]),
    ]
    if sweep_rows:
        parts.append("<p><strong>Swept parameters</strong>:</p>" + _table(pd.DataFrame(sweep_rows)))
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


def _paired_sections(
    results: pd.DataFrame,
    events: pd.DataFrame,
    config: Config,
    manifest: Mapping[str, Any],
    path: Path,
    figures: _Figures,
    seed: int,
) -> list[tuple[str, str]]:
    kinds = [EventKind(k) for k in manifest["intervention"]]
    at = intervention_month(config, kinds)
    words = _intervention_words(config, kinds, at)
    after = [a for a in manifest.get("effects_after") or [12, 24, 36] if at + a <= config.steps]
    steps = [at + a for a in after] or [config.steps]
    metrics = [m for m in headline_metrics(config, kinds) if m in results.columns]
    pairs = results[results["arm"].isin(["treated", "control"])]
    complete = pairs.groupby("pair_id")["arm"].transform("nunique") == 2
    pairs = pairs[complete]
    if pairs.empty:
        return [("Headline effects", "<p>No complete pair has finished yet: no effects.</p>")]
    table = effect_table(pairs, metrics, steps, seed=seed)
    table.insert(3, "months_after", table["step"] - at)
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
    n = int(table["n_pairs"].max())
    warning = few_pairs_caveat(n)
    caveat = f'<p class="caveat">{html.escape(warning)}</p>' if warning else ""
    headline = (
        f"<p>Effects are treated minus control, averaged over {n} paired replicate(s) that share "
        "their seeds, with 95% percentile bootstrap confidence intervals "
        "(<code>sim.analysis.effects</code>). At the longest horizon:</p>"
        + caveat
        + "".join(items)
        + "<p>Every horizon:</p>"
        + _table(shown, ["effect", "ci_low", "ci_high"])
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


def _sweep_sections(
    results: pd.DataFrame,
    manifest: Mapping[str, Any],
    swept: Sequence[str],
    figures: _Figures,
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
            f"downstream innovation {_num(inn[0], 'innovation')} [95% CI "
            f"{_num(inn[1], 'innovation_low')} to {_num(inn[2], 'innovation_high')}], final "
            f"developer trust {_num(tru[0], 'trust')} [95% CI {_num(tru[1], 'trust_low')} to "
            f"{_num(tru[2], 'trust_high')}].</li>"
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
        + _table(pd.DataFrame(rows), ["innovation", "trust"])
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


def _sensitivity_html(path: Path, figures: _Figures) -> str:
    from sim.sensitivity import SensitivitySpec, analyze, ranking

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
        _table(ranges, ["low", "high"]),
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
                f"{lead}total Sobol index {_num(top.ST, 'ST')} [95% CI "
                f"{_num(top.ST - top.ST_conf, 'ST_low')} to "
                f"{_num(top.ST + top.ST_conf, 'ST_high')}], first-order {_num(top.S1, 'S1')}.</li>"
            )
        else:
            sentences.append(
                f"{lead}Morris mu* {_num(top.mu_star, 'mu_star')} ± "
                f"{_num(top.mu_star_conf, 'mu_star_conf')}.</li>"
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
        parts.append(_table(shown, cols))
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


def _discovery_html(path: Path, figures: _Figures) -> str:
    from sim.discovery import discover

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
        f"{_num(box.base_rate, 'base_rate')}). PRIM (EMA Workbench) searched "
        f"{len(found.parameters)} parameter(s): {html.escape(', '.join(found.parameters))}.</p>",
        f'<p class="box-description"><strong>{html.escape(box.description(case))}</strong></p>',
        f"<p>Coverage {_num(box.coverage, 'coverage')}, density {_num(box.density, 'density')}, "
        f"mass {_num(box.mass, 'mass')}.</p>",
    ]
    if not restrictions.empty:
        parts.append(_table(restrictions))
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
            "changes: their git commit alone does not reproduce them.</p>"
        )
    return (
        "<p>From every run's provenance (Parquet metadata, "
        "<code>sim.results.read_provenance</code>):</p>" + _table(rows) + warn
    )


__all__ = ["build_report", "fmt", "summarize"]
