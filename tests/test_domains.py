"""The per-domain index recovers known abilities, and on the real benchmark data names the
leaders and the specialists the scores show (sim/calibration/domains.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibration import domains


def synthetic_scores(seed: int = 3) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Ten models with known abilities theta = ECI + a domain specialty (sd about 4 points;
    in sample of mean 0 and uncorrelated with the ECI, as the prior assumes, since the ECI
    is all that sets the index's level and spread), each scored on three benchmarks of the
    logistic model with small logit noise (every score within the clip)."""
    rng = np.random.default_rng(seed)
    eci = np.linspace(125.0, 141.0, 10)
    noise = rng.normal(0.0, 4.0, 10)
    specialty = noise - np.polyval(np.polyfit(eci, noise, 1), eci)
    theta = eci + specialty
    slopes = {"easy": 0.12, "middle": 0.16, "hard": 0.2}
    difficulty = {"easy": 129.0, "middle": 133.0, "hard": 137.0}
    models = [f"m{i}" for i in range(10)]
    rows = []
    for i, model in enumerate(models):
        for bench, a in slopes.items():
            logit = a * (theta[i] - difficulty[bench]) + rng.normal(0.0, 0.1)
            rows.append({"model": model, "benchmark": bench, "score": 1 / (1 + np.exp(-logit))})
    return (
        pd.DataFrame(rows),
        pd.Series(eci, index=models),
        pd.Series(theta, index=models),
    )


def test_the_fit_recovers_known_abilities_better_than_the_prior_mean() -> None:
    scores, eci, truth = synthetic_scores()
    fit = domains.fit_irt(scores, eci)
    recovered = fit.theta.reindex(truth.index)
    assert recovered.corr(truth, method="spearman") > 0.9
    error = float(np.sqrt(np.mean((recovered - truth) ** 2)))
    prior_error = float(np.sqrt(np.mean((eci - truth) ** 2)))
    assert error < 1.0, error
    assert error < 0.3 * prior_error, (error, prior_error)
    assert fit.slope["easy"] < fit.slope["middle"] < fit.slope["hard"]
    assert fit.width == pytest.approx(prior_error, rel=0.3)  # the prior's width, estimated


def test_a_model_without_a_prior_mean_is_placed_by_its_scores() -> None:
    scores, eci, truth = synthetic_scores()
    fit = domains.fit_irt(scores, eci.drop("m7"))
    assert abs(fit.theta["m7"] - truth["m7"]) < 2.0


@pytest.fixture(scope="module")
def lab_index() -> pd.DataFrame:
    return domains.lab_domain_index()


def test_benchmarks_load_with_labs_months_and_eci() -> None:
    rows = domains.load_benchmarks()
    assert len(rows) == 611
    assert rows["month"].iloc[0] == pd.Period(rows["released"].iloc[0], freq="M")
    by_model = rows.drop_duplicates("model").set_index("model")
    assert by_model.loc["claude-opus-4-20250514", "eci"] == pytest.approx(138.356, abs=0.001)
    assert by_model.loc["claude-opus-4-20250514", "lab"] == "anthropic"
    assert by_model.loc["phi-4", "lab"] is None  # Microsoft Research: not a modelled lab
    assert np.isnan(by_model.loc["Qwen3-32B", "eci"])  # no ECI score in the ECI table


def test_claude_4_outranks_o3_in_coding_though_o3_has_the_higher_eci() -> None:
    coding = domains.domain_index("coding").set_index("model")
    opus, o3 = coding.loc["claude-opus-4-20250514"], coding.loc["o3-2025-04-16_medium"]
    assert o3["eci"] > opus["eci"] + 5  # ECI 144.1 vs 138.4
    assert opus["index"] > o3["index"] + 5  # SWE-bench Verified 0.62 vs 0.44


def test_anthropic_leads_coding_from_october_2024_openai_before_june(
    lab_index: pd.DataFrame,
) -> None:
    leaders = domains.domain_leaders("coding")
    assert leaders[pd.Period("2025-05", freq="M")] == "anthropic"
    assert set(leaders["2024-10":"2025-06"]) == {"anthropic"}
    # Before Claude 3.5 Sonnet (2024-06) no lab has an agentic coding score: every lab falls
    # back to its ECI, where GPT-4o (128.4) is ahead of Claude 3 Opus (126.8).
    assert leaders[pd.Period("2024-05", freq="M")] == "openai"
    may = lab_index.loc[(pd.Period("2025-05", freq="M"), "openai")]
    assert may["coding_model"] == "o3-2025-04-16_medium"  # a scored model, not the fallback


def test_the_coding_leader_changes() -> None:
    sequence = dict(domains.leader_sequence("coding"))
    assert len(sequence) >= 2
    assert sequence[pd.Period("2024-10", freq="M")] == "anthropic"  # its last change
    assert "openai" in sequence.values()


def test_a_lab_without_a_domain_score_falls_back_to_its_eci(lab_index: pd.DataFrame) -> None:
    before = lab_index.loc[(pd.Period("2024-05", freq="M"), "openai")]
    assert before["coding_model"] is None
    assert before["coding"] == before["eci"]
    after = lab_index.loc[(pd.Period("2024-06", freq="M"), "anthropic")]
    assert after["coding_model"] == "claude-3-5-sonnet-20240620"
    assert after["coding"] > after["eci"]


def test_anthropic_is_the_coding_specialist_at_2025_06() -> None:
    offsets = domains.domain_offsets("2025-06")
    anthropic = offsets.loc["anthropic"]
    assert anthropic["coding"] > anthropic["reasoning"] + 5
    specialty = offsets["coding"] - offsets["reasoning"]
    assert specialty.idxmax() == "anthropic"
    assert domains.nested(offsets)["anthropic"]["coding"] == pytest.approx(anthropic["coding"])


def test_a_lab_without_coding_scores_grows_in_coding_at_its_eci_pace() -> None:
    slopes = domains.domain_slopes()
    eci = domains.eci_slopes()
    assert slopes.loc["mistral", "coding"] == pytest.approx(eci["mistral"])  # no agentic score
    stronger = domains.domain_slopes(k=1e9)
    assert stronger["coding"].to_numpy() == pytest.approx(eci.to_numpy(), abs=1e-3)
