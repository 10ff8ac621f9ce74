"""The worker pool survives a worker that dies: the run that kills its worker is found by
running the runs in flight alone, reported as lost, and everything else finishes."""

from __future__ import annotations

import pytest
from dying import dies_on

from sim.experiment.workers import WorkerDiedWarning, WorkerLostError, parallel_map


@pytest.mark.slow(seconds=45)  # each death costs a fresh pool of worker processes
def test_a_run_that_kills_its_worker_is_reported_and_the_others_finish() -> None:
    lost: list[tuple[int, str]] = []
    with pytest.warns(WorkerDiedWarning, match="a worker process died"):
        out = parallel_map(
            dies_on,
            list(range(8)),
            frozenset({3}),
            n_jobs=2,
            lost=lambda item, why: lost.append((item, why)) or -1,
        )
    assert sorted(out) == sorted([i * i for i in range(8) if i != 3] + [-1])
    assert [item for item, _ in lost] == [3]
    assert "SIGKILL" in lost[0][1]


@pytest.mark.slow(seconds=45)
def test_without_a_handler_the_lost_run_is_raised_after_the_others() -> None:
    with (
        pytest.warns(WorkerDiedWarning),
        pytest.raises(WorkerLostError, match=r"^5: its worker process died \(SIGKILL"),
    ):
        parallel_map(dies_on, [5, 1, 2], frozenset({5}), n_jobs=2)


def test_a_pool_without_deaths_maps_every_item() -> None:
    assert sorted(parallel_map(dies_on, [1, 2, 3], n_jobs=2)) == [1, 4, 9]
