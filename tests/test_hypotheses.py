"""Each hypothesis of docs/HYPOTHESES.md keeps its measured direction over paired seeds
(fewer, smaller pairs than the document's table), and the two findings that an implication
does not follow on the defaults stay true."""

from __future__ import annotations

import dataclasses

import pytest

from sim.analysis.hypotheses import HYPOTHESES, archetype, measure, strategic_world

HOLDS = ["privilege", "secrecy", "reputation", "auditing", "in_house"]
BY_KEY = {h.key: h for h in HYPOTHESES}


@pytest.mark.parametrize("key", HOLDS)
def test_the_hypothesis_holds_in_its_predicted_direction(key: str) -> None:
    h = BY_KEY[key]
    m = measure(h, pairs=4, n_developers=600)
    assert m.sign_holds, m


def test_on_the_defaults_a_strategic_provider_restricts_quietly_and_revoking_changes_nothing() -> (
    None
):
    m = measure(BY_KEY["revoking_pays"], pairs=3, n_developers=600)
    assert m.mean == 0.0
    assert measure(BY_KEY["precedent"], pairs=3, n_developers=600).mean == 0.0


def test_where_the_rule_makes_a_provider_revoke_its_payoff_falls() -> None:
    h = dataclasses.replace(
        BY_KEY["revoking_pays"],
        world=lambda n: strategic_world(n, lead_value=20.0, trust_value=0.5),
    )
    m = measure(h, pairs=8, n_developers=600)
    assert m.high < 0, m


def test_the_archetype_is_the_claude_cutoff_preset(composer: object) -> None:
    preset = composer("scenario=claude_cutoff")  # type: ignore[operator]
    built = archetype(preset.population.n_developers)
    assert built.labs == preset.labs and built.scenario.events == preset.scenario.events
