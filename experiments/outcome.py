"""What a finished sweep says: its effect table in words (written to effects.csv, pooled
over posterior draws where the sweep has them) and its HTML report. Used at the end of a
command-line sweep and by `accessrace-effects`."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import Config, EventKind
from sim.experiment.store import (
    Arm,
    atomic_path,
    read_manifest,
    shared_reads,
)
from sim.experiment.store import load as load_results

EFFECTS_CSV = "effects.csv"
"""The effect table a paired sweep writes at its end (queries print theirs, writing nothing)."""
DOSE_CSV = "effects_by_untold.csv"
"""A posterior sweep's effects as lines in the parameters the data cannot tell, beside
effects.csv."""


def effects_or_warning(sweep_dir: Path) -> str:
    """The sweep's effect table, also written to its effects.csv; a failure to write (a
    full disk) is a warning below the table, never a traceback."""
    try:
        return report_effects(sweep_dir, csv=sweep_dir / EFFECTS_CSV)
    except OSError as err:
        return (
            f"{report_effects(sweep_dir)}\n\naccessrace: warning: {EFFECTS_CSV} not written: "
            f"{err.strerror or err}"
        )


def write_report(sweep_dir: Path) -> Path | None:
    """Write the sweep's HTML report and print where; a failure to report is a warning, never
    a failed sweep (the runs are safe in the store)."""
    from sim.report.build import build_report

    try:
        path = build_report(sweep_dir, n_jobs=-1)
    except Exception as err:  # the report is a by-product: keep the sweep's exit status
        print(
            f"accessrace: warning: no report for {sweep_dir}: {type(err).__name__}: {err}",
            file=sys.stderr,
            flush=True,
        )
        return None
    print(f"[accessrace] report: {path}", flush=True)
    return path


def conclude(sweep_dir: Path, effects: bool) -> None:
    """The end of a finished sweep: its effect table when `effects` (a paired sweep), then
    its report and where it is. Both read the runs once (sim.experiment.store.shared_reads).
    (Computing the table on a thread while the report is built was measured slower, by
    ~0.7 s of the archetype's ~9 s: the two contend for the interpreter.)"""
    with shared_reads():
        if effects:
            print()
            print(effects_or_warning(sweep_dir), flush=True)
        write_report(sweep_dir)


def report_effects(
    sweep_dir: Path,
    after: list[int] | None = None,
    metrics: list[str] | None = None,
    seed: int = 0,
    csv: Path | None = None,
) -> str:
    """The effect table of a paired sweep as text; with `csv`, also written there (the
    sweep writes its own ``effects.csv``; a query writes nothing).

    `after` defaults to the sweep's `effects_after` (horizons beyond the runs dropped);
    given, each must lie within the runs. `metrics` defaults to the headline outcomes.
    Raises ValueError for a sweep without pairs, a horizon outside the runs or a metric
    that is not an outcome, and KeyError for a metric the results lack.
    """
    from sim.analysis.estimates import horizon_effects
    from sim.experiment.store import load_config

    manifest = read_manifest(sweep_dir)
    intervention = [EventKind(k) for k in manifest["intervention"]]
    if not intervention:
        raise ValueError(f"{sweep_dir} declares no intervention, so it holds no paired runs")
    results = load_results(sweep_dir)
    treated = results.loc[results["arm"] == Arm.treated, "run_id"]
    if treated.empty:
        raise ValueError(f"{sweep_dir} holds no finished treated run yet")
    config = load_config(sweep_dir, str(treated.iloc[0]))
    strict = bool(after)
    after = after or list(manifest["effects_after"])
    if manifest.get("posterior"):
        from sim.analysis.uncertainty import horizon_pooled_effects

        pooled, at = horizon_pooled_effects(
            results, config, intervention, after, metrics, seed=seed
        )
        curves = untold_curves(results, config, intervention, [max(after)], metrics, seed)
        if csv is not None:
            with atomic_path(csv) as tmp:
                pooled.to_csv(tmp, index=False)
            with atomic_path(csv.with_name(DOSE_CSV)) as tmp:
                curves.to_csv(tmp, index=False)
        text = format_pooled_effects(pooled, at, [k.value for k in intervention])
        return text + "\n\n" + format_curves(curves) if not curves.empty else text
    table, at = horizon_effects(
        results, config, intervention, after, metrics, seed=seed, strict=strict
    )
    if csv is not None:
        with atomic_path(csv) as tmp:
            table.to_csv(tmp, index=False)
    return format_effects(table, at, [k.value for k in intervention])


def untold_curves(
    results: pd.DataFrame,
    config: Config,
    intervention: list[EventKind],
    after: list[int],
    metrics: list[str] | None,
    seed: int,
) -> pd.DataFrame:
    """Each effect as a line in every parameter the data cannot tell (propagated from its
    prior: `sim.calibration.fit.PROPAGATED`), at the horizons `after`; empty when the
    runs do not record one."""
    from sim.analysis.uncertainty import DOSE_COLUMNS, dose_response
    from sim.calibration.fit import PROPAGATED, priors

    frames = [
        dose_response(
            results, config, intervention, after, p.name, (p.low, p.high), metrics, seed=seed
        )
        for p in priors(PROPAGATED)
        if f"param__{p.name}" in results.columns
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=DOSE_COLUMNS)


def format_curves(curves: pd.DataFrame) -> str:
    """What the data cannot tell, in a table: each effect at both ends of the parameter's
    prior range, with 95% intervals over the draws."""
    lines = []
    for parameter, table in curves.groupby("parameter", sort=False):
        first = table.iloc[0]
        lines += [
            f"The data cannot tell {parameter} (drawn from its prior, {first.low:g} to "
            f"{first.high:g}); each effect {int(first.months_after)} months after, as a line "
            f"in it over {int(first.n_draws)} draws:",
            "",
        ]
        width = max(28, *(len(str(m)) for m in table["metric"]))
        head = f"{'metric':<{width}} {f'at {first.low:g}':>12} {'95% CI':<22} "
        head += f"{f'at {first.high:g}':>12} 95% CI"
        lines += [head, "-" * (len(head) + 16)]
        for row in table.itertuples():
            low_ci = f"[{row.at_low_ci_low:+.4g}, {row.at_low_ci_high:+.4g}]"
            high_ci = f"[{row.at_high_ci_low:+.4g}, {row.at_high_ci_high:+.4g}]"
            lines.append(
                f"{row.metric:<{width}} {row.at_low:>+12.4g} {low_ci:<22} "
                f"{row.at_high:>+12.4g} {high_ci}"
            )
    return "\n".join(lines)


def format_pooled_effects(table: pd.DataFrame, at: int, intervention: list[str]) -> str:
    """A posterior sweep's effects: over every draw and seed pair, with an interval that
    covers the parameters as well as chance, and the parameters' share of the spread."""
    first = table.iloc[0]
    lines = [
        f"Effect of {', '.join(intervention)} at month {at} (treated minus control over "
        f"{int(first.n_draws)} posterior draws x {int(first.n_pairs) // int(first.n_draws)} "
        "seed pairs; 95% interval from a two-stage bootstrap over draws and seeds, so it "
        "covers parameter uncertainty as well as chance):",
        "",
    ]
    width = max(28, *(len(str(m)) for m in table["metric"]))
    head = (
        f"{'metric':<{width}} {'months after':>12} {'effect':>10}   {'95% CI':<22} "
        "spread from parameters"
    )
    lines += [head, "-" * len(head)]
    for row in table.itertuples():
        ci = f"[{row.ci_low:+.4f}, {row.ci_high:+.4f}]"
        lines.append(
            f"{row.metric:<{width}} {row.months_after:>12} {row.effect:>+10.4f}   {ci:<22} "
            f"{row.parameter_share:>6.0%}"
        )
    return "\n".join(lines)


def format_effects(table: pd.DataFrame, at: int, intervention: list[str]) -> str:
    from sim.analysis.estimates import few_pairs_caveat, pair_counts

    lines = [
        f"Effect of {', '.join(intervention)} at month {at} (treated minus control, "
        f"mean over {pair_counts(table)} paired replicates, 95% bootstrap CI):",
        "",
    ]
    width = max(28, *(len(str(m)) for m in table["metric"]))
    head = f"{'metric':<{width}} {'months after':>12} {'effect':>10}   95% CI"
    lines += [head, "-" * (len(head) + 20)]
    columns = ["metric", "months_after", "effect", "ci_low", "ci_high"]
    for metric, months, effect, low, high in table[columns].itertuples(index=False):
        ci = f"[{low:+.4f}, {high:+.4f}]" if np.isfinite(low) else "(one pair: none)"
        lines.append(f"{metric:<{width}} {months:>12} {effect:>+10.4f}   {ci}")
    lines += ["", *plain_effects(table)]
    caveat = few_pairs_caveat(int(table["n_pairs"].min()))
    if caveat:
        lines += ["", f"Caution: {caveat}"]
    return "\n".join(lines)


def plain_effects(table: pd.DataFrame) -> list[str]:
    """The table in words, at the longest horizon: direction, size and whether the 95%
    interval excludes zero."""
    last = table[table["months_after"] == table["months_after"].max()]
    out = []
    for row in last.itertuples():
        if not (np.isfinite(row.ci_low) and np.isfinite(row.ci_high)):
            verdict = (
                f"changed {row.metric} by {row.effect:+.4f} (one pair only, so no confidence "
                "interval)"
            )
        elif row.ci_low <= 0 <= row.ci_high:
            verdict = f"no clear change in {row.metric} ({row.effect:+.4f})"
        else:
            word = "raised" if row.effect > 0 else "lowered"
            low, high = sorted((abs(row.ci_low), abs(row.ci_high)))
            verdict = (
                f"{word} {row.metric} by {abs(row.effect):.4f} [95% CI {low:.4f} to {high:.4f}]"
            )
        out.append(f"{row.months_after} months after: the intervention {verdict}.")
    return out
