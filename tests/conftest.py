"""Shared fixtures, and the time budget table the session prints.

Time budgets keep `make test` well under 20 minutes as the suite grows. A test that needs
more than FAST_BUDGET seconds says so, with its budget, where it is defined:

    @pytest.mark.slow(seconds=120)

The budgets are a report, never a verdict: the session ends with every slow test's time
against its budget, and a test over its budget is named in a warning, but no test fails
because the machine is busy (speed targets live in benchmarks/). Setup counts (a slow
fixture is part of the first test that uses it). ACCESSRACE_BUDGET_SCALE=2 doubles every
budget in the table on a slower machine. `-m "not slow"` runs the fast suite alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator

import pytest
from hydra import compose, initialize_config_dir

from experiments.main import CONFIG_DIR
from experiments.schema import to_sim_config
from sim import Config

FAST_BUDGET = 30.0
"""Seconds any test without a `slow` mark may take (setup included)."""
SCALE = float(os.environ.get("ACCESSRACE_BUDGET_SCALE", "1"))

_setup_seconds: dict[str, float] = {}
_over_budget: list[str] = []
_slow_tests: list[tuple[str, float, float]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow(seconds): a test that needs more than FAST_BUDGET seconds, and its written "
        "budget (tests/conftest.py reports it; it never fails a test)",
    )


def budget_of(item: pytest.Item) -> tuple[float, bool]:
    """The test's budget in seconds (scaled) and whether it is marked slow."""
    mark = item.get_closest_marker("slow")
    if mark is None:
        return FAST_BUDGET * SCALE, False
    seconds = mark.kwargs.get("seconds", mark.args[0] if mark.args else None)
    if not isinstance(seconds, int | float) or seconds <= 0:
        raise pytest.UsageError(f"{item.nodeid}: write its budget, @pytest.mark.slow(seconds=N)")
    return float(seconds) * SCALE, True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        budget_of(item)  # a slow mark without a budget stops the session before it runs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Time the test against its budget where it runs (a pytest-xdist worker, or the one
    process) and carry the timing on the report, which xdist sends to the controlling
    process that prints the budget table; the outcome is left as the test made it."""
    report = yield
    if call.when == "setup":
        _setup_seconds[item.nodeid] = report.duration
    if call.when != "call":
        return report
    took = _setup_seconds.pop(item.nodeid, 0.0) + report.duration
    budget, slow = budget_of(item)
    report.user_properties.append(("budget", (budget, slow, took)))
    return report


def _over(nodeid: str, budget: float, slow: bool, took: float) -> str:
    how = f"{nodeid} took {took:.1f} s, over its {budget:.0f} s budget"
    return how if slow else how + " for tests without @pytest.mark.slow(seconds=...)"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key != "budget":
            continue
        budget, slow, took = value
        if slow:
            _slow_tests.append((report.nodeid, budget, took))
        if took > budget:
            _over_budget.append(_over(report.nodeid, budget, slow, took))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _slow_tests:
        terminalreporter.section("time budgets of slow tests")
        for nodeid, budget, took in sorted(_slow_tests, key=lambda t: -t[2]):
            terminalreporter.write_line(f"{took:7.1f} s of {budget:5.0f} s  {nodeid}")
        total = sum(budget for _, budget, _ in _slow_tests)
        terminalreporter.write_line(f"{'':>7}   {total:5.0f} s  budgeted in all")
    if _over_budget:
        terminalreporter.section("over time budget (a warning: no test failed for it)")
        for line in _over_budget:
            terminalreporter.write_line(line, yellow=True)


@pytest.fixture
def composer() -> Callable[..., Config]:
    """Compose the Hydra config (as the CLI does) and convert it to a sim.Config."""

    def _compose(*overrides: str) -> Config:
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            return to_sim_config(compose("config", overrides=list(overrides)))

    return _compose
