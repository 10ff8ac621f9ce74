"""A task that kills its own worker process, for the worker pool's tests: a module of its
own, importing nothing heavy, so the pool's fresh workers start fast."""

from __future__ import annotations

import os
import signal


def dies_on(item: int, fatal: frozenset[int] = frozenset()) -> int:
    """`item` squared, or its worker process killed (SIGKILL) when `item` is in `fatal`."""
    if item in fatal:
        os.kill(os.getpid(), signal.SIGKILL)
    return item * item
