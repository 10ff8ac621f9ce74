"""Per-domain capability on the ECI scale, from benchmark scores: which lab led coding,
reasoning and general knowledge each month, how far a lab's domain ability is from its
overall ECI, and how fast each grew. The history scenario needs these to give each lab a
starting capability and a research pace per domain, not one number for all three.

Data: Epoch AI, Benchmarking Hub, and the leaderboards named in the file's ``source``
column (``data/benchmarks_epoch_to_2025-06.csv``), joined to Epoch AI, Epoch Capabilities
Index (CC BY 4.0; ``data/README.md``).

Method (:func:`fit_irt`). Per domain, an item-response model on the logit scale: logit of
benchmark b's score of model m = a_b (theta_m - d_b) + noise, scores clipped to [``CLIP``,
1 - ``CLIP``], noise N(0, s), prior theta_m ~ N(ECI_m, w). The prior's mean puts theta on
the ECI scale: theta is in ECI points, the slopes a_b carry the conversion to logits, and a
domain index differs from the model's ECI by what the domain's benchmarks say. Mapping a
free fit linearly onto the ECI afterwards was not chosen: it would rescale every model when
a domain's benchmarks favour one lab, and leave a model with one score unbounded. The a_b
are kept positive (a benchmark that better models score worse on measures nothing here).
The a_b, d_b, s and w are estimated per domain by maximum likelihood with theta integrated
out, over the models with an ECI score; w within ``PRIOR_WIDTH_BOUNDS`` (the one number not
estimated: coding's likelihood keeps rising to about 16 points, so coding's w is the upper
bound, 8). Each model's index is then its posterior mean. A model without an ECI score gets
the domain's population prior, N(mean, sd) of those ECI scores. A model with no score in a
domain has no index there (its ECI would be the fit's answer). The ECI is itself stitched
from many benchmarks, these among them: a domain index re-weights the same evidence toward
one domain, it is not an independent measurement.

Which coding benchmarks (``CODING_BENCHMARKS``): the agentic ones, SWE-bench Verified and
Terminal-Bench. The episode the model is about is a fight over agentic coding tools
(events.yaml: RV-5, a coding tool's capacity cut; RV-7, the rival's staff's use of the coding
tools); both benchmarks have a model work in a repository or a shell over many steps, as
those tools do. Aider polyglot and LiveBench coding are single-turn exercises, on which the
labs rank differently (OpenAI and Google lead several months), and Cybench is security
capture-the-flag; the three stay in the data, in ``LEFT_OUT`` with the reason, and
:func:`domain_index` fits any other choice.

A lab's index in a month (:func:`lab_domain_index`) is the best index among its models of
its kind released to date (closed labs: API models; open labs: open-weights models, as
``replay._of_kind`` decides); a lab without a scored model in the domain yet falls back to
its ECI to date. The fallback is a guess, so a lab's series can fall in the month its first
scored model arrives (its best model is often not the one scored); slopes use the months
with data only.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from sim.calibration import measures, observed, replay
from sim.config.files import data_dir

DATA_FILE = "benchmarks_epoch_to_2025-06.csv"
DOMAINS = ("coding", "reasoning", "general")
LABS = (*replay.CLOSED_LABS, *replay.OPEN_LABS)
START, END = observed.START, observed.END

CODING_BENCHMARKS = ("swe_bench_verified", "terminal_bench")
"""The agentic coding benchmarks, the coding index's evidence (module docstring)."""
DOMAIN_BENCHMARKS = {
    "coding": CODING_BENCHMARKS,
    "reasoning": ("gpqa_diamond", "math_level_5", "otis_mock_aime"),
    "general": ("mmlu", "simple_bench"),
}
LEFT_OUT = {
    "aider_polyglot": "single-turn code editing exercises, not agentic coding",
    "livebench_coding": "single-turn code generation and completion, not agentic coding",
    "cybench": "security capture-the-flag tasks: a domain the model does not have",
}
"""Benchmarks of the data no index uses, with the reason."""

CLIP = 0.01
"""Illustrative, not estimated: scores are clipped to [0.01, 0.99] before the logit. Scores
are reported to about a percentage point, so 0.01 is the smallest distinguishable from 0;
four rows are below it (OTIS Mock AIME of GPT-4 0314, Llama-2-70b-chat, ...: 0 to 0.008),
none above 0.99."""
PRIOR_WIDTH_BOUNDS = (1.0, 8.0)
"""The range, in ECI points, within which each domain's prior width is estimated. The upper
bound is illustrative, not estimated: about a year of the frontier's growth (8.3 points a
year before 2024-04, target CG-1). The coding likelihood is nearly flat above it (within
half a log-likelihood unit of its maximum near 16 points); a wider prior would let one
agent harness's score place a model anywhere on the scale. The lower bound only keeps the
search off zero (the estimates: reasoning 1.7, general 2.9, coding at the bound)."""
SHRINK_K = 3.0
"""Illustrative, not estimated: a lab's domain slope is its own slope weighted n/(n + k),
n its scored models in the domain, and its ECI slope weighted k/(n + k). With k = 3 its own
trend gets half the weight from three scored models on: a trend through one or two models
is mostly the step of a single release."""


@dataclass(frozen=True)
class IrtFit:
    """One domain's fit: each model's ``theta`` (its index, ECI points) and ``theta_sd``
    (posterior standard deviation), each benchmark's ``slope`` (logits per ECI point) and
    ``difficulty`` (the index at which it scores 0.5), the logit residual's ``scale`` and
    the prior's ``width`` (ECI points)."""

    theta: pd.Series
    theta_sd: pd.Series
    slope: pd.Series
    difficulty: pd.Series
    scale: float
    width: float


def load_benchmarks(path: Path | None = None, eci_path: Path | None = None) -> pd.DataFrame:
    """The benchmark scores: ``model``, ``lab`` (the model's lab by
    ``replay.ORGANISATIONS``; None for an organisation the model does not have: those rows
    are kept, and where the model has an ECI score they inform a benchmark's slope and
    difficulty), ``released``, ``month``
    (a monthly Period), ``open`` and ``closed`` (as ``replay.read_eci`` decides), ``domain``,
    ``benchmark``, ``score`` and ``eci`` (the model version's ECI score; NaN where the ECI
    table has none)."""
    raw = pd.read_csv(path or data_dir() / DATA_FILE)
    known = {b for names in DOMAIN_BENCHMARKS.values() for b in names} | set(LEFT_OUT)
    unknown = set(raw["benchmark"]) - known
    if unknown:
        raise ValueError(f"benchmarks neither used nor left out: {sorted(unknown)}")
    eci = replay.read_eci(eci_path or data_dir() / observed.ECI_FILE)
    scores = eci.set_index("Model version")["ECI Score"]
    access = raw["accessibility"].fillna("")
    released = pd.to_datetime(raw["release_date"])
    lab = raw["organization"].map(replay.ORGANISATIONS)
    return pd.DataFrame(
        {
            "model": raw["model_version"],
            "lab": lab.astype(object).where(lab.notna(), None),
            "released": released,
            "month": released.dt.to_period("M"),
            "open": access.str.startswith(observed.OPEN_PREFIX),
            "closed": access.isin(observed.CLOSED),
            "domain": raw["domain"],
            "benchmark": raw["benchmark"],
            "score": raw["score"].astype(float),
            "eci": raw["model_version"].map(scores).astype(float),
        }
    )


def fit_irt(
    scores: pd.DataFrame, prior_mean: pd.Series, prior_width: float | None = None
) -> IrtFit:
    """Fit logit(score) = slope_b (theta_m - difficulty_b) + noise to ``scores`` (columns
    ``model``, ``benchmark``, ``score``), theta_m ~ N(prior_mean_m, prior_width).

    The benchmarks' slopes and difficulties, the noise's scale and (unless given) the
    prior's width are estimated by maximum likelihood with theta integrated out, over the
    models whose prior mean is known; each model's theta is then its posterior mean. A
    model whose prior mean is missing or NaN gets N(mean, sd) of the known prior means.
    """
    models = pd.Index(scores["model"].unique())
    benchmarks = pd.Index(scores["benchmark"].unique())
    m = models.get_indexer(scores["model"])
    b = benchmarks.get_indexer(scores["benchmark"])
    y = _logit(scores["score"].to_numpy(dtype=float))
    known = prior_mean.reindex(models).to_numpy(dtype=float)
    has = ~np.isnan(known)
    if has.sum() < 3:
        raise ValueError("fit_irt needs a prior mean for at least three of the models")
    centre = float(known[has].mean())
    mu = np.where(has, known, centre) - centre
    anchored = has[m]
    nb = len(benchmarks)
    data = (y[anchored], mu[m][anchored], m[anchored], b[anchored], len(models))
    slope0, diff0, scale0 = _lines(y[anchored], mu[m][anchored], b[anchored], nb)
    lo, hi = PRIOR_WIDTH_BOUNDS
    width0 = np.log(prior_width) if prior_width is not None else np.log(np.sqrt(lo * hi))

    def nll(x: np.ndarray) -> float:
        width = prior_width if prior_width is not None else float(np.exp(x[-1]))
        return _marginal_nll(np.exp(x[:nb]), x[nb : 2 * nb], float(np.exp(x[2 * nb])), width, data)

    x0 = np.concatenate([np.log(slope0), diff0, [np.log(scale0)]])
    bounds = [(-10.0, 3.0)] * nb + [(None, None)] * nb + [(-7.0, 3.0)]
    if prior_width is None:
        x0 = np.append(x0, width0)
        bounds.append((float(np.log(lo)), float(np.log(hi))))
    solution = minimize(nll, x0, method="L-BFGS-B", bounds=bounds)
    if not solution.success:
        raise RuntimeError(f"fit_irt: the likelihood did not converge ({solution.message})")
    x = solution.x
    slope, diff, scale = np.exp(x[:nb]), x[nb : 2 * nb], float(np.exp(x[2 * nb]))
    width = prior_width if prior_width is not None else float(np.exp(x[-1]))
    var = np.where(has, width**2, known[has].var(ddof=1))
    resid = y - slope[b] * (mu[m] - diff[b])
    s_aa = np.bincount(m, slope[b] ** 2, len(models)) / scale**2
    s_ar = np.bincount(m, slope[b] * resid, len(models)) / scale**2
    return IrtFit(
        theta=pd.Series(centre + mu + var * s_ar / (1 + var * s_aa), index=models, name="theta"),
        theta_sd=pd.Series(np.sqrt(var / (1 + var * s_aa)), index=models, name="theta_sd"),
        slope=pd.Series(slope, index=benchmarks, name="slope"),
        difficulty=pd.Series(centre + diff, index=benchmarks, name="difficulty"),
        scale=scale,
        width=float(width),
    )


def _marginal_nll(
    slope: np.ndarray,
    diff: np.ndarray,
    scale: float,
    width: float,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int],
) -> float:
    """Minus the log-likelihood of the logit scores ``data`` (scores, each row's prior mean,
    model and benchmark, number of models) with each model's theta integrated out: a
    model's scores are jointly normal, mean slope (prior mean - difficulty), covariance
    scale^2 I + width^2 slope slope' (Sherman-Morrison: no matrix is formed)."""
    y, mu, m, b, n_models = data
    resid = y - slope[b] * (mu - diff[b])
    s_aa = np.bincount(m, slope[b] ** 2, n_models) / scale**2
    s_ar = np.bincount(m, slope[b] * resid, n_models) / scale**2
    v = width**2
    logdet = 2 * len(y) * np.log(scale) + np.sum(np.log1p(v * s_aa))
    quad = float(resid @ resid) / scale**2 - float(np.sum(v * s_ar**2 / (1 + v * s_aa)))
    return 0.5 * float(logdet + quad)


def _logit(score: np.ndarray) -> np.ndarray:
    p = np.clip(score, CLIP, 1 - CLIP)
    return np.asarray(np.log(p / (1 - p)))


def _lines(
    y: np.ndarray, x: np.ndarray, b: np.ndarray, nb: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Starting values: each benchmark's least-squares line of logit score on the prior
    mean (slope at least 0.01) and the pooled residual standard deviation."""
    slopes, diffs, squares = np.empty(nb), np.empty(nb), 0.0
    for k in range(nb):
        xs, ys = x[b == k], y[b == k]
        if len(xs) < 2 or np.ptp(xs) == 0:
            raise ValueError(
                f"fit_irt: benchmark {k} has fewer than two models with distinct prior means"
            )
        fit_slope, intercept = np.polyfit(xs, ys, 1)
        squares += float(np.sum((ys - fit_slope * xs - intercept) ** 2))
        slopes[k] = max(float(fit_slope), 0.01)
        diffs[k] = float(xs.mean()) - float(ys.mean()) / slopes[k]
    return slopes, diffs, float(np.sqrt(squares / max(len(y) - 2 * nb, 1)))


def domain_index(domain: str, benchmarks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every model version with a score in the domain's benchmarks (``DOMAIN_BENCHMARKS``
    unless ``benchmarks`` names others), one row each: ``model``, ``lab``, ``month``,
    ``open``, ``closed``, ``eci``, ``n_scores``, ``index`` (ECI points) and ``index_sd`` (its
    posterior standard deviation)."""
    chosen = benchmarks if benchmarks is not None else DOMAIN_BENCHMARKS[domain]
    return _domain_index(tuple(chosen)).copy()


def domain_fit(domain: str, benchmarks: tuple[str, ...] | None = None) -> IrtFit:
    """The item-response fit behind :func:`domain_index`."""
    return _fit(tuple(benchmarks if benchmarks is not None else DOMAIN_BENCHMARKS[domain]))


@cache
def _benchmarks() -> pd.DataFrame:
    return load_benchmarks()


@cache
def _fit(benchmarks: tuple[str, ...]) -> IrtFit:
    data = _benchmarks()
    rows = data[data["benchmark"].isin(benchmarks)]
    if rows.empty:
        raise ValueError(f"no scores of {list(benchmarks)} in {DATA_FILE}")
    return fit_irt(rows, rows.groupby("model")["eci"].first())


@cache
def _domain_index(benchmarks: tuple[str, ...]) -> pd.DataFrame:
    data = _benchmarks()
    rows = data[data["benchmark"].isin(benchmarks)]
    fit = _fit(benchmarks)
    models = rows.groupby("model", sort=False).agg(
        lab=("lab", "first"),
        month=("month", "first"),
        open=("open", "first"),
        closed=("closed", "first"),
        eci=("eci", "first"),
        n_scores=("score", "size"),
    )
    models["index"] = fit.theta.reindex(models.index)
    models["index_sd"] = fit.theta_sd.reindex(models.index)
    return models.reset_index()


@cache
def _eci_table() -> pd.DataFrame:
    table = replay.read_eci(data_dir() / observed.ECI_FILE)
    table = table.dropna(subset=["ECI Score"])
    return table.assign(period=pd.PeriodIndex(table["Release date"], freq="M"))


def _best_to_date(
    months: pd.PeriodIndex, released: pd.Series, value: pd.Series, name: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """The best value released by each month and the name of the model that has it."""
    best = np.full(len(months), np.nan)
    who: list[str | None] = [None] * len(months)
    order = np.argsort(released.to_numpy())
    when, val, nm = released.to_numpy()[order], value.to_numpy()[order], name.to_numpy()[order]
    for i, month in enumerate(months):
        upto = when <= month
        if upto.any():
            j = int(np.nanargmax(np.where(upto, val, -np.inf)))
            best[i], who[i] = val[j], str(nm[j])
    return pd.Series(best, index=months), pd.Series(who, index=months, dtype=object)


@cache
def _lab_domain_index(start: str, end: str) -> pd.DataFrame:
    months = pd.period_range(start, end, freq="M")
    eci = _eci_table()
    frames = []
    for lab in LABS:
        own = replay._of_kind(eci, lab)
        eci_best, _ = _best_to_date(months, own["period"], own["ECI Score"], own["Model version"])
        frame = pd.DataFrame({"eci": eci_best})
        for domain in DOMAINS:
            models = replay._of_kind(_domain_index(DOMAIN_BENCHMARKS[domain]), lab)
            best, who = _best_to_date(months, models["month"], models["index"], models["model"])
            frame[domain] = best.fillna(eci_best)
            frame[f"{domain}_model"] = who
        frame["lab"] = lab
        frames.append(frame.rename_axis("month").reset_index())
    table = pd.concat(frames, ignore_index=True).set_index(["month", "lab"]).sort_index()
    return table[[*DOMAINS, "eci", *(f"{d}_model" for d in DOMAINS)]]


def lab_domain_index(start: str = START, end: str = END) -> pd.DataFrame:
    """Each modelled lab's index per domain, month by month, indexed by (``month``, ``lab``):
    columns ``coding``, ``reasoning``, ``general`` (ECI points: the best index among the
    lab's models of its kind released to date, else its ECI to date), ``eci`` (its ECI to
    date) and ``<domain>_model`` (the model version the index is from; None where it falls
    back to the ECI). NaN where the lab has neither yet."""
    return _lab_domain_index(start, end).copy()


def domain_leaders(domain: str = "coding", start: str = START, end: str = END) -> pd.Series:
    """The lab with the highest index in ``domain`` each month (None where no lab has one)."""
    wide = lab_domain_index(start, end)[domain].unstack("lab")
    return measures.leaders(wide).rename(f"{domain}_leader")


def leader_sequence(
    domain: str = "coding", start: str = START, end: str = END
) -> list[tuple[pd.Period, str | None]]:
    """The leader changes in ``domain``: (first month, lab) of each run of months one lab
    leads, in order."""
    leaders = domain_leaders(domain, start, end)
    out: list[tuple[pd.Period, str | None]] = []
    for month, lab in zip(pd.PeriodIndex(leaders.index), leaders, strict=True):
        if not out or out[-1][1] != lab:
            out.append((month, lab))
    return out


def domain_offsets(month: str) -> pd.DataFrame:
    """Each lab's index per domain minus its ECI to date at ``month``, in ECI points (rows:
    labs, columns: domains; 0 where the lab falls back to its ECI): positive where the lab
    is stronger in the domain than overall."""
    table = lab_domain_index(month, month)
    at = table[table.index.get_level_values("month") == pd.Period(month, freq="M")]
    at = at.droplevel("month")
    return at[list(DOMAINS)].sub(at["eci"], axis=0).reindex(LABS)


def domain_slopes(start: str = START, end: str = END, k: float = SHRINK_K) -> pd.DataFrame:
    """Each lab's growth per domain in ECI points a year (rows: labs, columns: domains): the
    least-squares slope of its best-to-date domain index over the months ``start..end`` in
    which it has one (not the fallback), weighted n/(n + k) against its ECI slope
    (:func:`eci_slopes`), n the lab's models of its kind with a score in the domain released
    by ``end``."""
    table = lab_domain_index(start, end)
    overall = eci_slopes(start, end)
    last = pd.Period(end, freq="M")
    out = pd.DataFrame(index=pd.Index(LABS, name="lab"), columns=list(DOMAINS), dtype=float)
    for lab in LABS:
        rows = table.xs(lab, level="lab")
        for domain in DOMAINS:
            models = replay._of_kind(_domain_index(DOMAIN_BENCHMARKS[domain]), lab)
            n = int((models["month"] <= last).sum())
            own = _slope(rows[domain].where(rows[f"{domain}_model"].notna()))
            weight = n / (n + k)
            out.loc[lab, domain] = (
                overall[lab] if np.isnan(own) else weight * own + (1 - weight) * overall[lab]
            )
    return out


def eci_slopes(start: str = START, end: str = END) -> pd.Series:
    """Each lab's growth of its ECI to date over ``start..end``, ECI points a year."""
    table = lab_domain_index(start, end)
    return pd.Series(
        {lab: _slope(table.xs(lab, level="lab")["eci"]) for lab in LABS}, name="eci_slope"
    )


def _slope(series: pd.Series) -> float:
    """Least-squares slope of a monthly series, per year, over its non-NaN months (NaN with
    fewer than two)."""
    values = series.dropna()
    if len(values) < 2:
        return float("nan")
    months = np.array([(p - values.index[0]).n for p in values.index], dtype=float)
    return float(np.polyfit(months / 12, values.to_numpy(dtype=float), 1)[0])


PACE_SHRINK_MONTHS = 12.0
"""Illustrative, not estimated: a lab's ECI slope is its own least-squares slope weighted
m/(m + 12), m its months with an ECI to date, and the mean slope of all labs weighted
12/(m + 12): a lab scored for a year gets half its own trend (xAI, scored from 2024-12, is
mostly the mean), since a short trend is mostly the step of one release."""


def lab_lines(start: str = START, end: str = END) -> pd.DataFrame:
    """Each lab's trajectory per domain as a straight line, for the history scenario's
    cast: rows (lab, domain) for the domains and ``eci``, columns ``level`` (ECI points at
    model month 0, the month before ``start``) and ``slope`` (ECI points a year).

    The ECI line's slope is the lab's least-squares slope of its ECI to date over
    ``start..end``, shrunk toward the mean of all labs' (``PACE_SHRINK_MONTHS``); the line
    passes through the lab's first ECI to date (its entry score: GPT-4's record of 2023-03
    for OpenAI), back-dated at that slope. A domain's line adds the lab's profile: its
    domain offset at ``end`` (:func:`domain_offsets`, the best-informed month), centred on
    the lab's mean offset so the domain lines average to the ECI line (a lab's ECI in the
    model is the mean over domains and keeps the index's meaning), reached linearly from
    zero at month 0. The offsets are taken at one month and spread over the window because
    the earlier months' offsets rest on one or two scored models each, or on none (the
    fallback of :func:`lab_domain_index`); :func:`domain_slopes` shows the same ordering
    with more noise."""
    table = lab_domain_index(start, end)
    first = pd.Period(start, freq="M")
    years = ((pd.Period(end, freq="M") - first).n + 1) / 12
    offsets = domain_offsets(end)
    centred = offsets.sub(offsets.mean(axis=1), axis=0).fillna(0.0)
    own = eci_slopes(start, end)
    mean_slope = float(own.mean())
    rows = []
    for lab in LABS:
        eci = table.xs(lab, level="lab")["eci"].dropna()
        m = len(eci)
        weight = m / (m + PACE_SHRINK_MONTHS)
        slope = weight * float(own[lab]) + (1 - weight) * mean_slope
        level = float(eci.iloc[0]) - slope * ((eci.index[0] - first).n + 1) / 12
        rows.append({"lab": lab, "domain": "eci", "level": level, "slope": slope})
        for domain in DOMAINS:
            extra = float(centred[domain][lab]) / years
            rows.append({"lab": lab, "domain": domain, "level": level, "slope": slope + extra})
    return pd.DataFrame(rows).set_index(["lab", "domain"])


def nested(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """{lab: {domain: value}} of a lab-by-domain table (:func:`domain_offsets`,
    :func:`domain_slopes`), for a config."""
    return {
        str(lab): {str(col): float(value) for col, value in row.items()}
        for lab, row in table.iterrows()
    }


def main(argv: list[str] | None = None) -> None:
    """Print the leader sequences, the offsets at 2024-06 and 2025-06 and the slopes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    for domain in DOMAINS:
        changes = ", ".join(f"{m} {lab}" for m, lab in leader_sequence(domain))
        print(f"{domain} leaders {START}..{END}: {changes}")
    with pd.option_context("display.float_format", "{:+.1f}".format):
        for month in ("2024-06", END):
            print(f"\noffsets at {month} (domain index - ECI to date, ECI points):")
            print(domain_offsets(month))
        slopes = domain_slopes().assign(eci=eci_slopes())
        print(f"\nslopes {START}..{END} (ECI points a year; shrunk with k={SHRINK_K:g}):")
        print(slopes)


if __name__ == "__main__":
    main()
