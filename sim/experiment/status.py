"""How complete a sweep directory is: planned and finished runs, recorded failures,
incomplete pairs, damaged files, and whether it mixes scenarios or paired and unpaired
runs (what a report says first)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sim.experiment.store import (
    MANIFEST,
    PAIRED_ARMS,
    Arm,
    complete_pairs,
    read_frames,
    read_manifest,
    scan,
)


@dataclass(frozen=True)
class SweepStatus:
    """How complete a sweep directory is: planned and finished runs, failures, incomplete
    pairs, and whether it mixes scenarios."""

    planned: int | None
    finished: int
    failures: tuple[str, ...]
    unpaired: int
    """Runs of a pair whose other arm has not finished."""
    scenarios: tuple[str, ...]
    arms: tuple[str, ...]
    damaged: tuple[str, ...] = ()
    """One line per file in the time series that is not a finished run of this sweep."""

    @property
    def partial(self) -> bool:
        return (
            self.planned is None
            or self.finished < self.planned
            or bool(self.failures)
            or self.unpaired > 0
            or bool(self.damaged)
        )

    @property
    def mixed(self) -> bool:
        """The runs mix scenarios, or paired with unpaired runs."""
        paired = set(PAIRED_ARMS) & set(self.arms)
        return len(self.scenarios) > 1 or (Arm.single in self.arms and bool(paired))

    def messages(self) -> list[str]:
        """What is missing or odd, in plain words (empty for a complete sweep)."""
        out = []
        if self.planned is None:
            out.append("the manifest does not say how many runs were planned")
        elif self.finished == 0:
            out.append(f"no run has finished yet (0 of {self.planned} planned)")
        elif self.finished < self.planned:
            out.append(
                f"{self.planned - self.finished} of {self.planned} planned runs have not "
                f"finished; results below use the {self.finished} that have"
            )
        if self.failures:
            out.append(f"{len(self.failures)} run(s) failed: " + "; ".join(self.failures[:5]))
        if self.damaged:
            out.append(
                f"{len(self.damaged)} file(s) left out (run the sweep again to redo them): "
                + "; ".join(self.damaged[:5])
            )
        if self.unpaired:
            out.append(
                f"{self.unpaired} run(s) lack the other arm of their pair and are left out of "
                "the paired effects"
            )
        if len(self.scenarios) > 1:
            out.append(
                f"the runs mix scenarios {list(self.scenarios)}; effects are per parameter point"
            )
        if Arm.single in self.arms and (set(PAIRED_ARMS) & set(self.arms)):
            out.append("the runs mix paired and unpaired runs; effects use the pairs only")
        return out


def sweep_status(sweep_dir: str | os.PathLike[str]) -> SweepStatus:
    """Read a sweep directory's manifest, finished runs and recorded failures."""
    path = Path(sweep_dir)
    if not (path / MANIFEST).exists():
        raise FileNotFoundError(f"{path} is not a sweep directory (no {MANIFEST})")
    planned = read_manifest(path).get("planned_runs")
    files, damaged = scan(path)
    finished_ids = {f.name.removesuffix(".parquet") for f in files}
    failures = []
    for f in sorted((path / "failed").glob("*.json")):
        try:
            info = json.loads(f.read_text())
        except ValueError:
            info = {"run_id": f.stem, "error": f"its record {f.name} is damaged"}
        if info.get("run_id") in finished_ids:
            continue
        failures.append(
            f"seed {info.get('seed')}, arm {info.get('arm')}, overrides "
            f"{info.get('overrides')}: {info.get('error')}"
        )
    unpaired, scenarios, arms = 0, [], []
    if files:
        cols = ["run_id", "pair_id", "arm", "scenario"]
        runs = read_frames(files, cols).drop_duplicates("run_id", ignore_index=True)
        scenarios = sorted(runs["scenario"].astype(str).unique())
        arms = sorted(runs["arm"].astype(str).unique())
        paired = runs["arm"].isin(PAIRED_ARMS).sum()
        unpaired = int(paired - len(complete_pairs(runs)))
    return SweepStatus(
        None if planned is None else int(planned),
        len(files),
        tuple(failures),
        unpaired,
        tuple(scenarios),
        tuple(arms),
        tuple(damaged),
    )


__all__ = ["SweepStatus", "sweep_status"]
