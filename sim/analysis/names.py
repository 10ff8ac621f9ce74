"""Metrics and swept parameters in words, with their units: shared by the statistics'
messages, the figures' axes and the reports' tables."""

from __future__ import annotations

import functools

from sim.config import Config, iter_fields

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "frontier_capability": ("frontier capability", "capability index"),
    "mean_capability": ("mean lab capability", "capability index"),
    "downstream_innovation": ("downstream innovation", "need-weighted capability index"),
    "mean_downstream_innovation": (
        "mean downstream innovation",
        "need-weighted capability index, mean over months",
    ),
    "developer_trust": ("mean developer trust", "0-1"),
    "lab_trust": ("mean lab trust", "0-1"),
    "open_weights_share": ("developers on open weights", "share, 0-1"),
    "multihoming_share": ("developers keeping a fallback", "share, 0-1"),
    "hhi": ("API market concentration (HHI)", "0-1"),
    "developer_welfare": ("developer welfare", "utility"),
    "revocations_total": ("revocations so far", "count"),
    "revocations_active": ("active revocations", "count"),
    "leader_gap": ("leader's lead over the runner-up", "capability index"),
    "open_model_share": ("developers in the market on open-weights models", "share, 0-1"),
    "switched_12m": ("developers who switched in the last 12 months", "share, 0-1"),
}
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "capability": ("capability of {}", "capability index"),
    "trust": ("developer trust in {}", "0-1"),
    "share": ("market share of {}", "share of developers, 0-1"),
    "compute": ("compute of {}", "compute units/month"),
    "lab_revenue": ("revenue of {}", "compute units/month"),
    "provider_revenue": ("revenue of {}", "compute units/month"),
    "frontier": ("frontier capability in {}", "capability index"),
    "payoff": ("payoff of {}", "compute units/month"),
    "developer_revenue": ("developer revenue of {}", "compute units/month"),
    "client_fees": ("API fees earned by {}", "compute units/month"),
    "lead": ("lead of {} over the best alternative", "log quality"),
    "monitoring": ("monitoring by {}", "detection hazard per unit volume"),
    "eval_capacity": ("in-house evaluation capacity of {}", "compute units"),
    "lab_share": ("usage share of {}'s models", "share of developers in the market, 0-1"),
    "coding_share": ("share of coding work on {}'s models", "share, 0-1"),
    "eci": ("ECI of {}'s released model", "Epoch Capabilities Index points"),
}
GROUP_LABELS: dict[str, str] = {
    "policy": "access policy of every provider",
    "monitoring": "provider monitoring (x the default detection hazard)",
    "benchmarking": "labs benchmarking through rivals' APIs (share of labs)",
    "scenario": "scenario",
    "population": "developer population",
}


def metric_name(metric: str) -> str:
    """A metric in words, e.g. 'capability of rival' for `capability__rival`."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][0]
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        return ENTITY_LABELS[head][0].format(entity.replace("__", " in "))
    return metric.replace("_", " ")


def metric_unit(metric: str) -> str:
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][1]
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        return ENTITY_LABELS[head][1]
    return ""


def metric_label(metric: str) -> str:
    """An axis label: the metric in words with its unit in parentheses."""
    unit = metric_unit(metric)
    return f"{metric_name(metric)} ({unit})" if unit else metric_name(metric)


@functools.cache
def _field_units() -> dict[str, str]:
    return {path: f.metadata.get("unit", "") for path, f, _ in iter_fields(Config())}


def param_label(column: str) -> str:
    """An axis label for a swept parameter column (`param__<override key>`), with its unit
    from the config field's metadata."""
    key = column.removeprefix("param__")
    if key in GROUP_LABELS:
        return GROUP_LABELS[key]
    unit = _field_units().get(key, "")
    return f"{key} ({unit})" if unit else key


def value_label(column: str, value: object) -> str:
    """A tick label for a swept value: config-group options of the policy sweep read as
    numbers (x0.25 -> ×0.25, rival_api_40pct -> 40%)."""
    text = str(value)
    key = column.removeprefix("param__")
    if key == "monitoring" and text.startswith("x"):
        return "×" + text[1:]
    if key == "benchmarking" and text.startswith("rival_api_") and text.endswith("pct"):
        return text.removeprefix("rival_api_").removesuffix("pct") + "%"
    return text
