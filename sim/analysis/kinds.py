"""The words a sweep's files use to say what they hold, as enums: the kind of sweep (its
manifest's ``kind``, which decides how it is analysed and reported) and the sensitivity
methods (the ``method`` column of a design and of its indices). Both are ``StrEnum``, so
they compare equal to, and serialise as, the strings on disk."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ReportKind(StrEnum):
    """What a sweep directory holds, and so which report it gets."""

    paired = "paired"
    """Treated and control runs sharing seeds: paired effects of an intervention."""
    sweep = "sweep"
    """Runs across parameter points (or replicates of one scenario), without pairs."""
    sensitivity = "sensitivity"
    """A Morris and/or Sobol design (``sim.analysis.sensitivity``)."""
    discovery = "discovery"
    """A sampled paired design for PRIM (``sim.analysis.discovery``)."""

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> ReportKind:
        """The manifest's ``kind``; a manifest without one is paired if it names an
        intervention and a plain sweep otherwise. Raises ValueError for an unknown kind."""
        kind = manifest.get("kind")
        if kind:
            try:
                return cls(str(kind))
            except ValueError:
                known = ", ".join(k.value for k in cls)
                raise ValueError(
                    f"kind = {kind!r} in the manifest: expected one of {known}"
                ) from None
        return cls.paired if manifest.get("intervention") else cls.sweep


class SensitivityMethod(StrEnum):
    """A global sensitivity method of ``sim.analysis.sensitivity``, with what differs
    between them."""

    morris = "morris"
    sobol = "sobol"

    @property
    def units(self) -> str:
        """What the design is made of: Morris trajectories or Sobol base samples."""
        return "trajectories" if self is SensitivityMethod.morris else "base samples"

    def block(self, k: int) -> int:
        """Design points per unit with `k` parameters: a trajectory, or a Saltelli block
        without second-order indices."""
        return k + 1 if self is SensitivityMethod.morris else k + 2

    @property
    def columns(self) -> tuple[str, ...]:
        """The index columns of this method's rows in an index table."""
        if self is SensitivityMethod.morris:
            return ("mu_star", "mu_star_conf", "mu", "sigma")
        return ("S1", "S1_conf", "ST", "ST_conf")

    @property
    def key(self) -> str:
        """The index that ranks parameters: Morris mu* or the total Sobol index ST."""
        return self.columns[0] if self is SensitivityMethod.morris else "ST"


__all__ = ["ReportKind", "SensitivityMethod"]
