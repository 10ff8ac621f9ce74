"""The dashboard's words: the user's run's event log as a feed, and the big-number monitor
a class reads from the back of the room."""

from __future__ import annotations

from typing import Any

from sim.dashboard.live import USER_REASON, TwinRun
from sim.model.model import AccessModel
from sim.model.world import Logged

USES = {"distill": "to build (distillation)", "rival_api": "to benchmark"}
"""How a detection's reason (the client's use of the API) reads in words."""
PHRASES = {
    Logged.detection: "{actor} caught {target} using its API {use}",
    Logged.warning: "{actor} warned {target} ({reason})",
    Logged.throttle: "{actor} throttled {target}'s access ({reason})",
    Logged.carve_out: "{actor} cut {target} to evaluation only ({reason})",
    Logged.revocation: "{actor} revoked {target}'s access ({reason})",
    Logged.retaliation: "{actor} cut {target} off in retaliation ({reason})",
    Logged.reinstatement: "{actor} gave {target} its access back ({reason})",
    Logged.launch: "{actor} launched a model (capability +{value:.0%})",
    Logged.release: "{actor} released open weights",
    Logged.model_release: "{actor} released a new model",
    Logged.policy_change: "{actor} changed its access policy: {reason}",
    Logged.regulation: "a regulation came into force: {reason}",
    Logged.ruling: "a court ruled: {reason}",
    Logged.strategy_change: "{actor} changed strategy: {reason}",
    Logged.outage: "{actor} had an outage: {reason}",
    Logged.false_positive: "{actor} wrongly flagged ordinary developers ({value:.0f})",
    Logged.appeal_upheld: "{actor} overturned flags on appeal ({value:.0f})",
    Logged.disaster: "a disaster at {actor}: {reason}",
}
"""Each kind of logged event in plain words."""


def describe(event: dict[str, Any]) -> str:
    """One logged event in words, with its month."""
    reason = "by you" if event["reason"] == USER_REASON else event["reason"]
    fields = {
        "actor": event["actor"],
        "target": event["target"],
        "reason": reason,
        "use": USES.get(str(event["reason"]), f"({event['reason']})"),
        "value": event["value"] or 0.0,
    }
    phrase = PHRASES.get(event["kind"], "{actor}: " + str(event["kind"]) + " ({reason})")
    return f"Month {event['step']}: " + phrase.format(**fields)


def feed(model: AccessModel) -> list[str]:
    """Every event of `model`'s log in words, newest first."""
    return [describe(event) for event in reversed(model.event_log)]


def _minus(x: float) -> str:
    """`x` signed, with a true minus sign, which reads better in large type."""
    return f"{x:+.2f}".replace("-", "\u2212")


def monitor(run: TwinRun, provider: str) -> str:
    """Developer trust in `provider` in the user's run and in the twin, and the gap."""
    with run.lock:
        you = float(run.main.datacollector.model_vars["trust"][-1][provider])
        twin = float(run.twin.datacollector.model_vars["trust"][-1][provider])
    return f"trust in {provider}: you {you:.2f} · twin {twin:.2f} · gap {_minus(you - twin)}"
