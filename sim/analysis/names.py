"""Metrics and swept parameters in words, with their units: shared by the statistics'
messages, the figures' axes and the reports' tables."""

from __future__ import annotations

import functools
from collections.abc import Mapping

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
    "hhi": ("API market concentration (HHI)", "points, 0-10,000"),
    "developer_welfare": ("developer welfare", "utility"),
    "revocations_total": ("revocations so far", "count"),
    "revocations_active": ("active revocations", "count"),
    "leader_gap": ("leader's lead over the runner-up", "capability index"),
    "open_model_share": ("developers in the market on open-weights models", "share, 0-1"),
    "switched_12m": ("developers who switched in the last 12 months", "share, 0-1"),
    "coding_demand_share": ("coding's share of the market's usage", "share, 0-1"),
    "market_size": ("the market's usage per developer", "multiple of one developer at scale one"),
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
    "lab_share": ("usage share of {}'s models", "share of the market's usage, 0-1"),
    "domain_eci": ("ECI of {}'s released model", "Epoch Capabilities Index points"),
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


INNOVATION = "downstream_innovation"
"""What every report means by innovation: downstream innovation, the need-weighted capability
of the models developers build with. A paired report reads it at each horizon; a sweep
report averages it over the months of a run (``mean_downstream_innovation``)."""
INNOVATION_WORDS = (
    "innovation is downstream innovation: the capability of the models developers build "
    "with, weighted by what their work needs"
)

DISPLAY_SCALE: dict[str, float] = {"hhi": 10_000.0}
"""Metrics shown on another scale than they are stored: the HHI is stored as a share-squared
sum in 0-1 and shown in the usual 0-10,000 points (the scale antitrust guidelines use)."""


def display_scale(metric: str) -> float:
    """The factor from a metric's stored values to the values tables and figures show."""
    return DISPLAY_SCALE.get(metric.removeprefix("mean_"), 1.0)


def metric_name(metric: str, labels: Mapping[str, str] | None = None) -> str:
    """A metric in words, e.g. 'capability of Rival preparing a launch' for
    `capability__rival`, naming a lab or provider by its readable label when `labels`
    (id -> label, :func:`entity_labels`) holds one."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][0]
    if metric.startswith("mean_") and metric_unit(metric.removeprefix("mean_")):
        return f"mean {metric_name(metric.removeprefix('mean_'), labels)} over months"
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        names = [(labels or {}).get(part, part) for part in entity.split("__")]
        return ENTITY_LABELS[head][0].format(" in ".join(names))
    return metric.replace("_", " ")


def entity_labels(config: Config) -> dict[str, str]:
    """Readable names of the labs and providers of a world (their `label` fields; the id
    where a label is empty)."""
    out = {n: lab.label or n for n, lab in config.labs.items()}
    out.update({n: p.label or n for n, p in config.providers.items()})
    return out


def metric_unit(metric: str) -> str:
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric][1]
    if metric.startswith("mean_"):
        return metric_unit(metric.removeprefix("mean_"))
    head, _, entity = metric.partition("__")
    if entity and head in ENTITY_LABELS:
        return ENTITY_LABELS[head][1]
    return ""


def metric_label(metric: str, labels: Mapping[str, str] | None = None) -> str:
    """An axis label: the metric in words with its unit in parentheses."""
    unit = metric_unit(metric)
    name = metric_name(metric, labels)
    return f"{name} ({unit})" if unit else name


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
    numbers (x0.25 -> ×0.25, rival_api_40pct -> 40%), policies as words."""
    text = str(value)
    key = column.removeprefix("param__")
    if key == "monitoring" and text.startswith("x"):
        return "×" + text[1:]
    if key == "benchmarking" and text.startswith("rival_api_") and text.endswith("pct"):
        return text.removeprefix("rival_api_").removesuffix("pct") + "%"
    if key == "policy":
        return text.replace("_", " ")  # tit_for_tat -> tit for tat
    return text
