"""Common random numbers that hold after a paired run's two arms part.

The claude_cutoff scenario with and without its carve-out (month 24), same seed, plus a
background revocation both arms keep (news that starts before the arms part, and a
reinstatement after). Once the arms part, different developers revise, are flagged and
hear news; the draws they share must not shift: each developer's choice noise, each
common news item's spreading draws and each customer's wrongful-flag luck are the same in
both arms in every month (sim.model.keyed, docs/ODD.md §4).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from sim import Config
from sim.config import EventConfig, EventKind
from sim.experiment.run import without
from sim.model.model import AccessModel
from sim.model.population import NewsItem, Population

FORK = 24
"""The month of claude_cutoff's carve-out, the first month the arms can differ."""
BACKGROUND = EventConfig(
    kind=EventKind.revoke_access,
    at=18,
    provider="platform_api",
    lab="challenger",
    duration=10,
    background=True,
)
"""News in both arms: a revocation that spreads across the fork, a reinstatement after it."""
STEPS = 40
FALSE_POSITIVES = 0.01
"""Twenty times the default rate: a score of wrongful flags a month among 2,000
developers, so the arms' flagged (and so revising) developers differ after the fork."""


def arms() -> tuple[Config, Config]:
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        config = to_sim_config(
            compose("config", overrides=["scenario=claude_cutoff", "population=small"])
        )
    scenario = config.scenario
    events = (*scenario.events, BACKGROUND)
    treated = config.replace(
        steps=STEPS,
        scenario=dataclasses.replace(scenario, events=events),
        population=dataclasses.replace(config.population, false_positive_rate=FALSE_POSITIVES),
    )
    return treated, without(treated, [EventKind.revoke_access])


def run(config: Config) -> None:
    model = AccessModel(config)
    for _ in range(config.steps):
        model.step()


def identity(item: NewsItem) -> tuple[int, int, int | None, bool]:
    return item.started, item.provider, item.revoked_lab, item.relief


@dataclasses.dataclass
class Seen:
    """What one arm's developers met, as the model's own methods saw it."""

    noise: dict[int, dict[int, np.ndarray]] = dataclasses.field(default_factory=dict)
    """Month -> developer -> the Gumbel row it chose with."""
    revising: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)
    hears: dict[tuple[Any, ...], dict[int, np.ndarray]] = dataclasses.field(
        default_factory=lambda: defaultdict(dict)
    )
    """News item -> month -> who would hear it as it spreads."""
    flags: list[tuple[float, np.ndarray, np.ndarray]] = dataclasses.field(default_factory=list)
    """Each call of flag_wrongly (provider by provider, month by month): the rate, the
    provider's customers and those flagged."""


def watch(monkeypatch: pytest.MonkeyPatch) -> Callable[[Config], Seen]:
    """Run a config with Population's choice, news and flag methods recorded."""
    seen = Seen()
    step: list[int] = []
    choose, spread, hear, flag = (
        Population.choose,
        Population.spread_news,
        Population._hear,
        Population.flag_wrongly,
    )

    def choose_spy(
        pop: Population, utility: np.ndarray, gumbel: np.ndarray, revising: np.ndarray, **kw: Any
    ) -> None:
        month = kw["month"]
        seen.revising[month] = revising.copy()
        seen.noise[month] = dict(zip(revising.tolist(), gumbel.copy(), strict=True))
        choose(pop, utility, gumbel, revising, **kw)

    def spread_spy(pop: Population, month: int, *a: Any) -> None:
        step.append(month)
        spread(pop, month, *a)
        step.pop()

    def hear_spy(pop: Population, item: NewsItem, hears: np.ndarray) -> None:
        if step:
            seen.hears[identity(item)][step[-1]] = hears.copy()
        hear(pop, item, hears)

    def flag_spy(pop: Population, provider: int, rate: float, *a: Any) -> tuple[int, int]:
        customers = pop.choice == provider
        before = pop.must_revise.copy()
        out = flag(pop, provider, rate, *a)
        seen.flags.append((rate, customers, pop.must_revise & ~before))
        return out

    monkeypatch.setattr(Population, "choose", choose_spy)
    monkeypatch.setattr(Population, "spread_news", spread_spy)
    monkeypatch.setattr(Population, "_hear", hear_spy)
    monkeypatch.setattr(Population, "flag_wrongly", flag_spy)

    def go(config: Config) -> Seen:
        nonlocal seen
        seen = Seen()
        run(config)
        return seen

    return go


@pytest.fixture(scope="module")
def seen() -> Iterator[tuple[Seen, Seen]]:
    treated, control = arms()
    with pytest.MonkeyPatch.context() as monkeypatch:
        go = watch(monkeypatch)
        yield go(treated), go(control)


def test_a_developer_revising_in_both_arms_chooses_with_the_same_noise(
    seen: tuple[Seen, Seen],
) -> None:
    treated, control = seen
    assert sorted(treated.noise) == sorted(control.noise) == list(range(STEPS + 1))
    parted = 0
    for month in range(STEPS + 1):
        t, c = treated.noise[month], control.noise[month]
        both = t.keys() & c.keys()
        assert both, month
        for developer in both:
            np.testing.assert_array_equal(t[developer], c[developer], err_msg=f"month {month}")
        parted += not np.array_equal(treated.revising[month], control.revising[month])
    assert parted > 0  # after the fork different developers revise (the point of the test)


def test_news_in_both_arms_spreads_with_the_same_draws_in_both(seen: tuple[Seen, Seen]) -> None:
    """The background revocation started before the fork: its awareness is the same in
    both arms then, and stays the same, month after month, although the treated arm's
    carve-out is news spreading alongside it."""
    treated, control = seen
    extra = set(treated.hears) - set(control.hears)
    assert [item[0] for item in extra] == [FORK]  # the carve-out
    (common,) = [item for item in treated.hears if item[0] == BACKGROUND.at]
    months = sorted(treated.hears[common])
    assert months == sorted(control.hears[common]) and months[-1] > FORK
    for month in months:
        np.testing.assert_array_equal(
            treated.hears[common][month], control.hears[common][month], err_msg=f"month {month}"
        )


def test_a_customer_in_both_arms_is_flagged_wrongly_in_both_or_neither(
    seen: tuple[Seen, Seen],
) -> None:
    treated, control = seen
    assert len(treated.flags) == len(control.flags)
    compared = 0
    for (rate_t, customers_t, flagged_t), (rate_c, customers_c, flagged_c) in zip(
        treated.flags, control.flags, strict=True
    ):
        if rate_t != rate_c:
            continue
        both = customers_t & customers_c
        np.testing.assert_array_equal(flagged_t & both, flagged_c & both)
        differ = not np.array_equal(customers_t, customers_c)
        compared += differ and bool((flagged_t & both).any())
    assert compared > 0  # flags among customers of providers whose clientele differs


# --- the keyed draws themselves ------------------------------------------------------------


@pytest.fixture(scope="module")
def draws() -> Iterator[tuple[dict[tuple[int, ...], dict[str, np.ndarray]], ...]]:
    """Every keyed draw of each arm, by key (phase, month, ids) and method."""
    from sim.model import keyed  # sim.model.keyed is what these tests are about

    made = keyed.generator
    record: dict[tuple[int, ...], dict[str, np.ndarray]] = {}

    class Recorder:
        def __init__(self, gen: np.random.Generator, key: tuple[int, ...]) -> None:
            self.gen, self.key = gen, key

        def __getattr__(self, name: str) -> Callable[..., Any]:
            method = getattr(self.gen, name)

            def drawn(*a: Any, **kw: Any) -> Any:
                out = method(*a, **kw)
                calls = sum(k.startswith(name) for k in record[self.key])
                record[self.key][f"{name}{calls}"] = np.copy(out)
                return out

            return drawn

    def recording(
        entropy: Any, spawn_key: tuple[int, ...], phase: int, month: int, *ids: int
    ) -> Recorder:
        key = (int(phase), month, *ids)
        assert key not in record, f"key {key} made twice in one run"
        record[key] = {}
        return Recorder(made(entropy, spawn_key, phase, month, *ids), key)

    treated, control = arms()
    out = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(keyed, "generator", recording)
        for config in (treated, control):
            record = {}
            run(config)
            out.append(record)
    yield tuple(out)


def test_the_choice_noise_of_every_developer_is_the_same_in_both_arms_every_month(
    draws: tuple[dict[tuple[int, ...], dict[str, np.ndarray]], ...],
) -> None:
    from sim.model.keyed import Phase

    treated, control = draws
    months = [key[1] for key in treated if key[0] == Phase.choice]
    assert months == [key[1] for key in control if key[0] == Phase.choice]
    assert months == list(range(STEPS + 1))
    n = arms()[0].population.n_developers
    for month in months:
        t, c = treated[(Phase.choice, month)], control[(Phase.choice, month)]
        assert t.keys() == c.keys() == {"random0", "random1"}
        revise, noise = t["random0"], t["random1"]  # the Gumbel noise's uniforms
        assert revise.shape == (n,) and noise.shape[0] == n  # every developer, revising or not
        for name in t:
            np.testing.assert_array_equal(t[name], c[name], err_msg=f"month {month}: {name}")


def test_each_news_item_in_both_arms_draws_the_same_in_both_every_month(
    draws: tuple[dict[tuple[int, ...], dict[str, np.ndarray]], ...],
) -> None:
    """Announcement and spreading alike, for the revocation before the fork and the
    reinstatement after it, though the treated arm holds one more item from month 24."""
    from sim.model.keyed import Phase

    treated, control = draws
    news_t = {key: d for key, d in treated.items() if key[0] == Phase.news}
    news_c = {key: d for key, d in control.items() if key[0] == Phase.news}
    items_t = {key[2:] for key in news_t}
    items_c = {key[2:] for key in news_c}
    assert len(items_t - items_c) == 1 and items_c < items_t
    assert sorted(item[0] for item in items_c) == [BACKGROUND.at, BACKGROUND.at + 10]
    for key, d in news_c.items():
        assert d.keys() == news_t[key].keys() == {"random0"}
        np.testing.assert_array_equal(d["random0"], news_t[key]["random0"], err_msg=str(key))
    months_after = {key[1] for key in news_c if key[1] > FORK}
    assert len(months_after) >= 5  # the common items kept spreading beside the carve-out
