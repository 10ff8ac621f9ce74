"""Safety and disasters (docs/ODD.md §7.8), the DSAIR link between safety and the race.

In DSAIR (Han, Pereira, Santos & Lenaerts 2020) an UNSAFE developer moves faster and risks a
disaster, a SAFE one pays for safety and does not. Here the speed side is already in
:meth:`sim.model.lab.Lab.research` (the safety share is compute not spent on capability);
:func:`disasters` adds the risk: each month a lab with safety share x suffers a disaster with
probability disaster_risk · max(0, 1 − x / safe_share), which multiplies its capability in
every domain by 1 − disaster_setback. Pure: the model supplies the shares, capabilities and
one uniform draw per lab from its own random stream, and applies and logs the result.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.config.safety import SafetyConfig


def disaster_probability(safety: npt.ArrayLike, cfg: SafetyConfig) -> npt.NDArray[np.float64]:
    """Monthly disaster probability of labs with these safety shares."""
    x = np.asarray(safety, dtype=np.float64)
    return np.asarray(cfg.disaster_risk * np.maximum(0.0, 1.0 - x / cfg.safe_share))


def disasters(
    safety: npt.ArrayLike,
    capabilities: npt.ArrayLike,
    cfg: SafetyConfig,
    draws: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], list[tuple[int, float]]]:
    """One month of disasters.

    `safety` holds each lab's safety share, `capabilities` one row of capability per lab
    (domains in columns) and `draws` one uniform in [0, 1) per lab; lab i suffers a disaster
    when draws[i] < its :func:`disaster_probability`. Returns the capabilities after the
    month's disasters (a new array) and the (lab index, capability lost summed over domains)
    of each disaster, in lab order. With disaster_risk = 0 nothing ever happens.
    """
    caps = np.array(capabilities, dtype=np.float64)
    u = np.asarray(draws, dtype=np.float64)
    p = disaster_probability(safety, cfg)
    if caps.ndim != 2 or not (p.shape == u.shape == (caps.shape[0],)):
        raise ValueError(
            f"expected one safety share, one draw and one capability row per lab; got shapes "
            f"{p.shape}, {u.shape} and {caps.shape}"
        )
    hit = u < p
    lost = caps[hit] * cfg.disaster_setback
    caps[hit] -= lost
    losses = lost.sum(axis=1)
    events = [(int(i), float(x)) for i, x in zip(np.flatnonzero(hit), losses, strict=True)]
    return caps, events
